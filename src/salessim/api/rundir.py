"""The run directory: ``run.json`` (config, versions, hashes, seeds), ``episodes.jsonl`` (the
checkpoint: one finished episode per line, appended as it finishes), ``scores.jsonl`` and
``summary.json``.

One writer at a time: :meth:`RunDir.lock` takes an exclusive ``flock`` on ``.salessim.lock`` in
the directory for a whole run, resume or eval; a second process gets a one-line error naming the
holder (its pid and command, written into the lock file). The kernel drops the lock when its
process ends, however it ends (kill -9 included), so a lock is never stale.

Shards: a sweep (:mod:`salessim.sweep`) runs one run's episodes in several processes. The process
holding the directory's lock hands out disjoint sets of episode ids; each worker appends to its own
file ``shards/<name>.jsonl``, held by an flock on ``shards/<name>.lock`` for as long as it writes
(:meth:`RunDir.shard_lock`), and :func:`salessim.sim.runner.merge_shards` folds the shard files into
``episodes.jsonl`` in plan order.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from salessim.api.summary import RunSummary
from salessim.errors import SalesSimError
from salessim.schema import Episode, EpisodeScores

RUN_JSON = "run.json"
EPISODES = "episodes.jsonl"
SCORES = "scores.jsonl"
SUMMARY = "summary.json"
LOCK = ".salessim.lock"
SHARDS = "shards"  # the per-worker episode files of a sharded run (a sweep)
#: The files SalesSim writes into a run directory: a directory holding any of them without a
#: run.json is not ours to write into.
DATA_FILES = (EPISODES, SCORES, SUMMARY)

# Locks this process holds: resolved directory -> [lock file descriptor, depth, created the directory].
# flock locks belong to an open file, so a second acquisition by the same process must reuse it.
_HELD: dict[Path, list] = {}
_HELD_GUARD = threading.Lock()


def write_json_atomic(path: Path, data) -> None:
    """Write JSON through a temporary file and a rename, so a crash never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)


