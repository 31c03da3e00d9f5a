"""``salessim report``: the leaderboard across runs and the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from salessim.report.html import build_report, check_report_out
from salessim.report.leaderboard import build_leaderboard, load_run


def report(
    run_dirs: list[Path] = typer.Argument(..., help="One or more run directories written by `salessim run`."),
    out: Path = typer.Option(Path("report.html"), "--out", help="Where to write the HTML report."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the leaderboard as a markdown table instead of a terminal table."),
    max_episodes: int = typer.Option(2000, "--max-episodes", min=1, help="Episodes embedded in the drill-down (all runs together)."),
    title: str = typer.Option("SalesSim report", "--title", help="Title of the HTML page."),
) -> None:
    """Print the leaderboard of RUN_DIRs and write one self-contained HTML report (leaderboard,
    plots, slices, per-episode drill-down with transcripts, products and metric explanations)."""

    check_report_out(out)  # before anything is printed
    runs = [load_run(p, with_episodes=False) for p in run_dirs]  # fails early on a bad directory
    board = build_leaderboard(runs)
    if markdown:
        typer.echo(board.to_markdown(), nl=False)
    else:
        Console().print(board.to_rich())
    path = build_report(list(run_dirs), out, max_episodes=max_episodes, title=title)
    typer.echo(f"report: {path}")


def register(app: typer.Typer) -> None:
    """Add `report` to the main app."""
    app.command("report")(report)
