"""The scripted shopper's wording presets (salessim.shoppers.presets): `default` changes nothing,
`humanlike` talks shorter and discloses more gradually than the default wording while every
decision stays the aligned one, its text pieces state no criterion, and the flaw knobs keep their
effects under it (slow). Figures against human references: benchmarks/scripted_vs_reference.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from functools import lru_cache

import pytest

from salessim.agents import ScriptedSalesAgent
from salessim.metrics.episode_view import extract, topics_disclosed
from salessim.metrics.reference import dialogue_stats
from salessim.personas import load_personas
from salessim.shoppers import ScriptedShopper
from salessim.shoppers.presets import load_preset, preset_names
from salessim.sim.orchestrator import run_episode
from salessim.sim.runner import episode_seed
from salessim.store import default_store
from tests.test_calibration_scripted import aligned

CATEGORIES = ("laptops", "headphones", "smartphones")


@lru_cache(maxsize=None)
def simulate(preset: str | None, flaws: str = "", strategy: str = "helpful", limit: int | None = 40) -> tuple:
    store = default_store()
    personas = load_personas(split="test")[:limit] if limit else load_personas(split="test")
    shopper = ScriptedShopper(flaws or None, preset=preset)
    agent = ScriptedSalesAgent(strategy)

    async def run():
        return [await run_episode(p, shopper, agent, store, seed=episode_seed(0, f"{p.id}#0")) for p in personas]

    return tuple(asyncio.run(run())), tuple(personas)


def _figures(episodes) -> tuple[float, float]:
    stats = [dialogue_stats(ep.category, ep.shopper_texts()) for ep in episodes]
    words = sum(s.token_count / s.turns for s in stats) / len(stats)
    new = sum(sum(s.new["value"]) / s.turns for s in stats) / len(stats)
    return words, new


def test_presets_are_listed_and_default_is_plain():
    assert preset_names()[0] == "default" and "humanlike" in preset_names()
    assert load_preset(None).is_default and load_preset("default").is_default
    assert not load_preset("humanlike").is_default


def test_default_preset_changes_nothing():
    store = default_store()
    persona = load_personas(split="test")[3]
    agent = ScriptedSalesAgent("helpful")

    async def once(shopper):
        return await run_episode(persona, shopper, agent, store, seed=11)

    plain = asyncio.run(once(ScriptedShopper()))
    named = asyncio.run(once(ScriptedShopper(preset="default")))
    assert [m.text for m in plain.messages] == [m.text for m in named.messages]
    assert plain.shopper.params == named.shopper.params == {"flaws": ScriptedShopper().flaws.model_dump()}
    assert ScriptedShopper(preset="humanlike").info.params["preset"] == "humanlike"


def test_humanlike_is_shorter_and_more_gradual_with_the_same_decisions():
    store = default_store()
    default_eps, personas = simulate(None)
    human_eps, _ = simulate("humanlike")
    d_words, d_new = _figures(default_eps)
    h_words, h_new = _figures(human_eps)
    assert h_words < 0.7 * d_words, (d_words, h_words)
    assert h_new < 0.75 * d_new, (d_new, h_new)
    assert all(aligned(ep, p, store) == 1.0 for ep, p in zip(human_eps, personas))
    holds = [m for ep in human_eps for m in ep.messages if m.role == "shopper" and m.meta.get("asked_before_buying")]
    assert holds  # it does ask about a product before buying it


def test_humanlike_pieces_state_no_criterion():
    text = load_preset("humanlike").text
    for key in ("hold_react", "hold_question", "hold_pause", "hold_unsure", "ask_product", "more_options", "ask_open",
                "leave", "greeting", "goal_generic"):
        pieces = text[key] if isinstance(text[key], list) else [x for v in text[key].values() for x in v]
        for piece in pieces:
            line = piece.format(name="the Northwind 5", singular="laptop")
            for category in CATEGORIES:
                assert not extract(line, category) and not topics_disclosed(line, category), (key, line, category)


def test_unknown_preset_and_a_preset_for_a_model_are_one_line_errors(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "salessim", "run", "--shopper-preset", "shakespeare", "--out", "r"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "unknown scripted-shopper preset 'shakespeare'" in proc.stderr and "humanlike" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "salessim", "run", "--shopper-preset", "humanlike", "--shopper-model",
                           "m", "--base-url", "http://127.0.0.1:9/v1", "--out", "r"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 2 and "shapes the scripted shopper" in proc.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_humanlike_keeps_calibration(capsys):
    """Oracle 1.000 against both agents; every flaw knob still moves its score (test split)."""
    store = default_store()

    def da(flaws: str, strategy: str) -> float:
        eps, personas = simulate("humanlike", flaws, strategy, None)
        return sum(aligned(ep, p, store) for ep, p in zip(eps, personas)) / len(eps)

    oracle, oracle_pushy = da("", "helpful"), da("", "pushy")
    syco, forget, indecisive = da("sycophancy=1.0", "pushy"), da("forget_dealbreaker=1.0", "helpful"), \
        da("indecision=0.9", "helpful")
    with capsys.disabled():
        print(f"\n  humanlike: oracle {oracle:.3f}, oracle/pushy {oracle_pushy:.3f}, sycophancy/pushy {syco:.3f}, "
              f"forget_dealbreaker {forget:.3f}, indecision {indecisive:.3f}")
    assert oracle == 1.0 and oracle_pushy == 1.0
    assert syco < 0.3 and forget < 0.7 and indecisive < 0.8
    from salessim.metrics import overdisclosure

    eps, personas = simulate("humanlike", "overdisclosure=1.0", "helpful", None)
    values = [overdisclosure.compute(ep, p, store).value for ep, p in zip(eps, personas)]
    assert sum(v for v in values if v is not None) / len([v for v in values if v is not None]) > 0.95


@pytest.mark.slow
def test_humanlike_halves_the_gaps_to_the_handwritten_reference():
    """The README's table (benchmarks/scripted_vs_reference.py): words per turn and new criteria per
    turn of both wordings, and each gap to the hand-written reference at least halved."""
    from pathlib import Path

    from salessim.metrics.reference import load_reference, reference_gaps
    from tests.readme_figures import assert_near_readme

    reference = load_reference(Path(__file__).resolve().parents[1] / "benchmarks/reference/handwritten_shoppers.jsonl")
    gaps = {}
    for preset in (None, "humanlike"):
        episodes, _ = simulate(preset, "", "helpful", None)
        gaps[preset] = reference_gaps(list(episodes), reference)
    for row, key, level in (("words per shopper turn (per-dialogue means)", "words_per_turn", None),
                            ("new criteria per turn, value level", "new_criteria_per_turn", "value")):
        d, h = gaps[None][key], gaps["humanlike"][key]
        if level:
            d, h = d[level], h[level]
        assert_near_readme(d["human"], row, 1)
        assert_near_readme(d["simulator"], row, 2)
        assert_near_readme(h["simulator"], row, 3)
        assert abs(h["gap"]) <= 0.5 * abs(d["gap"]), (row, d["gap"], h["gap"])