class RunDir:
    """Reads and writes one run directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.torn_lines = 0  # set by read_episodes

    @property
    def run_json(self) -> Path:
        return self.path / RUN_JSON

    @property
    def episodes_path(self) -> Path:
        return self.path / EPISODES

    def require(self) -> "RunDir":
        """Fail with a clear error unless this is a run directory."""
        if self.path.exists() and not self.path.is_dir():
            raise SalesSimError(f"{self.path} is a file, not a run directory",
                                hint="Pass the --out directory of a `salessim run`.")
        if not self.path.is_dir():
            raise SalesSimError(f"run directory {self.path} does not exist",
                                hint="Pass the --out directory of a `salessim run`.")
        if not self.run_json.is_file():
            raise SalesSimError(f"{self.path} has no {RUN_JSON}: it is not a SalesSim run directory",
                                hint="Pass the --out directory of a `salessim run`.")
        return self

    def check_new(self) -> bool:
        """Check that a new run may be written here; fail with a one-line error otherwise.

        Refused: a path that is a file; a directory holding SalesSim files (episodes.jsonl,
        scores.jsonl, summary.json) but no run.json, which is not a run this version can finish;
        a directory holding a run with at least one finished episode (``--resume`` finishes it).
        Returns True when the directory holds a run that never finished an episode (a start that
        failed or was stopped at once): nothing can be lost, and the new run replaces it."""
        where = "--out"
        if self.path.exists() and not self.path.is_dir():
            raise SalesSimError(f"{self.path} is a file", where=where,
                                hint="Pass a directory for the run (a new one, or one of your runs with --resume).")
        if not self.path.is_dir():
            return False
        if not self.run_json.exists():
            found = [name for name in DATA_FILES if (self.path / name).exists()]
            if found:
                raise SalesSimError(f"{self.path} holds {', '.join(found)} but no {RUN_JSON}: SalesSim will not "
                                    "write into it", where=where,
                                    hint="Pass a new --out directory, or move those files away.")
            return False
        if self.has_episode():
            raise SalesSimError(f"{self.path} already holds a run", where=where,
                                hint="Add --resume to finish it, or pass a new --out directory.")
        return True

    def has_episode(self) -> bool:
        """Whether episodes.jsonl holds at least one finished episode (reads up to the first)."""
        if not self.episodes_path.exists():
            return False
        with open(self.episodes_path, "rb") as fh:
            for line in fh:
                if line.strip():
                    try:
                        Episode.model_validate_json(line)
                        return True
                    except (ValidationError, ValueError):
                        continue
        return False

    @contextlib.contextmanager
    def lock(self, action: str, *, create: bool = False) -> Iterator["RunDir"]:
        """Hold the directory for ``action`` (run, resume, eval): an exclusive lock on its lock
        file, or a :class:`SalesSimError` naming the process that holds it.

        ``create`` makes the directory first; when the lock is let go and the directory holds
        nothing but the lock file, the lock removes what it created. Re-entrant within a process."""
        key = self.path.resolve()
        with _HELD_GUARD:
            held = _HELD.get(key)
            if held is not None:
                held[1] += 1
        if held is not None:
            try:
                yield self
            finally:
                with _HELD_GUARD:
                    held[1] -= 1
            return
        created = False
        if create and not self.path.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            created = True
        elif not self.path.is_dir():
            raise SalesSimError(f"run directory {self.path} does not exist",
                                hint="Pass the --out directory of a `salessim run`.")
        fd = _acquire(key / LOCK, self.path)
        info = {"pid": os.getpid(), "action": action, "command": " ".join(["salessim", *sys.argv[1:]]),
                "since": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        with _HELD_GUARD:
            _HELD[key] = [fd, 1, created]
        try:
            yield self
        finally:
            with _HELD_GUARD:
                del _HELD[key]
            try:
                leftover = {p.name for p in self.path.iterdir()} if created else {LOCK}
                if created and leftover <= {LOCK}:
                    (key / LOCK).unlink(missing_ok=True)
                    self.path.rmdir()
                else:
                    os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing the file lets go of the lock

    def read_meta(self) -> dict:
        try:
            return json.loads(self.run_json.read_text())
        except json.JSONDecodeError as exc:
            raise SalesSimError(f"{self.run_json}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc

    def write_meta(self, meta: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.run_json, meta)

    def read_episodes(self, *, repair: bool = False) -> list[Episode]:
        """All finished episodes. A torn last line (the process died mid-write) is dropped, and with
        ``repair`` cut from the file; ``torn_lines`` then says how many were dropped (0 or 1). A
        bad line elsewhere is an error naming the line."""
        episodes, self.torn_lines = read_episode_file(self.episodes_path, repair=repair)
        return episodes

    def rewrite_episodes(self, episodes: list[Episode]) -> None:
        """Replace episodes.jsonl atomically (used by --retry-errors)."""
        tmp = self.episodes_path.with_suffix(".jsonl.tmp")
        with open(tmp, "w") as fh:
            for ep in episodes:
                fh.write(ep.model_dump_json() + "\n")
        os.replace(tmp, self.episodes_path)

    def append_episode(self, fh, episode: Episode) -> None:
        fh.write(episode.model_dump_json() + "\n")
        fh.flush()

    @property
    def shards_dir(self) -> Path:
        return self.path / SHARDS

    def shard_path(self, name: str) -> Path:
        """The episode file of shard ``name``: ``shards/<name>.jsonl``."""
        return self.shards_dir / f"{_shard_name(name)}.jsonl"

    def shard_names(self) -> list[str]:
        """The shards that have an episode file or a lock file, sorted by name."""
        if not self.shards_dir.is_dir():
            return []
        return sorted({p.stem for pattern in ("*.jsonl", "*.lock") for p in self.shards_dir.glob(pattern)})

    @contextlib.contextmanager
    def shard_lock(self, name: str) -> Iterator[Path]:
        """Hold shard ``name`` (an exclusive flock on ``shards/<name>.lock``) and yield its episode
        file: one writer per shard, and no merge while a shard is being written. A shard held by
        another process is a :class:`SalesSimError` naming it."""
        self.shards_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.shards_dir / f"{_shard_name(name)}.lock"
        fd = _acquire(lock_path, self.shard_path(name),
                      hint="A worker of an earlier sweep may still be finishing it: wait for it or stop it.")
        info = {"pid": os.getpid(), "action": f"shard {name}", "command": " ".join(["salessim", *sys.argv[1:]]),
                "since": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
            yield self.shard_path(name)
        finally:
            os.close(fd)

    def remove_shard(self, name: str) -> None:
        """Delete shard ``name``'s episode and lock files (after a merge), and ``shards/`` once empty."""
        self.shard_path(name).unlink(missing_ok=True)
        (self.shards_dir / f"{_shard_name(name)}.lock").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.shards_dir.rmdir()

    def write_scores(self, scores: list[EpisodeScores]) -> None:
        tmp = (self.path / SCORES).with_suffix(".jsonl.tmp")
        with open(tmp, "w") as fh:
            for s in scores:
                fh.write(s.model_dump_json() + "\n")
        os.replace(tmp, self.path / SCORES)

    def read_scores(self) -> list[EpisodeScores]:
        path = self.path / SCORES
        if not path.exists():
            return []
        return [EpisodeScores.model_validate_json(l) for l in path.read_text().splitlines() if l.strip()]

    def write_summary(self, summary: RunSummary) -> None:
        """Write ``summary.json`` (:meth:`RunSummary.to_json`)."""
        write_json_atomic(self.path / SUMMARY, summary.to_json())

    def read_summary(self) -> RunSummary | None:
        """The run's ``summary.json`` (None when it has none); a file that is not JSON or does not
        fit :class:`RunSummary` is a one-line :class:`SalesSimError` with the hint to re-score."""
        path = self.path / SUMMARY
        return RunSummary.load(path) if path.exists() else None


