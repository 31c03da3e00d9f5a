"""Many episodes: plan, run concurrently, checkpoint, resume, score.

- Episodes are planned deterministically: persona x trial, id ``<persona_id>#<trial>``, seed derived
  from the run seed and the id (same seed, same episodes, whatever the concurrency).
- Each finished episode is appended to ``episodes.jsonl`` at once: that file is the checkpoint.
  ``resume`` runs only the planned episodes missing from it; ``retry_errors`` first drops the
  episodes that ended in ``error:<kind>`` or ``timeout`` so they run again.
- Killing the process loses at most the episodes in flight.
- Sharded runs (a sweep, :mod:`salessim.sweep`): the process that owns the run directory writes
  run.json and hands out disjoint sets of episode ids; :func:`run_shard` runs one set in a worker
  process into its own file ``shards/<name>.jsonl`` and :func:`merge_shards` folds the shard files
  into ``episodes.jsonl`` in plan order, so the result is the same bytes, timings apart, whatever
  the number of workers (and the same as a single-process run at concurrency 1, which finishes its
  episodes in plan order).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from salessim import __version__
from salessim.api.rundir import (
    EPISODES,
    RUN_JSON,
    RunDir,
    read_episode_lines,
    write_lines_atomic,
)
from salessim.errors import SalesSimError
from salessim.personas import default_personas_path, load_personas
from salessim.schema import Episode, Persona
from salessim.schema.run import RunConfig
from salessim.sim.factory import make_agent, make_shopper
from salessim.sim.orchestrator import EpisodeLimits, run_episode
from salessim.store import default_store


def episode_seed(run_seed: int, episode_id: str) -> int:
    """A 31-bit seed for one episode, derived from the run seed and the episode id."""
    digest = hashlib.sha256(f"{run_seed}:{episode_id}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def file_hash(path: str | Path) -> str:
    """Short sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_run_personas(cfg: RunConfig, *, where: str | None = None,
                      hint: str = "Use --split all, or a file whose personas carry a split.") -> list[Persona]:
    """The personas the run simulates: the file (built-in by default), the split, the limit.
    ``cfg`` may be any config section with ``personas``, ``split`` and ``limit`` (the training
    configs' ``env``); ``where``/``hint`` adapt the error to it."""
    split = None if cfg.split == "all" else cfg.split
    personas = load_personas(cfg.personas, split=split)
    if not personas:
        source = cfg.personas or "the built-in benchmark"
        raise SalesSimError(f"{source} has no personas in split {cfg.split!r}", where=where, hint=hint)
    if cfg.limit:
        personas = personas[: cfg.limit]
    return personas


def plan(personas: list[Persona], cfg: RunConfig) -> list[tuple[Persona, int, str, int]]:
    """(persona, trial, episode id, seed) for every episode of the run, in a fixed order."""
    out = []
    for persona in personas:
        for trial in range(cfg.episodes_per_persona):
            eid = f"{persona.id}#{trial}"
            out.append((persona, trial, eid, episode_seed(cfg.seed, eid)))
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _personas_source(cfg: RunConfig) -> Path:
    if cfg.personas:
        return Path(cfg.personas)
    return Path(default_personas_path())


@dataclass
class RunOutcome:
    """What a call of :func:`run_benchmark` did. ``torn_lines``: half-written last lines of
    episodes.jsonl that a resume dropped (cut from the file; their episodes ran again)."""

    run_dir: Path
    planned: int
    already_done: int
    ran: int
    episodes: list[Episode] = field(default_factory=list)
    interrupted: bool = False
    torn_lines: int = 0


def new_meta(cfg: RunConfig, store, run_id: str, planned: int) -> dict:
    """The content of run.json for a new run. Holds no secret: model configs name env vars only."""
    src = _personas_source(cfg)
    return {
        "run_id": run_id,
        "salessim_version": __version__,
        "python": platform.python_version(),
        "command": " ".join(["salessim", *sys.argv[1:]]) if sys.argv and "salessim" in sys.argv[0] else None,
        "config": cfg.model_dump(mode="json"),
        "data": {"catalog_hash": store.catalog.data_hash(), "personas_file": str(src),
                 "personas_hash": file_hash(src)},
        "seed": cfg.seed,
        "episodes_planned": planned,
        "status": "running",
        "created_at": _now(),
        "updated_at": _now(),
    }


