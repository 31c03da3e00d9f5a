"""``salessim import-reference``: convert a corpus of human shopping dialogues into the reference
JSONL of ``salessim eval --reference``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from salessim.errors import SalesSimError
from salessim.importers.reference import FORMATS
from salessim.importers.reference import import_reference as run_import

console = Console()


def import_reference(
    file: Path = typer.Argument(..., help="The corpus: a JSON/JSONL/CSV file, or for --format episodes a run "
                                          "directory of `salessim play` (or its episodes.jsonl)."),
    fmt: str = typer.Option(..., "--format", help="salessim (SalesSim's reference JSONL), episodes (play runs), "
                                                  "mgshopdial (MG-ShopDial's JSON), csv or jsonl (generic message rows)."),
    out: Path = typer.Option(..., "--out", help="The reference JSONL to write (never overwrites a file it did not write)."),
    category: Optional[list[str]] = typer.Option(None, "--category", help="SalesSim category of the dialogues: NAME for "
                                                 "all, or SRC=NAME per source category (repeatable), e.g. "
                                                 "--category 'Cellphones&Accessories=smartphones'."),
    merge: bool = typer.Option(True, "--merge/--no-merge", help="Merge consecutive messages of one speaker into one "
                                                               "turn (default), or keep every message as a turn."),
    speaker_map: Optional[str] = typer.Option(None, "--speaker-map", help="Who is who in csv/jsonl rows: "
                                              "'Client=shopper,Wizard=agent,System=skip' (SalesSim's aliases such as "
                                              "customer/salesperson need none)."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Column names of csv/jsonl rows, e.g. "
                                          "'dialogue=conv_id,speaker=role,text=message' (also category, order, decision); "
                                          "common names are found without it."),
    any_shopper: bool = typer.Option(False, "--any-shopper", help="--format episodes: take simulated shoppers too, "
                                                                  "not only people (shopper.kind human)."),
) -> None:
    """Convert human shopping dialogues into SalesSim's reference format, for
    `salessim eval RUN --reference OUT`.

    A turn is, by default, all consecutive messages of one speaker (--no-merge: one message, one
    turn): words per turn and criteria per turn depend on this rule (docs/reference.md).
    """

    if fmt not in FORMATS:
        raise SalesSimError(f"unknown format {fmt!r}", where="--format", hint=f"Use one of: {', '.join(FORMATS)}.")
    report = run_import(file, fmt, out, categories=category, merge=merge, speaker_map=speaker_map, columns=columns,
                        any_shopper=any_shopper)
    console.print(f"wrote {report['written']} dialogue(s) to {escape(report['out'])}: {report['shopper_turns']} shopper "
                  f"and {report['agent_turns']} agent turn(s) from {report['messages']} message(s) "
                  f"({'consecutive messages of one speaker merged: ' + str(report['merged_away']) + ' merged away' if merge else 'one message = one turn'})",
                  soft_wrap=True)
    cats = ", ".join(f"{escape(str(k))} {v}" for k, v in report["categories"].items())
    decisions = ", ".join(f"{escape(str(k))} {v}" for k, v in report["decisions"].items())
    console.print(f"categories: {cats}; decisions: {decisions}", soft_wrap=True)
    if report["skipped"]:
        why = ", ".join(f"{escape(str(k))} {v}" for k, v in report["skipped"].items())
        console.print(f"[yellow]skipped {sum(report['skipped'].values())} dialogue(s): {why}[/yellow]", soft_wrap=True)
        if report["unmapped_categories"]:
            cats = ", ".join(f"{escape(str(k))} ({v})" for k, v in report["unmapped_categories"].items())
            console.print(f"[yellow]source categories without a SalesSim category: {cats} (map them with "
                          "--category SRC=NAME)[/yellow]", soft_wrap=True)
    console.print(f"compare a run with it: salessim eval RUN_DIR --reference {escape(report['out'])}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `import-reference` to the main app."""
    app.command("import-reference")(import_reference)
