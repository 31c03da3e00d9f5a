"""``salessim export``: a run or a sweep as open tables (Parquet, JSONL, a Hugging Face dataset)."""

from __future__ import annotations

from pathlib import Path

import typer

from salessim.export import export_runs


def export(
    source: Path = typer.Argument(..., help="A run directory (salessim run) or a sweep directory (salessim sweep)."),
    fmt: str = typer.Option("parquet", "--format", help="parquet, jsonl, or hf (a datasets.DatasetDict saved to disk)."),
    out: Path = typer.Option(..., "--out", help="Directory to write (must not exist, or hold an earlier export with --overwrite)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an earlier SalesSim export at --out."),
) -> None:
    """Write one row per episode and one row per message (turn table) of RUN_OR_SWEEP, with a dataset
    card (README.md). Schema: docs/export-schema.md."""

    result = export_runs(source, fmt, out, overwrite=overwrite)
    typer.echo(f"exported {result.episodes} episodes and {result.turns} turn rows from {result.runs} run(s) "
               f"as {result.format} to {result.out}")


def register(app: typer.Typer) -> None:
    """Add `export` to the main app."""
    app.command("export")(export)