def stored_config(rd: RunDir) -> tuple[RunConfig, dict]:
    """The config stored in the run.json of ``rd``, and the run.json itself."""
    rd.require()
    meta = rd.read_meta()
    try:
        stored = RunConfig.model_validate(meta["config"])
    except (KeyError, ValueError) as exc:
        raise SalesSimError(f"{rd.run_json}: no valid run config ({str(exc).splitlines()[0]})",
                            hint="This run cannot be resumed; start a new one with another --out.") from None
    return stored, meta


def resume_config(rd: RunDir, cfg: RunConfig) -> tuple[RunConfig, dict]:
    """The stored config of the run in ``rd`` (with ``cfg``'s concurrency, the only setting a
    resume may change) and its run.json."""
    stored, meta = stored_config(rd)
    stored.concurrency = cfg.concurrency
    return stored, meta


async def run_benchmark(
    cfg: RunConfig,
    out_dir: str | Path,
    *,
    store=None,
    resume: bool = False,
    retry_errors: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_episode: Callable[[Episode], None] | None = None,
    run_id: str | None = None,
) -> RunOutcome:
    """Run (or finish) the benchmark described by ``cfg`` into ``out_dir``.

    ``on_start(total, already_done)`` and ``on_episode(episode)`` report progress. ``run_id``
    names a new run (default: the time and the participants' kinds); a resume keeps its own.

    The directory is locked for the whole call (one writer). Everything that can be checked
    (the directory, the personas, the participants: kinds, models, keys, price files) is checked
    before a file is written, so a run that cannot start leaves nothing behind. run.json ends
    with status ``complete``, ``interrupted`` (Ctrl-C, SIGTERM, cancellation) or ``failed`` (with
    ``error``, the reason); a new run that fails before its first episode removes what it wrote.
    """
    store = store or default_store()
    rd = RunDir(out_dir)
    if resume:
        rd.require()
    else:
        rd.check_new()
    with rd.lock("resume" if resume else "run", create=not resume):
        return await _run_locked(cfg, rd, store, resume=resume, retry_errors=retry_errors,
                                 on_start=on_start, on_episode=on_episode, run_id=run_id)


async def _run_locked(cfg: RunConfig, rd: RunDir, store, *, resume: bool, retry_errors: bool,
                      on_start: Callable[[int, int], None] | None,
                      on_episode: Callable[[Episode], None] | None, run_id: str | None = None) -> RunOutcome:
    if resume:
        cfg, meta = resume_config(rd, cfg)
    else:
        rd.check_new()  # again, now that no other process can write here

    personas = load_run_personas(cfg)
    planned = plan(personas, cfg)
    shopper = make_shopper(cfg.shopper, store)  # a participant that cannot be built fails here,
    agent = make_agent(cfg.agent, store)        # before any file is written

    torn = 0
    if resume:
        if rd.shard_names():  # a sharded run (a sweep) stopped before merging: fold its shards in first
            torn += merge_shards(rd, cfg=cfg).torn_lines
        done = rd.read_episodes(repair=True)
        torn += rd.torn_lines
        if retry_errors:
            kept = [e for e in done if not (e.termination.startswith("error:") or e.termination == "timeout")]
            if len(kept) != len(done):
                rd.rewrite_episodes(kept)
            done = kept
        meta["status"] = "running"
        meta.pop("error", None)
        meta["updated_at"] = _now()
        meta.setdefault("resumed", []).append(_now())
    else:
        run_id = run_id or f"{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-{cfg.shopper.kind}-vs-{cfg.agent.kind}"
        meta = new_meta(cfg, store, run_id, len(planned))
        done = []
        rd.rewrite_episodes([])  # a replaced run that never finished an episode may have left a torn line
    rd.write_meta(meta)

    done_ids = {e.id for e in done}
    todo = [p for p in planned if p[2] not in done_ids]
    limits = EpisodeLimits(max_turns=cfg.max_turns, timeout_s=cfg.episode_timeout_s)
    finished: list[Episode] = []
    status = "complete"
    error: BaseException | None = None

    with open(rd.episodes_path, "a") as fh:
        try:
            if on_start:
                on_start(len(planned), len(planned) - len(todo))
            await _simulate(todo, shopper, agent, store, run_id=meta["run_id"], limits=limits,
                            concurrency=cfg.concurrency, write=lambda ep: rd.append_episode(fh, ep),
                            finished=finished, on_episode=on_episode)
        except BaseException as exc:  # Ctrl-C, SIGTERM, cancellation, or a failure (a callback, the disk)
            interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
            status = "interrupted" if interrupted else "failed"
            error = exc
            raise
        finally:
            await _close(shopper, agent)
            if status == "failed" and not resume and not finished:
                fh.close()
                _remove_run_files(rd)  # nothing was simulated: leave no half-made run behind
            else:
                meta["status"] = status
                if error is not None and status == "failed":
                    meta["error"] = f"{type(error).__name__}: {error}"[:1000]
                meta["updated_at"] = _now()
                meta["episodes_done"] = len(done) + len(finished)
                rd.write_meta(meta)

    return RunOutcome(run_dir=rd.path, planned=len(planned), already_done=len(done), ran=len(finished),
                      episodes=done + finished, interrupted=status == "interrupted", torn_lines=torn)


