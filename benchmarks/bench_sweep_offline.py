"""Wall time of the offline calibration sweep against the number of worker processes, and the Ray
backend's overhead against the local one on the same sweep.

Each measurement runs `salessim sweep configs/sweeps/offline-calibration.yaml` (10 cells x 200 episodes,
scripted participants, no network) into a fresh directory through the console script, as a user
would, and times it from start to exit (worker start-up, simulation, merging, scoring, leaderboard).
The baseline runs the same 10 cells one after the other in this process with the runner alone
(`run_benchmark` + `score_run`: what ten `salessim run` calls do, without ten interpreter starts).
The conditions are interleaved (each repeat runs every condition once, in turn), so that a busy spell
of the shared machine falls on all of them; medians of ``--repeats``. "CPU s" is the user + system
time of the measured process tree (the sweep and its pool workers; a Ray cluster's own processes are
not all counted).

    .venv/bin/python benchmarks/bench_sweep_offline.py [--workers 1,2,4] [--ray-workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "sweeps" / "offline-calibration.yaml"
SCRIPT = Path(sys.executable).with_name("salessim")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep_seconds(workdir: Path, *extra: str) -> tuple[float, float]:
    out = workdir / f"sweep-{time.monotonic_ns()}"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "COLUMNS": "200"}
    cpu0, started = _children_cpu(), time.perf_counter()
    subprocess.run([str(SCRIPT), "sweep", str(CONFIG), "--out", str(out), *extra], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu0
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, cpu


def baseline_seconds(workdir: Path) -> tuple[float, float]:
    from salessim.metrics.run import score_run
    from salessim.sim.runner import run_benchmark
    from salessim.store import default_store
    from salessim.sweep import load_sweep_config

    cells = load_sweep_config(CONFIG).cells()
    default_store()  # loaded once, as each worker does
    out = workdir / f"baseline-{time.monotonic_ns()}"
    cpu0, started = time.process_time(), time.perf_counter()
    for cell in cells:
        asyncio.run(run_benchmark(cell.config, out / cell.id))
        score_run(out / cell.id)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--ray-workers", default="2", help="worker counts for --backend ray ('' to skip)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="salessim-bench-sweep-"))
    conditions: list[tuple[str, tuple[str, ...] | None]] = [("one process, runner only (baseline)", None)]
    for w in [int(x) for x in args.workers.split(",") if x.strip()]:
        conditions.append((f"salessim sweep --workers {w}", ("--workers", str(w))))
    for w in [int(x) for x in args.ray_workers.split(",") if x.strip()]:
        conditions.append((f"salessim sweep --backend ray --workers {w}", ("--backend", "ray", "--workers", str(w))))
    print(f"{os.cpu_count()} CPU cores; offline-calibration sweep (10 cells x 200 episodes); median of {args.repeats}, "
          f"conditions interleaved; load average at start {os.getloadavg()[0]:.1f}")
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in conditions}
    for _ in range(args.repeats):
        for label, extra in conditions:
            runs[label].append(baseline_seconds(workdir) if extra is None else sweep_seconds(workdir, *extra))
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    print(f"{'what':<42} {'median s':>8} {'CPU s':>6}  wall s of each run")
    medians = {}
    for label, _ in conditions:
        walls = [w for w, _ in runs[label]]
        medians[label] = statistics.median(walls)
        print(f"{label:<42} {medians[label]:>8.1f} {statistics.median(c for _, c in runs[label]):>6.1f}  "
              f"{', '.join(f'{w:.1f}' for w in walls)}")
    for label, extra in conditions:
        if extra and extra[0] == "--backend":
            local = f"salessim sweep --workers {extra[-1]}"
            if local in medians:
                print(f"Ray overhead against local, --workers {extra[-1]}: {medians[label] - medians[local]:+.1f} s "
                      f"({medians[label] / medians[local]:.2f}x)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
