"""Benchmark sweeps: a matrix of shoppers x agents x splits x seeds, one run directory per cell,
run on one machine (a process pool) or a Ray cluster, summed up in a leaderboard.

    from salessim.sweep import load_sweep_config, make_backend, run_sweep

    cfg = load_sweep_config("configs/sweeps/offline-calibration.yaml")
    outcome = run_sweep(cfg, "runs/cal", backend=make_backend("local", workers=2))

Modules: :mod:`.config` (the sweep file and its cells), :mod:`.manifest` (the sweep directory),
:mod:`.coordinator` (running a sweep), :mod:`.work` (the units of work run by the workers),
:mod:`.backends` (``local`` and ``ray``), :mod:`.leaderboard`. Guide: docs/sweeps.md.
"""

from salessim.sweep.backends import BACKENDS, make_backend
from salessim.sweep.config import (
           Cell,
           SweepConfig,
           load_sweep_config,
           parse_sweep_config,
)
from salessim.sweep.coordinator import run_sweep
from salessim.sweep.leaderboard import build_sweep_leaderboard, write_leaderboard
from salessim.sweep.manifest import is_sweep_dir, read_manifest, sweep_cell_dirs
from salessim.sweep.state import SweepInterrupted, SweepOutcome

__all__ = ["BACKENDS", "Cell", "SweepConfig", "SweepInterrupted", "SweepOutcome", "build_sweep_leaderboard",
           "is_sweep_dir", "load_sweep_config", "make_backend", "parse_sweep_config", "read_manifest", "run_sweep",
           "sweep_cell_dirs", "write_leaderboard"]