async def _simulate(todo: list[tuple[Persona, int, str, int]], shopper, agent, store, *, run_id: str,
                    limits: EpisodeLimits, concurrency: int, write: Callable[[Episode], None],
                    finished: list[Episode], on_episode: Callable[[Episode], None] | None) -> None:
    """Run the planned episodes ``todo``, at most ``concurrency`` at once; each finished episode is
    handed to ``write`` at once, then added to ``finished`` and given to ``on_episode``. On any
    exception or cancellation the episodes still running are cancelled and it propagates."""
    sem = asyncio.Semaphore(concurrency)

    async def one(persona: Persona, trial: int, eid: str, seed: int) -> None:
        async with sem:
            ep = await run_episode(persona, shopper, agent, store, seed=seed, trial=trial,
                                   run_id=run_id, limits=limits)
        write(ep)
        finished.append(ep)
        if on_episode:
            on_episode(ep)

    tasks: list[asyncio.Future] = []
    try:
        tasks = [asyncio.ensure_future(one(*p)) for p in todo]
        await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


@dataclass
class ShardOutcome:
    """What a call of :func:`run_shard` did: ``ran`` episodes now, ``already_done`` found in the
    shard file from an earlier try, ``errors`` of those ran ended in ``error:*`` or ``timeout``,
    ``torn_lines`` cut from the end of the shard file."""

    shard: str
    assigned: int
    already_done: int
    ran: int
    errors: int = 0
    torn_lines: int = 0


async def run_shard(out_dir: str | Path, shard: str, episode_ids: list[str], *, concurrency: int | None = None,
                    store=None, on_episode: Callable[[Episode], None] | None = None) -> ShardOutcome:
    """Run the planned episodes ``episode_ids`` of the run in ``out_dir`` into its shard file
    ``shards/<shard>.jsonl`` (one worker process of a sweep).

    The run's config and run id come from its run.json, written by the process that owns the
    directory (and holds its lock) and hands out disjoint sets of ids; this call writes only its
    shard file, held by an flock for the whole call (a second writer of the same shard is an
    error naming the first). Episodes already in the shard file are not run again (a shard that
    was stopped resumes); a torn last line is cut. ``concurrency`` (default: the run's) caps the
    episodes in flight. :func:`merge_shards` later folds the shard into ``episodes.jsonl``."""
    store = store or default_store()
    rd = RunDir(out_dir)
    cfg, meta = stored_config(rd)
    if concurrency is not None:
        cfg.concurrency = concurrency
    planned = {p[2]: p for p in plan(load_run_personas(cfg), cfg)}
    unknown = [eid for eid in episode_ids if eid not in planned]
    if unknown:
        raise SalesSimError(f"{rd.path}: episode {unknown[0]} is not planned by this run (shard {shard})",
                            hint="The run's config changed under the sweep; start the sweep in a new --out.")
    with rd.shard_lock(shard) as path:
        done, torn = read_episode_lines(path, repair=True)
        done_ids = {eid for eid, _ in done}
        todo = [planned[eid] for eid in dict.fromkeys(episode_ids) if eid not in done_ids]
        finished: list[Episode] = []
        if todo:
            shopper = make_shopper(cfg.shopper, store)
            agent = make_agent(cfg.agent, store)
            limits = EpisodeLimits(max_turns=cfg.max_turns, timeout_s=cfg.episode_timeout_s)
            try:
                with open(path, "a") as fh:
                    await _simulate(todo, shopper, agent, store, run_id=meta["run_id"], limits=limits,
                                    concurrency=cfg.concurrency, write=lambda ep: rd.append_episode(fh, ep),
                                    finished=finished, on_episode=on_episode)
            finally:
                await _close(shopper, agent)
    errors = sum(1 for e in finished if e.termination.startswith("error:") or e.termination == "timeout")
    return ShardOutcome(shard=shard, assigned=len(episode_ids), already_done=len(episode_ids) - len(todo),
                        ran=len(finished), errors=errors, torn_lines=torn)


