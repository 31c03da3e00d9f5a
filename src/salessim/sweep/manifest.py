"""The sweep directory and its manifest.

::

    DIR/
      sweep.json          the manifest: the resolved sweep config, versions, backend, status, one entry per cell
      leaderboard.json    the leaderboard (bootstrap intervals, paired differences), written at the end
      leaderboard.md      the same as markdown tables
      .salessim.lock      held by the one `salessim sweep` writing the directory
      cells/<cell id>/    one run directory per cell, in the format of `salessim run`
                          (run.json, episodes.jsonl, scores.jsonl, summary.json; shards/ while it runs)

The manifest holds no secret: model configs name the environment variables of keys, never keys.
"""

from __future__ import annotations

import json
from pathlib import Path

from salessim.api.rundir import LOCK, RUN_JSON, write_json_atomic
from salessim.errors import SalesSimError

__all__ = ["CELLS", "FORMAT", "LEADERBOARD_JSON", "LEADERBOARD_MD", "SWEEP_JSON", "check_sweep_dir",
           "is_sweep_dir", "read_manifest", "sweep_cell_dirs", "write_manifest"]

SWEEP_JSON = "sweep.json"
LEADERBOARD_JSON = "leaderboard.json"
LEADERBOARD_MD = "leaderboard.md"
CELLS = "cells"
FORMAT = "salessim-sweep/1"
#: Files a sweep writes at the top of its directory (so a rerun may write there).
_OWN = {SWEEP_JSON, LEADERBOARD_JSON, LEADERBOARD_MD, CELLS, LOCK, SWEEP_JSON + ".tmp"}


def is_sweep_dir(path: str | Path) -> bool:
    """Whether ``path`` is a directory holding a sweep manifest."""
    return (Path(path) / SWEEP_JSON).is_file()


def check_sweep_dir(path: str | Path) -> bool:
    """Check that a sweep may write into ``path``; True when it already holds a sweep (which the
    sweep then finishes), False for a new or empty directory. A file, a run directory, or a
    directory holding other things is a one-line error."""
    p = Path(path)
    where = "--out"
    if p.exists() and not p.is_dir():
        raise SalesSimError(f"{p} is a file", where=where, hint="Pass a directory for the sweep.")
    if not p.is_dir():
        return False
    if (p / SWEEP_JSON).is_file():
        return True
    if (p / RUN_JSON).exists():
        raise SalesSimError(f"{p} is the run directory of a `salessim run`, not a sweep", where=where,
                            hint="Pass a new --out directory for the sweep.")
    others = sorted(entry.name for entry in p.iterdir() if entry.name not in _OWN)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise SalesSimError(f"{p} holds files that are not a sweep's ({shown})", where=where,
                            hint="Pass a new or empty --out directory.")
    return False


def read_manifest(path: str | Path) -> dict:
    """The manifest of the sweep in ``path``; a missing or broken one is a one-line error."""
    p = Path(path)
    if not p.is_dir():
        raise SalesSimError(f"sweep directory {p} does not exist", hint="Pass the --out directory of a `salessim sweep`.")
    f = p / SWEEP_JSON
    if not f.is_file():
        raise SalesSimError(f"{p} has no {SWEEP_JSON}: it is not a sweep directory",
                            hint="Pass the --out directory of a `salessim sweep`.")
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SalesSimError(f"{f}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SalesSimError(f"{f}: not a sweep manifest (no cells)")
    return data


def write_manifest(path: str | Path, data: dict) -> None:
    """Write the manifest atomically (a crash leaves the old one or the new one, never half)."""
    write_json_atomic(Path(path) / SWEEP_JSON, data)


def sweep_cell_dirs(path: str | Path, *, complete_only: bool = False) -> list[tuple[dict, Path]]:
    """``(manifest entry, run directory)`` of every cell of the sweep in ``path``, in the manifest's
    order; with ``complete_only`` only the cells whose run finished and was scored."""
    p = Path(path)
    out = []
    for entry in read_manifest(p)["cells"]:
        if complete_only and entry.get("status") != "complete":
            continue
        out.append((entry, p / entry["dir"]))
    return out
