"""The units of work a sweep hands to its backend, run in worker processes.

Two kinds: :func:`run_shard_task` simulates a shard of one cell's episodes into the cell's
``shards/<name>.jsonl`` (with :func:`salessim.sim.runner.run_shard`, the asyncio runner), and
:func:`score_cell_task` scores a cell whose episodes are all merged (:func:`salessim.metrics.run.score_run`).
Both take plain picklable arguments and return small dicts, so they run the same in a process pool
and as Ray tasks. ``limits`` is the backend's endpoint-limit handle: each call installs it (once
per process) so that every LLM request of the worker also holds a permit of the limit shared by all
workers (:mod:`salessim.llm.shared_limits`).
"""

from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any, Protocol

from salessim.llm.shared_limits import (
    ProcessSemaphoreLimit,
    clear_shared_limits,
    install_shared_limit,
)
from salessim.metrics.run import score_run
from salessim.sim.runner import run_shard

__all__ = ["LimitsHandle", "ShardTask", "init_local_worker", "run_shard_task", "score_cell_task"]


@dataclass(frozen=True)
class ShardTask:
    """A shard: these planned episodes of the run in ``cell_dir``, into ``shards/<shard>.jsonl``,
    at most ``concurrency`` episodes in flight."""

    cell_dir: str
    shard: str
    episode_ids: tuple[str, ...]
    concurrency: int | None = None


class LimitsHandle(Protocol):
    """What a backend hands to its tasks so that endpoint limits hold across processes."""

    def install(self) -> None:
        """Install the shared limits in this process (idempotent)."""
        ...


def run_shard_task(task: ShardTask, limits: LimitsHandle | None = None) -> dict:
    """Run one shard in this worker process; returns the :class:`~salessim.sim.runner.ShardOutcome`
    as a dict."""

    if limits is not None:
        limits.install()
    outcome = asyncio.run(run_shard(task.cell_dir, task.shard, list(task.episode_ids),
                                    concurrency=task.concurrency))
    return dataclasses.asdict(outcome)


def score_cell_task(cell_dir: str, limits: LimitsHandle | None = None) -> dict:
    """Score one cell (writes its scores.jsonl and summary.json); returns the headline figures."""
    summary = score_run(cell_dir)
    da = summary.metrics.get("decision_alignment")
    return {"episodes": summary.episodes, "decision_alignment": da.mean if da else None,
            "terminations": dict(summary.terminations)}


def _die_with_parent(parent_pid: int) -> None:
    """Linux: ask the kernel to kill this process when its parent dies (a sweep killed with
    ``kill -9`` leaves no worker writing behind it). Elsewhere nothing is done; the shard locks
    still keep a second writer out."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def init_local_worker(parent_pid: int, semaphores: dict[tuple[str, str], Any]) -> None:
    """Initialiser of the local backend's pool workers: die with the sweep, leave Ctrl-C to the
    sweep (it stops the workers itself), and share the endpoint limits of ``semaphores`` (one
    ``multiprocessing`` semaphore per endpoint, created by the sweep)."""

    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    clear_shared_limits()
    for key, semaphore in semaphores.items():
        install_shared_limit(key, ProcessSemaphoreLimit(semaphore))
