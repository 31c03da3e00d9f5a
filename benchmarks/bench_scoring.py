"""Benchmark: score 1,000 offline episodes with every deterministic metric.

Usage::

    python benchmarks/bench_scoring.py                 # simulate 1,000 episodes, then time scoring
    python benchmarks/bench_scoring.py --run-dir DIR   # time scoring the episodes of a saved run
    python benchmarks/bench_scoring.py --episodes 300 --repeats 5

The episodes come from the scripted shopper (oracle and flawed variants) against the helpful and
the pushy scripted agents on the default personas, so they exercise every metric. Scoring is timed
``--repeats`` times from a cold text-understanding cache (the cache is cleared before each repeat,
as when a fresh process re-scores a run); the median is printed with episodes per second, then the
median time of each metric on its own and of the run summary (bootstrap intervals, pooled lexical
diversity). Simulation time is printed separately and is not part of the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

FLAW_MIX = ({}, {"overdisclosure": 1.0}, {"forget_dealbreaker": 1.0}, {"indecision": 0.5}, {"sycophancy": 1.0})


def simulate(n: int):
    """``n`` offline episodes over the default personas with a mix of flaws and agents."""
    from salessim.agents import make_scripted_agent
    from salessim.errors import SalesSimError
    from salessim.personas import generate_personas, load_personas
    from salessim.shoppers import make_scripted_shopper
    from salessim.sim.orchestrator import run_episode
    from salessim.sim.runner import episode_seed
    from salessim.store import default_store

    store = default_store()
    try:
        personas = load_personas(None)
    except SalesSimError:
        personas = generate_personas()
    jobs = []
    for k in range(n):
        persona = personas[k % len(personas)]
        flaws = FLAW_MIX[k % len(FLAW_MIX)]
        agent = "pushy" if k % 3 == 0 else "helpful"
        jobs.append((persona, flaws, agent, k))

    async def run_all():
        shoppers = {i: make_scripted_shopper(f) for i, f in enumerate(FLAW_MIX)}
        agents = {a: make_scripted_agent(a) for a in ("helpful", "pushy")}
        return await asyncio.gather(*(
            run_episode(p, shoppers[FLAW_MIX.index(f)], agents[a], store, trial=k,
                        seed=episode_seed(0, f"{p.id}#{k}")) for p, f, a, k in jobs))

    episodes = asyncio.run(run_all())
    return episodes, {p.id: p for p in personas}, store


def load_run(run_dir: str):
    """The episodes, personas and store of a saved run directory."""
    from salessim.api.rundir import RunDir
    from salessim.metrics.run import _run_personas
    from salessim.schema.run import RunConfig
    from salessim.store import default_store

    rd = RunDir(run_dir).require()
    meta = rd.read_meta()
    return rd.read_episodes(), _run_personas(rd, meta, RunConfig.model_validate(meta["config"])), default_store()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000, help="episodes to simulate (default 1000)")
    parser.add_argument("--run-dir", default=None, help="score the episodes of this run directory instead")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median reported)")
    args = parser.parse_args(argv)

    from salessim.metrics import get_metrics, score_episode
    from salessim.metrics.episode_view import clear_cache, extract
    from salessim.metrics.scoring import summarize

    t0 = time.perf_counter()
    if args.run_dir:
        episodes, personas, store = load_run(args.run_dir)
        print(f"loaded {len(episodes)} episodes from {args.run_dir} in {time.perf_counter() - t0:.2f} s")
    else:
        episodes, personas, store = simulate(args.episodes)
        print(f"simulated {len(episodes)} offline episodes in {time.perf_counter() - t0:.2f} s (not timed below)")
    metrics = get_metrics(None)
    print(f"deterministic metrics ({len(metrics)}): {', '.join(m.name for m in metrics)}")

    totals, per_metric, summaries = [], {m.name: [] for m in metrics}, []
    for _ in range(args.repeats):
        clear_cache()
        t = time.perf_counter()
        scores = [score_episode(ep, personas.get(ep.persona_id), store, metrics) for ep in episodes]
        totals.append(time.perf_counter() - t)
        t = time.perf_counter()
        summarize(episodes, scores)
        summaries.append(time.perf_counter() - t)
    for m in metrics:  # each metric alone, cold cache
        for _ in range(args.repeats):
            clear_cache()
            t = time.perf_counter()
            for ep in episodes:
                persona = personas.get(ep.persona_id)
                if persona is not None:
                    m.compute(ep, persona, store)
            per_metric[m.name].append(time.perf_counter() - t)

    texts = {(m.text, ep.category) for ep in episodes for m in ep.messages if m.role == "shopper" and m.text.strip()}
    nlu_times = []
    for _ in range(args.repeats):  # the floor: reading every distinct shopper turn once
        clear_cache()
        t = time.perf_counter()
        for text, category in texts:
            extract(text, category)
        nlu_times.append(time.perf_counter() - t)

    secs = statistics.median(totals)
    print(f"scoring {len(episodes)} episodes with all deterministic metrics: {secs:.2f} s "
          f"(median of {args.repeats}), {len(episodes) / secs:.0f} episodes/s")
    print(f"  of which text understanding (salessim.nlu, {len(texts)} distinct shopper turns read once): "
          f"{statistics.median(nlu_times):.2f} s")
    print(f"run summary (bootstrap intervals, pooled lexical diversity): {statistics.median(summaries):.2f} s")
    print("each metric alone (cold cache, median):")
    for name, ts in sorted(per_metric.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {name:24s} {statistics.median(ts):6.3f} s")


if __name__ == "__main__":
    main()