def _shard_name(name: str) -> str:
    """``name`` if it is a safe file name for a shard (letters, digits, ``._-``), else an error."""
    if not name or not all(ch.isalnum() or ch in "._-" for ch in name) or name.startswith("."):
        raise SalesSimError(f"bad shard name {name!r}", hint="Use letters, digits, '.', '_' and '-'.")
    return name


def read_episode_file(path: Path, *, repair: bool = False) -> tuple[list[Episode], int]:
    """The finished episodes of one episode file (episodes.jsonl or a shard) and the number of torn
    last lines dropped (0 or 1): a torn last line (its writer died mid-write) is dropped, and with
    ``repair`` cut from the file. A bad line elsewhere is an error naming the line."""
    if not path.exists():
        return [], 0
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    episodes: list[Episode] = []
    torn = 0
    good_bytes = 0
    for i, line in enumerate(lines):
        is_last = i == len(lines) - 1
        if not line.strip():
            good_bytes += len(line) + (0 if is_last else 1)
            continue
        try:
            episodes.append(Episode.model_validate_json(line))
        except (ValidationError, ValueError) as exc:
            if is_last or all(not rest.strip() for rest in lines[i + 1:]):
                torn = 1
                if repair:
                    with open(path, "r+b") as fh:
                        fh.truncate(good_bytes)
                break
            raise SalesSimError(f"{path}: line {i + 1}: not a valid episode ({str(exc).splitlines()[0]})") from exc
        good_bytes += len(line) + (0 if is_last else 1)
    return episodes, torn


def read_episode_lines(path: Path, *, repair: bool = False) -> tuple[list[tuple[str, bytes]], int]:
    """``(episode id, the line's bytes)`` of every line of an episode file, and the number of torn last
    lines dropped (0 or 1), as :func:`read_episode_file` treats them, without building the episodes
    (a JSON parse per line: for merging and counting, where the bytes are kept as they are). A line
    that is not a JSON object with a string ``id`` counts as not valid."""
    if not path.exists():
        return [], 0
    lines = path.read_bytes().split(b"\n")
    out: list[tuple[str, bytes]] = []
    good_bytes = 0
    for i, line in enumerate(lines):
        is_last = i == len(lines) - 1
        if line.strip():
            try:
                eid = json.loads(line)["id"]
                if not isinstance(eid, str):
                    raise TypeError("id is not a string")
            except (ValueError, KeyError, TypeError) as exc:
                if is_last or all(not rest.strip() for rest in lines[i + 1:]):
                    if repair:
                        with open(path, "r+b") as fh:
                            fh.truncate(good_bytes)
                    return out, 1
                raise SalesSimError(f"{path}: line {i + 1}: not a valid episode ({exc})") from None
            out.append((eid, line))
        good_bytes += len(line) + (0 if is_last else 1)
    return out, 0


def write_lines_atomic(path: Path, lines: list[bytes]) -> None:
    """Replace ``path`` with ``lines`` (each ended by a newline) through a temporary file and a rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        for line in lines:
            fh.write(line + b"\n")
    os.replace(tmp, path)


def _holder(lock_path: Path) -> str:
    """Who holds a lock, from what its holder wrote into the lock file."""
    try:
        info = json.loads(lock_path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another SalesSim process"
    return (f"another SalesSim process (pid {info['pid']}, {info.get('action', 'run')}: "
            f"`{info.get('command', 'salessim')}`, since {info.get('since', '?')})")


def _acquire(lock_path: Path, shown: Path, hint: str | None = None) -> int:
    """An open descriptor of ``lock_path`` holding an exclusive flock (not inherited by children)."""
    import fcntl  # lazy: POSIX-only, needed only where a lock is taken

    for _ in range(10):
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SalesSimError(f"{shown} is in use by {_holder(lock_path)}",
                                hint=hint or "Wait for it to finish or stop it: two writers would duplicate "
                                             "episodes and overwrite scores.") from None
        except BaseException:
            os.close(fd)
            raise
        try:  # the holder before us may have removed the file it locked: lock the one on disk
            if os.path.samestat(os.fstat(fd), os.stat(lock_path)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
    raise SalesSimError(f"{shown}: could not take its lock file {LOCK}", hint="Try again.")
