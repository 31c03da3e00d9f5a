"""``salessim import-official``: convert rollouts of the paper's public code into a run directory."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from salessim.importers.official import import_official as run_import

console = Console()


def import_official(
    file: Path = typer.Argument(..., help="results.json / example-dialogues.json of the paper's code (a JSON list, "
                                          "{\"simulations\": [...]} or JSONL; Python-literal fields are read too)."),
    out: Path = typer.Option(..., "--out", help="The run directory to write (must not hold a run yet)."),
    catalog: Path | None = typer.Option(None, "--catalog", help="The paper's products file (data/products/laptops.json): "
                                        "products are resolved in the conversations and decision alignment is scored."),
    category: str = typer.Option("laptops", "--category", help="Category of records that do not name one (without --catalog)."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Leave out records whose turns cannot be read (listed in "
                                  "import_notes.json) instead of stopping with an error."),
) -> None:
    """Convert rollouts (speaker/text turns, shopper_preferences, shopper_persona, outcome) into
    SalesSim episodes and personas, so that `salessim eval OUT` scores them.

    The persona's question -> answer preferences become criteria through a mapping table; with
    --catalog, the products the salesperson names are resolved against the imported catalog
    (written to OUT/catalog.yaml) and decision alignment is scored. What could not be mapped is
    listed in OUT/import_notes.json.
    """

    report = run_import(file, out, category=category, catalog=catalog, skip_bad=skip_bad)
    d = report["decisions"]
    console.print(f"imported {report['episodes']} episode(s) with {report['messages']} message(s) into "
                  f"{escape(report['run_dir'])}: {report['criteria']} criteria from {report['personas']} persona(s); "
                  f"decisions: {d['buy']} buy, {d['leave']} leave, {d['none']} none")
    if report["catalog_products"]:
        console.print(f"catalog: {report['catalog_products']} product(s); {report['presented']} product presentation(s) "
                      "resolved in the conversations")
    else:
        console.print("[yellow]no --catalog: products stay unresolved and decision alignment is not scored[/yellow]")
    if report["skipped"]:
        console.print(f"[yellow]{len(report['skipped'])} record(s) skipped (--skip-bad): see import_notes.json[/yellow]")
    if report["unparsed"]:
        console.print(f"{report['unparsed']} preference answer(s) gave no criterion ({report['unmapped_questions']} "
                      "distinct question(s)): see import_notes.json")
    if report["personas_without_criteria"]:
        console.print(f"[yellow]{report['personas_without_criteria']} persona(s) have no criterion[/yellow]")
    console.print(f"score it with: salessim eval {escape(report['run_dir'])}")


def register(app: typer.Typer) -> None:
    """Add `import-official` to the main app."""
    app.command("import-official")(import_official)
