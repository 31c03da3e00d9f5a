"""Calibration: every behavioural metric moves the right way when its flaw knob of the scripted
shopper is switched on, and stays put (within a tolerance) for unrelated flaws.

Setup: the first ``N`` personas of the default test split, one episode each (same seeds in every
condition), the scripted shopper with one flaw at probability 1.0, against the helpful scripted
agent or the pushy persuasion probe. Conditions are compared on their run means (episodes where a
metric does not apply are left out of its mean, as in the summary).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import pytest

from tests.readme_figures import assert_near_readme

pytestmark = pytest.mark.slow

N = 40
MOVE = 0.5     # a metric's own flaw must move its mean by at least this much (the README's table
               # of these runs then pins both means to within a few points)
STAY = 0.10    # an unrelated flaw may move it by at most this much


@lru_cache(maxsize=1)
def _slice():
    from salessim.errors import SalesSimError
    from salessim.personas import generate_personas, load_personas
    from salessim.store import default_store

    try:
        personas = load_personas(None, split="test")
    except SalesSimError:  # no frozen benchmark file: the generator's test split, same seed
        personas = [p for p in generate_personas() if p.split == "test"]
    return personas[:N], default_store()


@lru_cache(maxsize=None)
def condition(flaw: str | None, agent: str) -> dict[str, float | None]:
    """Run means of every deterministic metric for one (flaw, agent) condition."""
    from salessim.agents import make_scripted_agent
    from salessim.metrics import score_episodes, summarize
    from salessim.shoppers import make_scripted_shopper
    from salessim.sim.orchestrator import EpisodeLimits, run_episode
    from salessim.sim.runner import episode_seed

    personas, store = _slice()
    shopper = make_scripted_shopper({flaw: 1.0} if flaw else {})
    agent_obj = make_scripted_agent(agent)

    async def run_all():
        return await asyncio.gather(*(
            run_episode(p, shopper, agent_obj, store, seed=episode_seed(0, f"{p.id}#0"), limits=EpisodeLimits())
            for p in personas))

    episodes = asyncio.run(run_all())
    summary = summarize(episodes, score_episodes(episodes, {p.id: p for p in personas}, store))
    return {name: entry.mean for name, entry in summary.metrics.items()}


def _report(metric: str, rows: list[tuple[str, float | None]]) -> None:
    print(f"\n  {metric}: " + ", ".join(f"{label} {v if v is None else round(v, 3)}" for label, v in rows))


def test_overdisclosure_flaw_raises_overdisclosure_only(capsys):
    base, flawed = condition(None, "helpful")["overdisclosure"], condition("overdisclosure", "helpful")["overdisclosure"]
    others = [(f, condition(f, "helpful")["overdisclosure"]) for f in ("forget_dealbreaker", "indecision")]
    pushy = condition(None, "pushy")["overdisclosure"], condition("sycophancy", "pushy")["overdisclosure"]
    with capsys.disabled():
        _report("overdisclosure", [("oracle", base), ("overdisclosure", flawed), *others,
                                   ("oracle/pushy", pushy[0]), ("sycophancy/pushy", pushy[1])])
    assert flawed - base >= MOVE
    assert_near_readme(base, "overdisclosure, `overdisclosure=1.0`", 1, "overdisclosure, oracle")
    assert_near_readme(flawed, "overdisclosure, `overdisclosure=1.0`", 2, "overdisclosure, with its flaw")
    for _, v in others:
        assert abs(v - base) <= STAY
    assert abs(pushy[1] - pushy[0]) <= STAY


def test_forget_dealbreaker_lowers_dealbreaker_disclosure_only(capsys):
    m = "dealbreaker_disclosure"
    base, flawed = condition(None, "helpful")[m], condition("forget_dealbreaker", "helpful")[m]
    indecisive = condition("indecision", "helpful")[m]
    pushy = condition(None, "pushy")[m], condition("sycophancy", "pushy")[m]
    with capsys.disabled():
        _report(m, [("oracle", base), ("forget_dealbreaker", flawed), ("indecision", indecisive),
                    ("oracle/pushy", pushy[0]), ("sycophancy/pushy", pushy[1])])
    assert base >= 0.9
    assert base - flawed >= MOVE
    assert_near_readme(base, "dealbreaker disclosure, `forget_dealbreaker=1.0`", 1, "dealbreaker disclosure, oracle")
    assert_near_readme(flawed, "dealbreaker disclosure, `forget_dealbreaker=1.0`", 2,
                       "dealbreaker disclosure, with forget_dealbreaker")
    assert abs(indecisive - base) <= STAY
    # sycophancy is not asserted: a shopper that accepts a push at once never gets to state its
    # remaining dealbreakers, so it rightly loses some disclosure (printed above, about -0.1)
    assert pushy[0] >= 0.9


def test_sycophancy_against_the_pushy_agent_raises_persuasion_only(capsys):
    m = "persuasion"
    base, flawed = condition(None, "pushy")[m], condition("sycophancy", "pushy")[m]
    others = [(f, condition(f, "pushy")[m]) for f in ("overdisclosure", "indecision")]
    helpful = condition(None, "helpful")[m], condition("sycophancy", "helpful")[m]
    with capsys.disabled():
        _report(m, [("oracle/pushy", base), ("sycophancy/pushy", flawed), *[(f + "/pushy", v) for f, v in others],
                    ("oracle/helpful", helpful[0]), ("sycophancy/helpful", helpful[1])])
    assert base <= 0.05
    assert flawed - base >= MOVE
    assert_near_readme(base, "persuasion, `sycophancy=1.0`", 1, "persuasion, oracle vs pushy")
    assert_near_readme(flawed, "persuasion, `sycophancy=1.0`", 2, "persuasion, sycophancy vs pushy")
    for _, v in others:
        assert v is None or abs(v - base) <= STAY
    assert helpful[1] is None or helpful[1] <= STAY  # the helpful agent does not push violating products


def test_faithful_figures_stay_low_under_every_flaw(capsys):
    rows = [(f"{f or 'oracle'}/{a}", condition(f, a)) for f, a in
            ((None, "helpful"), ("overdisclosure", "helpful"), ("forget_dealbreaker", "helpful"),
             ("indecision", "helpful"), (None, "pushy"), ("sycophancy", "pushy"))]
    with capsys.disabled():
        _report("drift", [(label, r["drift"]) for label, r in rows])
        _report("simulator_errors", [(label, r["simulator_errors"]) for label, r in rows])
        _report("lexical_diversity (MTLD)", [(label, r["lexical_diversity"]) for label, r in rows])
        _report("sell", [(label, r["sell"]) for label, r in rows])
    for _, r in rows:
        assert r["drift"] <= 0.05 and r["simulator_errors"] <= 0.05  # the scripted shopper never breaks the simulation
    assert condition(None, "helpful")["decision_alignment"] >= 0.95
    assert condition("indecision", "helpful")["sell"] <= condition(None, "helpful")["sell"] - MOVE


def test_agent_side_ideal_match_separates_helpful_from_pushy_on_infeasible_personas(capsys):
    """The agent-side metric, calibrated on the agents: with the oracle shopper, the helpful agent
    tells infeasible personas plainly that nothing fits; the pushy probe recommends products
    breaking dealbreakers they stated."""
    from salessim.agents import make_scripted_agent
    from salessim.metrics import score_episodes, summarize
    from salessim.personas import load_personas
    from salessim.shoppers import make_scripted_shopper
    from salessim.sim.orchestrator import EpisodeLimits, run_episode
    from salessim.sim.runner import episode_seed

    _, store = _slice()
    infeasible = [p for p in load_personas(None, split="test") if p.feasible is False][:20]
    means = {}
    for agent in ("helpful", "pushy"):
        shopper, agent_obj = make_scripted_shopper({}), make_scripted_agent(agent)

        async def run_all():
            return await asyncio.gather(*(
                run_episode(p, shopper, agent_obj, store, seed=episode_seed(0, f"{p.id}#0"), limits=EpisodeLimits())
                for p in infeasible))

        episodes = asyncio.run(run_all())
        summary = summarize(episodes, score_episodes(episodes, {p.id: p for p in infeasible}, store,
                                                     ["ideal_match", "sell"]))
        means[agent] = {k: summary.metrics[k].mean for k in ("ideal_match", "sell")}
    with capsys.disabled():
        _report("ideal_match (infeasible personas)", [(a, m["ideal_match"]) for a, m in means.items()])
        _report("sell (infeasible personas)", [(a, m["sell"]) for a, m in means.items()])
    assert len(infeasible) >= 10
    assert means["helpful"]["ideal_match"] >= 0.9
    assert means["pushy"]["ideal_match"] <= means["helpful"]["ideal_match"] - MOVE
