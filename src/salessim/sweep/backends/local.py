"""The ``local`` backend: a ``concurrent.futures.ProcessPoolExecutor`` of N worker processes.

Workers are started with the ``spawn`` method (a fresh interpreter: no inherited locks, threads or
event loops), ignore Ctrl-C (the sweep stops them), and on Linux die with the sweep's process
(``PR_SET_PDEATHSIG``), so ``kill -9`` of a sweep leaves no worker writing a shard behind it.
Endpoint limits are ``multiprocessing`` semaphores created here and handed to every worker when it
starts (:func:`salessim.sweep.work.init_local_worker`).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable

from salessim.errors import SalesSimError
from salessim.sweep.work import init_local_worker


class LocalBackend:
    """A process pool on this machine (see the module docstring)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        if workers is not None and workers < 1:
            raise SalesSimError(f"--workers must be at least 1, got {workers}", where="--workers")
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._before: set[int] = set()
        self.limits: dict[tuple[str, str], int] = {}

    def start(self, limits: dict[tuple[str, str], int]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.limits = dict(limits)
        semaphores = {key: ctx.BoundedSemaphore(n) for key, n in self.limits.items()}
        self._before = {p.pid for p in multiprocessing.active_children()}
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=init_local_worker,
                                         initargs=(os.getpid(), semaphores))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._pool is None:
            raise RuntimeError("the local backend is not started")
        return self._pool.submit(fn, *args)

    def shutdown(self, *, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not cancel:
            pool.shutdown(wait=True)
            return
        pool.shutdown(wait=False, cancel_futures=True)
        # the pool's own workers (children this backend started), stopped at once: a shard they were
        # writing keeps its finished episodes, and the next sweep resumes it
        mine = [p for p in multiprocessing.active_children() if p.pid not in self._before]
        for proc in mine:
            proc.terminate()
        for proc in mine:
            proc.join(timeout=5)

    def describe(self) -> dict:
        return {"name": self.name, "workers": self.workers}
