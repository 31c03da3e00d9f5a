"""Running a sweep: every cell a run directory, its episodes run in shards on a backend's workers.

For each cell that is not complete, the coordinator (this process) takes the cell's run-directory
lock, writes its run.json (a new cell) or folds in what an earlier, stopped sweep left (a resumed
one: :func:`salessim.sim.runner.merge_shards`), and splits the planned episodes that are still
missing into shards. The backend runs the shards on its workers; each shard's worker appends its
finished episodes to its own file in the cell directory. When all shards of a cell are done the
coordinator merges them into ``episodes.jsonl`` in plan order, marks the run complete, lets go of
the lock and hands the scoring to a worker. At the end it writes the leaderboard.

Crash safety: every finished episode is on disk in a shard file at once; a shard that is run again
skips what its file holds; the merge replaces ``episodes.jsonl`` atomically before it removes the
shard files, and keeps each episode id once. So a sweep stopped at any point, ``kill -9`` included,
is finished by running the same command again, with no episode lost or run twice in the result.
"""

from __future__ import annotations

import contextlib
import math
import platform
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from salessim import __version__
from salessim.api.rundir import SUMMARY, RunDir, read_episode_lines
from salessim.errors import SalesSimError
from salessim.llm.endpoints import endpoint_config
from salessim.sim.config import preflight_run
from salessim.sim.runner import (
    load_run_personas,
    merge_shards,
    new_meta,
    plan,
    stored_config,
)
from salessim.store import default_store
from salessim.sweep.config import Cell, SweepConfig
from salessim.sweep.leaderboard import write_leaderboard
from salessim.sweep.manifest import (
    FORMAT,
    check_sweep_dir,
    read_manifest,
    write_manifest,
)
from salessim.sweep.state import (
    CellRun,
    ShardRun,
    SweepInterrupted,
    SweepOutcome,
    is_error,
    is_error_line,
    now,
)
from salessim.sweep.work import ShardTask, run_shard_task, score_cell_task

__all__ = ["endpoint_limits", "run_sweep"]

def endpoint_limits(cells: list[Cell]) -> dict[tuple[str, str], int]:
    """``{(base_url, model): concurrency}`` of every LLM participant of ``cells``: the smallest
    ``concurrency`` any of them gives the endpoint, so that no setting is exceeded."""

    out: dict[tuple[str, str], int] = {}
    for cell in cells:
        for part in (cell.config.shopper, cell.config.agent):
            if part.kind == "llm" and part.model is not None and part.model.base_url:
                key = endpoint_config(part.model).endpoint_key()
                out[key] = min(out.get(key, part.model.concurrency), part.model.concurrency)
    return out


