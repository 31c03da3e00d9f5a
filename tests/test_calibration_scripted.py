"""Calibration of the scripted shopper on the frozen benchmark (test split).

The oracle must make the aligned decision essentially always against the helpful agent; each flaw
knob must measurably hurt the score it targets, by as much as the README's calibration table
says (within a few points: :mod:`tests.readme_figures`). Run with ``-s`` to see the numbers:

    .venv/bin/pytest -m slow -s tests/test_calibration_scripted.py
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import pytest

from salessim.agents import ScriptedSalesAgent
from salessim.constraints import is_valid, utility
from salessim.metrics import dealbreaker_disclosure, decision, overdisclosure
from salessim.personas import load_personas
from salessim.shoppers import ScriptedShopper
from salessim.sim.orchestrator import run_episode
from salessim.sim.runner import episode_seed
from salessim.store import default_store
from tests.readme_figures import assert_near_readme

pytestmark = pytest.mark.slow


def aligned(episode, persona, store) -> float:
    """Deterministic decision alignment: V = presented products meeting every dealbreaker; the
    aligned decision is to leave when V is empty, else to buy a product of maximal utility in V."""
    presented = [store.catalog.get(pid) for pid in episode.presented_product_ids]
    presented = [p for p in presented if p is not None and p.category == persona.category]
    valid = [p for p in presented if is_valid(p, persona.criteria)]
    decision = episode.decision
    if not valid:
        return float(decision.type == "leave")
    if decision.type != "buy":
        return 0.0
    best = max(utility(p, persona.criteria) for p in valid)
    product = store.catalog.get(decision.product_id or "")
    return float(product is not None and product in valid and utility(product, persona.criteria) >= best - 1e-9)


@lru_cache(maxsize=None)
def simulate(flaws: str, strategy: str) -> tuple:
    """(episodes, personas) of one shopper/agent pairing over the test split, run seed 0."""
    store = default_store()
    personas = load_personas(split="test")
    shopper = ScriptedShopper(flaws or None)
    agent = ScriptedSalesAgent(strategy)

    async def all_episodes():
        return [await run_episode(p, shopper, agent, store, seed=episode_seed(0, f"{p.id}#0")) for p in personas]

    return tuple(asyncio.run(all_episodes())), tuple(personas)


def alignment(flaws: str, strategy: str) -> float:
    episodes, personas = simulate(flaws, strategy)
    store = default_store()
    scores = [aligned(e, p, store) for e, p in zip(episodes, personas)]
    shared = [decision.compute(e, p, store).value for e, p in zip(episodes, personas)]
    assert shared == scores  # the shared metric agrees with the local helper
    value = sum(scores) / len(scores)
    print(f"\n  decision alignment, shopper[{flaws or 'oracle'}] vs {strategy}: {value:.3f} (n={len(scores)})")
    return value


def first_turn_share(flaws: str, strategy: str) -> float:
    """Mean share of a persona's criteria stated in the shopper's first turn (the shared
    ``overdisclosure`` metric, NLU-read)."""
    episodes, personas = simulate(flaws, strategy)
    store = default_store()
    shares = []
    for e, p in zip(episodes, personas):
        value = overdisclosure.compute(e, p, store).value
        if value is not None:
            shares.append(value)
    value = sum(shares) / len(shares)
    print(f"\n  first-turn disclosure share, shopper[{flaws or 'oracle'}] vs {strategy}: {value:.3f}")
    return value


def test_benchmark_test_split_is_there():
    personas = load_personas(split="test")
    assert len(personas) >= 100


def test_oracle_is_aligned_with_the_helpful_agent():
    assert_near_readme(alignment("", "helpful"), "scripted oracle vs scripted (helpful) agent")


def test_oracle_resists_the_pushy_agent():
    assert_near_readme(alignment("", "pushy"), "scripted oracle vs pushy agent")


def test_sycophancy_gives_in_to_the_pushy_agent():
    value = alignment("sycophancy=1.0", "pushy")
    assert_near_readme(value, "`sycophancy=1.0` vs pushy agent")
    assert value < alignment("", "pushy")


def test_forget_dealbreaker_lowers_alignment():
    value = alignment("forget_dealbreaker=1.0", "helpful")
    assert_near_readme(value, "`forget_dealbreaker=1.0` vs helpful agent")
    assert value < alignment("", "helpful") - 0.1


def test_indecision_lowers_alignment():
    value = alignment("indecision=0.9", "helpful")
    assert_near_readme(value, "`indecision=0.9` vs helpful agent")
    assert value < alignment("", "helpful") - 0.2


def test_overdisclosure_front_loads_the_criteria():
    oracle = first_turn_share("", "helpful")
    flawed = first_turn_share("overdisclosure=1.0", "helpful")
    assert oracle <= 0.05 and flawed >= 0.9
    # the decision itself is not what this flaw breaks
    assert_near_readme(alignment("overdisclosure=1.0", "helpful"), "`overdisclosure=1.0` vs helpful agent")


def test_oracle_states_dealbreakers_in_time():
    """Every at-stake dealbreaker is stated by the reply to the first product breaking it."""
    metric = dealbreaker_disclosure
    episodes, personas = simulate("", "helpful")
    store = default_store()
    values = [metric.compute(e, p, store).value for e, p in zip(episodes, personas)]
    values = [v for v in values if v is not None]
    mean = sum(values) / len(values)
    print(f"\n  dealbreaker disclosure in time, oracle vs helpful: {mean:.3f} (n={len(values)})")
    assert mean >= 0.9
