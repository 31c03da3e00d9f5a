"""Episodes per minute of the LLM shopper (against the scripted agent) through the local test server.

The server (:mod:`salessim.testing.responders`, in a child process so it does not share this process's
GIL) plays the shopper model and delays every answer by ``--latency-ms``. For each concurrency level
the benchmark runs a bounded number of whole episodes (``--per-slot`` x concurrency) with at most
that many in flight, the shopper's endpoint limit set to the same level and the cache off, then
prints the throughput next to the ideal bound and their ratio. It stops by itself.

The bound: with ``c`` episodes in flight, each needing ``k`` LLM calls of latency ``L`` one after
the other, at most ``c / (L * k)`` episodes finish per second; ``k`` is the mean number of shopper
calls per episode measured in the same run (the scripted agent needs none).

    .venv/bin/python benchmarks/bench_llm_episodes.py [--latency-ms 200] [--levels 1,8,32,64]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_llm_throughput import measure  # noqa: E402

from salessim.schema.run import ModelConfig  # noqa: E402
from salessim.testing.server import server_subprocess  # noqa: E402


async def run_level(base_url: str, level: int, latency_s: float, n_episodes: int, max_turns: int) -> dict:
    """Run ``n_episodes`` episodes at concurrency ``level``; return the measurements."""
    from salessim.agents import make_scripted_agent
    from salessim.llm.endpoints import build_client
    from salessim.personas import load_personas
    from salessim.shoppers.llm import LLMShopper
    from salessim.sim.orchestrator import EpisodeLimits, run_episode
    from salessim.sim.runner import episode_seed
    from salessim.store import default_store

    store = default_store()
    personas = load_personas(split="test")
    model = ModelConfig(model="bench-shopper", base_url=base_url, concurrency=level, cache=False,
                        timeout_s=60.0, max_retries=0)
    client = build_client(model)
    shopper = LLMShopper(client, model, store=store)
    agent = make_scripted_agent("helpful")
    limits = EpisodeLimits(max_turns=max_turns)
    counter = itertools.count()
    episodes = []

    async def one_episode() -> None:
        """One whole episode; an episode that ends in error counts as a failed unit."""
        n = next(counter)
        persona = personas[n % len(personas)]
        ep = await run_episode(persona, shopper, agent, store, seed=episode_seed(level, f"{persona.id}#{n}"),
                               trial=n, limits=limits)
        episodes.append(ep)
        if ep.termination.startswith("error"):
            raise RuntimeError(ep.termination)

    await one_episode()  # warm up: imports, indexes, the first connection
    episodes.clear()
    try:
        result = await measure(level, latency_s, n_episodes, one_episode)
    finally:
        await client.aclose()
    calls = [ep.usage["shopper"].calls for ep in episodes if "shopper" in ep.usage]
    mean_calls = sum(calls) / len(calls) if calls else float("nan")
    done = result.n_requests - result.errors
    per_minute = 60.0 * done / result.elapsed_s if result.elapsed_s > 0 else 0.0
    bound = 60.0 * level / (latency_s * mean_calls) if latency_s > 0 and calls else float("inf")
    endings: dict[str, int] = {}
    for ep in episodes:
        endings[ep.termination] = endings.get(ep.termination, 0) + 1
    return {"level": level, "episodes": result.n_requests, "errors": result.errors, "seconds": result.elapsed_s,
            "calls": mean_calls, "per_minute": per_minute, "bound": bound,
            "ratio": per_minute / bound if bound and bound != float("inf") else float("nan"), "endings": endings}


def role_play_server(latency_ms: float):
    """The base URL of a role-playing test server running in a child process."""
    return server_subprocess("salessim.testing.responders", "--latency-ms", str(latency_ms))


def main() -> None:
    """Run the benchmark and print one line per concurrency level."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--levels", default="1,8,32,64")
    parser.add_argument("--per-slot", type=int, default=2, help="episodes per level = per-slot x concurrency")
    parser.add_argument("--min-episodes", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=12)
    args = parser.parse_args()
    os.environ.setdefault("SALESSIM_CACHE_DIR", tempfile.mkdtemp(prefix="salessim-bench-"))
    latency_s = args.latency_ms / 1000.0
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    print(f"LLM shopper vs scripted agent; test server latency {args.latency_ms:g} ms; "
          f"episodes per level = max({args.min_episodes}, {args.per_slot} x concurrency); cache off")
    print(f"{'concurrency':>11} {'episodes':>8} {'errors':>6} {'calls/ep':>8} {'seconds':>8} {'ep/min':>8} "
          f"{'bound/min':>9} {'ratio':>6}  endings")
    with role_play_server(args.latency_ms) as base_url:
        for level in levels:
            n = max(args.min_episodes, args.per_slot * level)
            r = asyncio.run(run_level(base_url, level, latency_s, n, args.max_turns))
            endings = ", ".join(f"{k} {v}" for k, v in sorted(r["endings"].items()))
            print(f"{r['level']:>11} {r['episodes']:>8} {r['errors']:>6} {r['calls']:>8.2f} {r['seconds']:>8.2f} "
                  f"{r['per_minute']:>8.1f} {r['bound']:>9.1f} {r['ratio']:>6.2f}  {endings}", flush=True)


if __name__ == "__main__":
    main()