def _same_config(a, b) -> bool:
    skip = {"concurrency"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


def _cause(exc: BaseException) -> BaseException:
    """The user-facing exception inside a Ray task error (Ray wraps what the task raised)."""
    inner = getattr(exc, "cause", None)
    return inner if isinstance(inner, BaseException) else exc


def _one_line(exc: BaseException) -> str:
    exc = _cause(exc)
    text = str(exc) if isinstance(exc, SalesSimError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]


class _Sweep:
    """One invocation of a sweep (see :func:`run_sweep`)."""

    def __init__(self, cfg: SweepConfig, out: Path, backend, *, config_file: str | None, shard_size: int | None,
                 concurrency: int | None, retry_errors: bool, preflight: bool,
                 on_update: Callable[[list[CellRun]], None] | None):
        self.cfg = cfg
        self.out = out
        self.backend = backend
        self.config_file = config_file
        self.shard_size = shard_size
        self.concurrency = concurrency
        self.retry_errors = retry_errors
        self.preflight = preflight
        self.on_update = on_update
        self.cells = [CellRun(cell=c, dir=out / c.relative_dir, planned=0) for c in cfg.cells()]
        self.manifest: dict = {}
        self.queue: deque = deque()
        self.inflight: dict[Future, tuple] = {}
        self._store = None
        self._personas: dict[tuple, list] = {}

    def _planned_ids(self, cfg) -> list[str]:
        """The episode ids a cell's run plans (personas loaded once per file, split and limit)."""

        key = (cfg.personas, cfg.split, cfg.limit)
        if key not in self._personas:
            self._personas[key] = load_run_personas(cfg)
        return [p[2] for p in plan(self._personas[key], cfg)]

    # -- the manifest ----------------------------------------------------------------------------
    def _write_manifest(self, status: str | None = None, error: str | None = None) -> None:
        m = self.manifest
        if status is not None:
            m["status"] = status
        if error is not None:
            m["error"] = error
        elif status is not None:
            m.pop("error", None)
        m["updated_at"] = now()
        m["cells"] = [c.manifest_entry() for c in self.cells]
        write_manifest(self.out, m)

    def _open_manifest(self, existing: bool) -> None:
        old = read_manifest(self.out) if existing else {}
        self.manifest = {
            "format": FORMAT,
            "name": self.cfg.name,
            "description": self.cfg.description,
            "config_file": self.config_file,
            "config_hash": self.cfg.content_hash(),
            "config": self.cfg.model_dump(mode="json"),
            "reference_shopper": self.cfg.reference_shopper(),
            "salessim_version": __version__,
            "python": platform.python_version(),
            "command": " ".join(["salessim", *sys.argv[1:]]) if sys.argv and "salessim" in sys.argv[0] else None,
            "status": "running",
            "created_at": old.get("created_at", now()),
            "updated_at": now(),
            "invocations": list(old.get("invocations", [])),
            "cells": [],
        }
        self.manifest["invocations"].append({"started_at": now(), "backend": self.backend.describe(),
                                             "shard_size": self.shard_size, "concurrency": self.concurrency})

    # -- cells -----------------------------------------------------------------------------------
    def _store_once(self):
        if self._store is None:
            self._store = default_store()
        return self._store

    def _inspect(self, cr: CellRun) -> str:
        """Classify a cell before any lock: ``new``, ``resume``, ``score`` (merged and complete but
        not scored) or ``complete`` (nothing to do); refuses a cell directory of another config."""

        cr.planned = len(self._planned_ids(cr.cell.config))
        rd = RunDir(cr.dir)
        if not rd.run_json.exists():
            return "new"
        stored, meta = stored_config(rd)
        if not _same_config(stored, cr.cell.config):
            raise SalesSimError(f"{cr.dir} holds a run of another config than cell {cr.cell.id} of this sweep",
                                where="--out", hint="Restore the sweep config that made it, or pass a new --out.")
        scored = (cr.dir / SUMMARY).is_file() and (cr.dir / "scores.jsonl").is_file()
        if meta.get("status") == "complete" and not rd.shard_names():
            if self.retry_errors and self._has_errors(rd):
                return "resume"
            if scored:
                summary = rd.read_summary()
                if summary is not None and summary.episodes == meta.get("episodes_done"):
                    return "complete"
            return "score"
        return "resume"

    @staticmethod
    def _has_errors(rd: RunDir) -> bool:
        return any(is_error(e.termination) for e in rd.read_episodes())

    def _prepare(self, cr: CellRun, state: str) -> None:
        """Lock a cell that needs simulating, bring its directory up to date and queue its shards."""

        cfg = cr.cell.config
        rd = RunDir(cr.dir)
        stack = contextlib.ExitStack()
        stack.enter_context(rd.lock("sweep", create=True))
        cr.lock = stack
        planned_ids = self._planned_ids(cfg)
        if state == "new":
            rd.check_new()  # a directory of SalesSim files without run.json is not ours to write
            meta = new_meta(cfg, self._store_once(), f"{self.cfg.name}:{cr.cell.id}", len(planned_ids))
            meta["sweep"] = {"name": self.cfg.name, "cell": cr.cell.id, "shopper": cr.cell.shopper,
                             "agent": cr.cell.agent}
            rd.rewrite_episodes([])
            rd.write_meta(meta)
        else:
            merged = merge_shards(rd, cfg=cfg)  # what a stopped sweep left in shard files, in plan order
            if self.retry_errors and merged.errors:
                rd.rewrite_episodes([e for e in rd.read_episodes() if not is_error(e.termination)])
            meta = rd.read_meta()
            meta["status"] = "running"
            meta.pop("error", None)
            meta["updated_at"] = now()
            meta.setdefault("resumed", []).append(now())
            rd.write_meta(meta)
        lines = read_episode_lines(rd.episodes_path)[0]
        done_ids = {eid for eid, _ in lines}
        cr.merged = len(done_ids)
        cr.merged_errors = sum(1 for _, line in lines if is_error_line(line))
        todo = [eid for eid in planned_ids if eid not in done_ids]
        if not todo:
            self._finish_simulation(cr)
            return
        size = self.shard_size or max(1, math.ceil(len(todo) / self.backend.workers))
        concurrency = self.concurrency or cfg.concurrency
        cr.status = "running"
        cr.started = time.monotonic()
        for k in range(0, len(todo), size):
            name = f"s{k // size:04d}"
            shard = ShardRun(name=name, ids=todo[k:k + size], path=rd.shard_path(name))
            cr.shards[name] = shard
            task = ShardTask(cell_dir=str(cr.dir), shard=name, episode_ids=tuple(shard.ids), concurrency=concurrency)
            self.queue.append(("shard", cr, shard, task))

    def _finish_simulation(self, cr: CellRun) -> None:
        """All shards of a cell are done: merge them, mark the run complete, unlock, queue scoring."""

        rd = RunDir(cr.dir)
        merged = merge_shards(rd, cfg=cr.cell.config)
        cr.shards.clear()
        cr.merged = merged.episodes
        cr.merged_errors = merged.errors
        meta = rd.read_meta()
        meta["status"] = "complete"
        meta["episodes_done"] = merged.episodes
        meta["updated_at"] = now()
        if merged.duplicates:
            meta["duplicates_dropped"] = meta.get("duplicates_dropped", 0) + merged.duplicates
        rd.write_meta(meta)
        self._unlock(cr)
        cr.status = "scoring"
        cr.finished = time.monotonic()
        self.queue.appendleft(("score", cr, None, str(cr.dir)))

    def _unlock(self, cr: CellRun) -> None:
        if cr.lock is not None:
            cr.lock.close()
            cr.lock = None

    def _fail(self, cr: CellRun, exc: BaseException) -> None:
        cr.status = "failed"
        cr.error = _one_line(exc)
        cr.finished = time.monotonic()
        for fut, unit in list(self.inflight.items()):
            if unit[1] is cr:
                fut.cancel()
        self.queue = deque(u for u in self.queue if u[1] is not cr)
        with contextlib.suppress(Exception):
            rd = RunDir(cr.dir)
            if cr.lock is not None and rd.run_json.exists():
                meta = rd.read_meta()
                meta["status"] = "failed"
                meta["error"] = cr.error[:1000]
                meta["updated_at"] = now()
                rd.write_meta(meta)
        self._unlock(cr)

    # -- progress --------------------------------------------------------------------------------
    def _poll(self) -> None:
        """Count the finished episodes (and errors) in the shard files written so far."""
        for cr in self.cells:
            if cr.status != "running":
                continue
            for shard in cr.shards.values():
                shard.read_new()
        if self.on_update is not None:
            self.on_update(self.cells)

    # -- the loop --------------------------------------------------------------------------------
    def _submit_ready(self) -> None:
        while self.queue and len(self.inflight) < 2 * self.backend.workers:
            kind, cr, shard, arg = self.queue.popleft()
            fn = run_shard_task if kind == "shard" else score_cell_task
            future = self.backend.submit(fn, arg)
            self.inflight[future] = (kind, cr, shard)

    def _handle(self, future: Future) -> None:
        kind, cr, shard = self.inflight.pop(future)
        if future.cancelled() or cr.status == "failed":
            return
        exc = future.exception()
        if isinstance(_cause(exc) if exc else None, BrokenProcessPool):
            raise SalesSimError("a worker process of the sweep died (killed by the system, out of memory?)",
                                hint=f"Finish the sweep with the same command: salessim sweep CONFIG --out {self.out}")
        if exc is not None:
            self._fail(cr, exc)
            return
        result = future.result()
        if kind == "shard":
            shard.done = True
            cr.ran += int(result.get("ran", 0))
            self._poll()
            if all(s.done for s in cr.shards.values()):
                self._finish_simulation(cr)
        else:
            cr.status = "complete"
            cr.decision_alignment = result.get("decision_alignment")
        self._write_manifest()

    def run(self) -> SweepOutcome:
        started = time.monotonic()
        existing = check_sweep_dir(self.out)
        states = {cr.cell.id: self._inspect(cr) for cr in self.cells}  # a cell of another config fails here
        todo_cells = [cr for cr in self.cells if states[cr.cell.id] in ("new", "resume")]
        if self.preflight is not None:
            self._preflight([cr.cell for cr in todo_cells], network=self.preflight)
        with RunDir(self.out).lock("sweep", create=True):
            check_sweep_dir(self.out)  # again, now that no other sweep can write here
            self._open_manifest(existing)
            for cr in self.cells:
                if states[cr.cell.id] == "complete":
                    cr.status, cr.skipped = "complete", True
                    summary = RunDir(cr.dir).read_summary()
                    cr.merged = summary.episodes if summary else 0
                    cr.merged_errors = sum(v for k, v in (summary.terminations if summary else {}).items()
                                           if is_error(k))
                    da = summary.metrics.get("decision_alignment") if summary else None
                    cr.decision_alignment = da.mean if da else None
            # a backend that cannot start (Ray unreachable) leaves nothing written
            self.backend.start(endpoint_limits([cr.cell for cr in todo_cells]))
            status, error = "failed", None
            try:
                self._write_manifest("running")
                for cr in self.cells:
                    state = states[cr.cell.id]
                    if state in ("new", "resume"):
                        self._prepare(cr, state)
                    elif state == "score":
                        cr.merged = int(RunDir(cr.dir).read_meta().get("episodes_done") or 0)
                        cr.status = "scoring"
                        self.queue.append(("score", cr, None, str(cr.dir)))
                self._write_manifest()
                self._poll()
                while self.queue or self.inflight:
                    self._submit_ready()
                    done, _ = wait(list(self.inflight), timeout=0.25, return_when=FIRST_COMPLETED)
                    for future in done:
                        self._handle(future)
                    self._poll()
                status = "failed" if any(c.status == "failed" for c in self.cells) else "complete"
            except BaseException as exc:
                interrupted = isinstance(exc, (KeyboardInterrupt, SweepInterrupted))
                status = "interrupted" if interrupted else "failed"
                error = None if interrupted else _one_line(exc)
                self.backend.shutdown(cancel=True)
                for cr in self.cells:
                    if cr.status in ("running", "scoring", "pending") and not cr.skipped:
                        self._mark_stopped(cr, status, error)
                raise
            finally:
                self.backend.shutdown(cancel=status != "complete")
                self.manifest["invocations"][-1].update(finished_at=now(), status=status)
                self._write_manifest(status, error)
            board = None
            if any(c.status == "complete" for c in self.cells):
                board = write_leaderboard(self.out)
        return SweepOutcome(out=self.out, cells=self.cells, status=status, elapsed_s=time.monotonic() - started,
                            leaderboard=board)

    def _mark_stopped(self, cr: CellRun, status: str, error: str | None) -> None:
        """Record in a stopped cell's run.json that it was interrupted (or failed); unlock it."""
        cr.status = "interrupted" if status == "interrupted" else "failed"
        if error:
            cr.error = error
        with contextlib.suppress(Exception):
            rd = RunDir(cr.dir)
            if cr.lock is not None and rd.run_json.exists():
                meta = rd.read_meta()
                if meta.get("status") != "complete":
                    meta["status"] = cr.status
                    if error:
                        meta["error"] = error[:1000]
                    meta["updated_at"] = now()
                    rd.write_meta(meta)
        self._unlock(cr)

    def _preflight(self, cells: list[Cell], *, network: bool) -> None:
        """The checks of `salessim run` for every distinct participant pair that will run."""

        seen = set()
        for cell in cells:
            key = (cell.config.shopper.model_dump_json(), cell.config.agent.model_dump_json())
            if key in seen:
                continue
            seen.add(key)
            try:
                for note in preflight_run(cell.config, network=network):
                    print(f"warning: cell {cell.id}: {note}", file=sys.stderr)
            except SalesSimError as exc:
                raise SalesSimError(f"cell {cell.id}: {exc}") from None


def run_sweep(cfg: SweepConfig, out: str | Path, *, backend, config_file: str | None = None,
              shard_size: int | None = None, concurrency: int | None = None, retry_errors: bool = False,
              preflight: bool | None = True, on_update: Callable[[list[CellRun]], None] | None = None) -> SweepOutcome:
    """Run (or finish) the sweep ``cfg`` into ``out`` on ``backend`` (:mod:`salessim.sweep.backends`).

    ``shard_size``: episodes per unit of work (default: a cell's missing episodes split evenly over
    the workers). ``concurrency``: episodes in flight per worker (default: the config's).
    ``retry_errors``: episodes that ended in ``error:*`` or ``timeout`` run again. ``preflight``:
    True checks every LLM endpoint with one request before anything runs, False only the offline
    checks (URLs, key variables, price files), None none. ``on_update(cells)`` is called as
    progress is made (the live table).

    Cells already complete are skipped, partial ones resumed. Raises :class:`SalesSimError` for a
    sweep that cannot start (nothing is written then), :class:`KeyboardInterrupt` /
    :class:`SweepInterrupted` when stopped (its finished episodes are on disk; run it again to
    finish). A cell that fails is recorded (``status: failed`` with the reason) and the others go on.
    """
    if shard_size is not None and shard_size < 1:
        raise SalesSimError(f"the shard size must be at least 1, got {shard_size}", where="--shard-size")
    if concurrency is not None and concurrency < 1:
        raise SalesSimError(f"the concurrency must be at least 1, got {concurrency}", where="--concurrency")
    sweep = _Sweep(cfg, Path(out), backend, config_file=config_file, shard_size=shard_size,
                   concurrency=concurrency, retry_errors=retry_errors, preflight=preflight, on_update=on_update)
    return sweep.run()
