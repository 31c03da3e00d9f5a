"""Offline simulation speed: episodes per second, and the environment's own overhead per turn.

The environment overhead is everything the orchestrator and the store do in a turn (tool calls,
recording, product lookups, image encoding for a seeing shopper) — the participants' own thinking
time is excluded. Figures are medians over repeats; the machine is shared, so quote ratios.

    python benchmarks/bench_offline.py [--limit 200] [--repeats 3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark
from salessim.store import default_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--agent", default="scripted")
    args = ap.parse_args()

    store = default_store()
    t0 = time.perf_counter()
    store.tools("laptops")  # warm caches and indexes once, reported separately
    warm = time.perf_counter() - t0

    eps_per_s, env_per_turn_ms, turns = [], [], []
    for r in range(args.repeats):
        cfg = RunConfig(limit=args.limit, seed=r, concurrency=args.concurrency)
        cfg.agent.kind = args.agent
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            outcome = asyncio.run(run_benchmark(cfg, Path(tmp) / "run", store=store))
            wall = time.perf_counter() - start
        eps = outcome.episodes
        eps_per_s.append(len(eps) / wall)
        per_turn = [e.timings["env_s"] / max(e.turns, 1) * 1000 for e in eps]
        env_per_turn_ms.append(statistics.median(per_turn))
        turns.append(statistics.mean(e.turns for e in eps))
        print(f"repeat {r}: {len(eps)} episodes in {wall:.2f} s = {len(eps) / wall:.1f} episodes/s, "
              f"median env overhead {env_per_turn_ms[-1]:.3f} ms/turn, mean turns {turns[-1]:.1f}")
    print(f"store warm-up: {warm * 1000:.0f} ms")
    print(f"MEDIAN episodes/s: {statistics.median(eps_per_s):.1f}  "
          f"(episodes: {args.limit}, concurrency {args.concurrency}, agent {args.agent})")
    print(f"MEDIAN environment overhead per turn: {statistics.median(env_per_turn_ms):.3f} ms")


if __name__ == "__main__":
    main()
