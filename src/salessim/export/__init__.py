"""Runs and sweeps as open tables: Parquet, JSONL, or a Hugging Face ``datasets.DatasetDict`` on disk.

    salessim export runs/cal --format hf --out cal_ds
    >>> datasets.load_from_disk("cal_ds")["episodes"]

Two tables: ``episodes`` (one row per episode: ids, persona fields, shopper and agent, the transcript,
the decision, every metric value, costs) and ``turns`` (one row per message). Columns and their
meanings: :mod:`salessim.export.schema` and docs/export-schema.md; the schema is versioned.

Every format writes a directory with the tables, ``export.json`` (what was exported: sources,
counts, config, versions, metric definitions) and a dataset card ``README.md``. The directory is
written under a temporary name and renamed when complete, so a crash never leaves half an export,
and an existing path is never overwritten unless it holds an earlier SalesSim export and
``overwrite`` is given. Parquet and ``hf`` need the ``export`` extra (pyarrow, datasets); JSONL
needs nothing more than SalesSim.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from salessim import __version__
from salessim.errors import SalesSimError
from salessim.export.card import dataset_card
from salessim.export.schema import (
    EPISODE_COLUMNS,
    METRIC_PREFIX,
    SCHEMA_VERSION,
    TURN_COLUMNS,
    arrow_schema,
)
from salessim.export.tables import (
    ExportRun,
    episode_rows,
    find_runs,
    metric_names,
    turn_rows,
)
from salessim.metrics.registry import all_metrics

__all__ = ["EXPORT_FORMATS", "ExportResult", "SCHEMA_VERSION", "export_runs"]

EXPORT_FORMATS = ("parquet", "jsonl", "hf")
EXPORT_JSON = "export.json"
MARKER = "salessim-export"
INSTALL_HINT = "Install the export extra: pip install 'salessim[export]'"


@dataclass
class ExportResult:
    """What :func:`export_runs` wrote."""

    out: Path
    format: str
    runs: int
    episodes: int
    turns: int
    notes: list[str]


def _need(module: str, fmt: str):
    try:
        return __import__(module)
    except ImportError:
        raise SalesSimError(f"--format {fmt} needs the {module} package, which is not installed", where="--format",
                            hint=INSTALL_HINT + ".") from None


def _check_out(out: Path, overwrite: bool) -> None:
    for parent in out.resolve().parents:  # a run or sweep directory holds only what SalesSim writes there
        for marker, what in (("run.json", "run"), ("sweep.json", "sweep")):
            if (parent / marker).is_file():
                raise SalesSimError(f"{out} is inside the {what} directory {parent}", where="--out",
                                    hint="Write the export outside it, e.g. next to it.")
    if not out.exists():
        return
    ours = (out / EXPORT_JSON).is_file() and json.loads((out / EXPORT_JSON).read_text()).get("format") == MARKER
    if out.is_dir() and not any(out.iterdir()):
        return
    if ours and overwrite:
        return
    if ours:
        raise SalesSimError(f"{out} holds an earlier SalesSim export", where="--out",
                            hint="Pass --overwrite to replace it, or another --out.")
    raise SalesSimError(f"{out} exists and is not a SalesSim export", where="--out",
                        hint="Pass a new --out path; SalesSim never overwrites other files.")


def _metric_definitions(runs: list[ExportRun], names: list[str]) -> list[dict]:

    registry = all_metrics()
    seen: dict[str, set[str]] = {n: set() for n in names}
    for run in runs:
        for s in run.scores.values():
            for name, r in s.results.items():
                seen.setdefault(name, set()).add(r.version)
    out = []
    for name in names:
        metric = registry.get(name)
        out.append({"name": name, "column": METRIC_PREFIX + name, "versions": sorted(seen.get(name, ())),
                    "description": metric.description if metric else "(not a registered metric of this SalesSim)"})
    return out


def _public_config(config: dict) -> dict:
    """A run config without endpoint URLs."""
    cfg = json.loads(json.dumps(config))
    for role in ("shopper", "agent"):
        model = (cfg.get(role) or {}).get("model")
        if isinstance(model, dict):
            model.pop("base_url", None)
    return cfg


def _versions() -> dict:
    out = {"salessim": __version__, "python": platform.python_version()}
    for name in ("pyarrow", "datasets"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        out[name] = getattr(module, "__version__", "?")
    return out


def export_runs(source: str | Path, fmt: str, out: str | Path, *, overwrite: bool = False) -> ExportResult:
    """Export the run or sweep in ``source`` to ``out`` in format ``fmt`` (see the module docstring)."""
    if fmt not in EXPORT_FORMATS:
        raise SalesSimError(f"unknown format {fmt!r}", where="--format", hint=f"Use one of: {', '.join(EXPORT_FORMATS)}.")
    if fmt in ("parquet", "hf"):
        _need("pyarrow", fmt)
    if fmt == "hf":
        _need("datasets", fmt)
    out = Path(out)
    _check_out(out, overwrite)
    runs, notes, manifest = find_runs(source)
    metrics = metric_names(runs)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        if fmt == "jsonl":
            counts = _write_jsonl(runs, metrics, tmp)
        else:
            counts = _write_parquet(runs, metrics, tmp)
            if fmt == "hf":
                _to_hf(tmp)
        info = {
            "format": MARKER, "schema_version": SCHEMA_VERSION, "data_format": fmt,
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "source": str(source), "sweep": manifest.get("name") if manifest else None,
            "sweep_config": manifest.get("config") if manifest else None,
            "counts": {"runs": len(runs), "episodes": counts[0], "turns": counts[1]},
            "runs": [{"run_id": r.run_id, "sweep": r.sweep, "cell": r.cell,
                      "config": _public_config(r.meta.get("config") or {}), "data": r.meta.get("data"),
                      "salessim_version": r.meta.get("salessim_version"), "status": r.meta.get("status")}
                     for r in runs],
            "versions": _versions(),
            "metrics": _metric_definitions(runs, metrics),
            "notes": notes,
        }
        (tmp / EXPORT_JSON).write_text(json.dumps(info, indent=2, default=str) + "\n", encoding="utf-8")

        (tmp / "README.md").write_text(dataset_card(info, metrics), encoding="utf-8")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(out=out, format=fmt, runs=len(runs), episodes=counts[0], turns=counts[1], notes=notes)


def _write_jsonl(runs: list[ExportRun], metrics: list[str], tmp: Path) -> tuple[int, int]:
    n_eps = n_turns = 0
    with open(tmp / "episodes.jsonl", "w", encoding="utf-8") as eps, open(tmp / "turns.jsonl", "w", encoding="utf-8") as turns:
        for run in runs:
            for row in episode_rows(run, metrics):
                eps.write(json.dumps(row, ensure_ascii=False) + "\n")
                n_eps += 1
            for row in turn_rows(run):
                turns.write(json.dumps(row, ensure_ascii=False) + "\n")
                n_turns += 1
    return n_eps, n_turns


def _write_parquet(runs: list[ExportRun], metrics: list[str], tmp: Path) -> tuple[int, int]:
    """episodes.parquet and turns.parquet, written run by run (memory stays bounded by one run)."""
    import pyarrow as pa  # lazy: the export extra
    import pyarrow.parquet as pq  # lazy: the export extra

    meta = {"salessim.export.schema_version": SCHEMA_VERSION, "salessim.version": __version__}
    ep_schema = arrow_schema(EPISODE_COLUMNS, metrics, metadata=meta)
    turn_schema = arrow_schema(TURN_COLUMNS, metadata=meta)
    n_eps = n_turns = 0
    with pq.ParquetWriter(tmp / "episodes.parquet", ep_schema) as eps, \
            pq.ParquetWriter(tmp / "turns.parquet", turn_schema) as turns:
        for run in runs:
            rows = list(episode_rows(run, metrics))
            eps.write_table(pa.Table.from_pylist(rows, schema=ep_schema))
            n_eps += len(rows)
            rows = list(turn_rows(run))
            turns.write_table(pa.Table.from_pylist(rows, schema=turn_schema))
            n_turns += len(rows)
    return n_eps, n_turns


def _to_hf(tmp: Path) -> None:
    """Turn the Parquet tables in ``tmp`` into a ``datasets.DatasetDict`` saved there (then drop them)."""
    import datasets  # lazy: the export extra (about 1.2 s to import)
    import pyarrow.parquet as pq  # lazy: the export extra

    datasets.disable_progress_bars()
    dd = datasets.DatasetDict({name: datasets.Dataset(pq.read_table(tmp / f"{name}.parquet"))
                               for name in ("episodes", "turns")})
    dd.save_to_disk(str(tmp))
    for name in ("episodes", "turns"):
        (tmp / f"{name}.parquet").unlink()
