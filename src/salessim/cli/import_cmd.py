"""``salessim import-official``: convert rollouts of the paper's public code into a run directory."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def import_official(
    file: Path = typer.Argument(..., help="results.json / example dialogues of the paper's code (JSON list, {\"simulations\": [...]} or JSONL)."),
    out: Path = typer.Option(..., "--out", help="The run directory to write (must not hold a run yet)."),
    category: str = typer.Option("laptops", "--category", help="Category of records that do not name one."),
) -> None:
    """Convert rollouts (speaker/text turns, shopper_preferences, shopper_persona, outcome) into
    SalesSim episodes and personas, so `salessim eval OUT` scores them.

    Free-text preferences become criteria where the text understanding can read them.
    Clauses it cannot read are listed in OUT/import_notes.json.
    """
    from salessim.importers.official import import_official as run_import

    report = run_import(file, out, category=category)
    console.print(f"imported {report['episodes']} episode(s), {report['personas']} persona(s) into {report['run_dir']}: "
                  f"{report['criteria']} criteria parsed, {report['unparsed']} preference clause(s) not parsed "
                  f"(see import_notes.json)")
    if report["personas_without_criteria"]:
        console.print(f"[yellow]{report['personas_without_criteria']} persona(s) have no parsed criterion[/yellow]")
    console.print(f"score it with: salessim eval {report['run_dir']}")


def register(app: typer.Typer) -> None:
    """Add `import-official` to the main app."""
    app.command("import-official")(import_official)
