"""What a sweep keeps about its cells and shards while it runs (the progress table and the
manifest read it), and what :func:`salessim.sweep.coordinator.run_sweep` returns."""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salessim.sweep.config import Cell

__all__ = ["CellRun", "ShardRun", "SweepInterrupted", "SweepOutcome", "is_error", "is_error_line", "now"]

_ERROR_LINE = re.compile(rb'"termination":"(?:error:|timeout")')


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class ShardRun:
    """One shard of a cell being run: its episode ids and how far its file has been read."""

    name: str
    ids: list[str]
    path: Path
    offset: int = 0
    lines: int = 0
    errors: int = 0
    done: bool = False
    partial: bytes = b""

    def read_new(self) -> None:
        """Count the finished episodes (and errors) its worker appended since the last call."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size <= self.offset:
            return
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            chunk = self.partial + fh.read(size - self.offset)
        self.offset = size
        complete, _, self.partial = chunk.rpartition(b"\n")
        lines = [line for line in complete.split(b"\n") if line.strip()]
        self.lines += len(lines)
        self.errors += sum(1 for line in lines if is_error_line(line))


@dataclass
class CellRun:
    """The state of one cell during a sweep (what the progress table shows)."""

    cell: Cell
    dir: Path
    planned: int
    status: str = "pending"  # pending | running | scoring | complete | failed | interrupted
    merged: int = 0           # episodes in episodes.jsonl
    merged_errors: int = 0
    shards: dict[str, ShardRun] = field(default_factory=dict)
    ran: int = 0              # episodes simulated by this sweep
    skipped: bool = False     # complete before this sweep started
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    decision_alignment: float | None = None
    lock: contextlib.ExitStack | None = None

    @property
    def done(self) -> int:
        return self.merged + sum(s.lines for s in self.shards.values())

    @property
    def errors(self) -> int:
        return self.merged_errors + sum(s.errors for s in self.shards.values())

    def rate(self) -> float | None:
        """Episodes per second simulated by this sweep in this cell."""
        if self.started is None:
            return None
        ran = sum(s.lines for s in self.shards.values()) if self.status == "running" else self.ran
        elapsed = (self.finished or time.monotonic()) - self.started
        return ran / elapsed if elapsed > 0 and ran else None

    def manifest_entry(self) -> dict:
        return {"id": self.cell.id, "dir": self.cell.relative_dir, "shopper": self.cell.shopper,
                "agent": self.cell.agent, "split": self.cell.split, "seed": self.cell.seed,
                "planned": self.planned, "done": self.done, "errors": self.errors, "status": self.status,
                "decision_alignment": self.decision_alignment, **({"error": self.error} if self.error else {})}


@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did."""

    out: Path
    cells: list[CellRun]
    status: str
    elapsed_s: float
    leaderboard: Any = None

    @property
    def failed(self) -> list[CellRun]:
        return [c for c in self.cells if c.status == "failed"]


class SweepInterrupted(Exception):
    """The sweep was stopped (Ctrl-C or SIGTERM); what it finished is on disk."""

    def __init__(self, signal_name: str = "SIGINT"):
        super().__init__(signal_name)
        self.signal_name = signal_name


def is_error_line(line: bytes) -> bool:
    """Whether a raw ``episodes.jsonl`` line is an episode that ended in an error or a timeout."""
    return _ERROR_LINE.search(line) is not None


def is_error(termination: str) -> bool:
    return termination.startswith("error:") or termination == "timeout"