@dataclass
class MergeOutcome:
    """What :func:`merge_shards` did: ``episodes`` now in episodes.jsonl (``errors`` of them ended in
    ``error:*`` or ``timeout``), ``from_shards`` of them taken from shard files, ``duplicates``
    dropped (an episode found twice: a process stopped between writing episodes.jsonl and removing
    the shard files), ``torn_lines`` dropped from the files."""

    episodes: int
    from_shards: int
    shards: int
    duplicates: int = 0
    torn_lines: int = 0
    errors: int = 0


_ERROR_TERMINATION = re.compile(rb'"termination":"(?:error:|timeout")')


def merge_shards(run_dir: str | Path | RunDir, *, cfg: RunConfig | None = None) -> MergeOutcome:
    """Fold the shard files of a run into its ``episodes.jsonl``, ordered as :func:`plan` orders
    the episodes, and remove them. The caller holds the run directory's lock; a shard still held by
    its writer is an error naming it. Each episode id is kept once (the first found: episodes.jsonl,
    then the shards by name; the copies of one episode are the same apart from timings), and each
    line is kept byte for byte. The file is replaced atomically before the shard files are removed,
    so a crash at any point loses nothing, and a merge run again finishes the job."""
    rd = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    if cfg is None:
        cfg, _ = stored_config(rd)
    order = {p[2]: i for i, p in enumerate(plan(load_run_personas(cfg), cfg))}
    names = rd.shard_names()
    with contextlib.ExitStack() as held:
        for name in names:
            held.enter_context(rd.shard_lock(name))
        base, torn = read_episode_lines(rd.episodes_path, repair=True)
        merged: dict[str, bytes] = {}
        duplicates = 0
        for eid, line in base:
            if eid in merged:
                duplicates += 1
            else:
                merged[eid] = line
        from_shards = 0
        for name in names:
            lines, cut = read_episode_lines(rd.shard_path(name), repair=True)
            torn += cut
            for eid, line in lines:
                if eid in merged:
                    duplicates += 1
                else:
                    merged[eid] = line
                    from_shards += 1
        unknown = [eid for eid in merged if eid not in order]
        if unknown:
            raise SalesSimError(f"{rd.path}: episode {unknown[0]} is not planned by this run's config",
                                hint="The directory holds episodes of another config; start a new run with another --out.")
        ordered = sorted(merged, key=order.__getitem__)
        if names or duplicates or [eid for eid, _ in base] != ordered:
            write_lines_atomic(rd.episodes_path, [merged[eid] for eid in ordered])
        for name in names:
            rd.remove_shard(name)
    errors = sum(1 for line in merged.values() if _ERROR_TERMINATION.search(line))
    return MergeOutcome(episodes=len(ordered), from_shards=from_shards, shards=len(names),
                        duplicates=duplicates, torn_lines=torn, errors=errors)


async def _close(*participants) -> None:
    """Close the participants' clients; closing must never lose the run's record."""
    for participant in participants:
        closer = getattr(participant, "aclose", None)
        if closer is not None:
            try:
                await closer()
            except Exception:  # noqa: BLE001
                pass


def _remove_run_files(rd: RunDir) -> None:
    """Remove the files a new run wrote before it failed (its lock removes the directory it made)."""
    for name in (EPISODES, RUN_JSON):
        (rd.path / name).unlink(missing_ok=True)

