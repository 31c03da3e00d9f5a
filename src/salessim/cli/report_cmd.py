"""``salessim report``: the leaderboard across runs and the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from salessim.errors import SalesSimError
from salessim.report.html import build_report, check_report_out
from salessim.report.leaderboard import build_leaderboard, load_run
from salessim.sweep import build_sweep_leaderboard, is_sweep_dir, sweep_cell_dirs


def report(
    run_dirs: list[Path] = typer.Argument(..., help="One or more run directories written by `salessim run`, or sweep directories written by `salessim sweep` (their complete cells)."),
    out: Path = typer.Option(Path("report.html"), "--out", help="Where to write the HTML report."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the leaderboard as a markdown table instead of a terminal table."),
    max_episodes: int = typer.Option(2000, "--max-episodes", min=1, help="Episodes embedded in the drill-down (all runs together)."),
    title: str = typer.Option("SalesSim report", "--title", help="Title of the HTML page."),
) -> None:
    """Print the leaderboard of RUN_DIRs and write one self-contained HTML report (leaderboard,
    plots, slices, per-episode drill-down with transcripts, products and metric explanations).
    A sweep directory stands for its complete cells, and its own leaderboard (shoppers ranked per
    agent, with paired differences) is printed first."""

    check_report_out(out)  # before anything is printed
    dirs: list[Path] = []
    sweeps = []
    for p in run_dirs:
        if is_sweep_dir(p):
            cells = [path for _, path in sweep_cell_dirs(p, complete_only=True)]
            if not cells:
                raise SalesSimError(f"{p}: no cell of the sweep is complete",
                                    hint=f"Finish it first: salessim sweep CONFIG --out {p}")
            sweeps.append(build_sweep_leaderboard(p))
            dirs += cells
        else:
            dirs.append(p)
    runs = [load_run(p, with_episodes=False) for p in dirs]  # fails early on a bad directory
    board = build_leaderboard(runs)
    console = Console()
    for sweep_board in sweeps:
        if markdown:
            typer.echo(sweep_board.to_markdown(), nl=False)
        else:
            for table in sweep_board.to_rich():
                console.print(table)
    if markdown:
        typer.echo(board.to_markdown(), nl=False)
    else:
        console.print(board.to_rich())
    path = build_report(dirs, out, max_episodes=max_episodes, title=title)
    typer.echo(f"report: {path}")


def register(app: typer.Typer) -> None:
    """Add `report` to the main app."""
    app.command("report")(report)
