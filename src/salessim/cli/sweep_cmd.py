"""``salessim sweep``: a matrix of shoppers x agents x splits x seeds, one run directory per cell, on a
process pool or a Ray cluster, with a live progress table and the leaderboard at the end."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from salessim.sim.runner import load_run_personas, plan
from salessim.sweep import load_sweep_config, make_backend, run_sweep
from salessim.sweep.state import SweepInterrupted

console = Console()

_STATUS_STYLE = {"complete": "green", "running": "cyan", "scoring": "cyan", "failed": "red",
                 "interrupted": "yellow", "pending": "dim"}


def progress_table(cells, started: float, *, backend: str, workers: int, max_rows: int = 30) -> Table:
    """The live table: one row per cell (status, episodes done/planned, errors, episodes/s)."""
    done = sum(c.done for c in cells)
    planned = sum(c.planned for c in cells)
    title = (f"sweep: {done}/{planned} episodes, {sum(c.status == 'complete' for c in cells)}/{len(cells)} cells "
             f"complete, {backend} x{workers}, {time.monotonic() - started:.0f} s")
    t = Table(title=escape(title))
    t.add_column("cell")
    t.add_column("status")
    t.add_column("episodes", justify="right")
    t.add_column("errors", justify="right")
    t.add_column("ep/s", justify="right")
    shown = cells
    if len(cells) > max_rows:  # a big sweep: the cells at work, then a count of the others
        shown = [c for c in cells if c.status in ("running", "scoring", "failed")][:max_rows]
    for c in shown:
        rate = c.rate()
        status = c.status + (" (done before)" if c.skipped else "")
        style = _STATUS_STYLE.get(c.status, "")
        t.add_row(escape(c.cell.id), f"[{style}]{escape(status)}[/{style}]" if style else escape(status),
                  f"{c.done}/{c.planned}", str(c.errors), "-" if rate is None else f"{rate:.1f}")
    if len(shown) < len(cells):
        t.caption = f"{len(cells) - len(shown)} more cells not shown (pending or complete)"
    return t


def sweep(
    config: Path = typer.Argument(..., help="Sweep config (YAML; see configs/sweeps/ and docs/sweeps.md)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Sweep directory (default: runs/<sweep name>). Run the same command again to finish a stopped sweep."),
    backend: str = typer.Option("local", "--backend", help="Where units of work run: local (a process pool on this machine) or ray (the salessim[ray] extra)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes (local: the pool; ray: CPUs of the local Ray it starts, or tasks at once on a cluster). Default: this machine's cores (ray with an address: the cluster's CPUs)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="With --backend ray: auto (the cluster running on this machine) or ray://host:port. Default: start a local Ray for the sweep."),
    shard_size: Optional[int] = typer.Option(None, "--shard-size", min=1, help="Episodes per unit of work (default: a cell's missing episodes split evenly over the workers)."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", min=1, help="Episodes in flight per worker (default: the config's settings.concurrency). Requests per endpoint stay capped by each model's concurrency over ALL workers."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Also run again the episodes that ended in error or timeout."),
    no_preflight: bool = typer.Option(False, "--no-preflight", help="Skip the GET /models request that checks each LLM endpoint before the sweep (the offline checks still run)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the config and list the cells, their directories and episodes; run nothing."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the leaderboard as markdown tables."),
) -> None:
    """Run a benchmark sweep: one run directory per cell (shopper x agent x split x seed), a manifest
    (sweep.json), and the leaderboard with bootstrap intervals and paired differences between
    shoppers on the same personas (also: salessim report DIR).

    Cells already complete are skipped and partial ones resumed: a stopped sweep (Ctrl-C, SIGTERM,
    kill -9) is finished by running the same command again, with no episode lost or repeated.
    """

    cfg = load_sweep_config(config)
    out = out or Path("runs") / cfg.name
    if dry_run:
        _print_plan(cfg, out)
        return
    chosen = make_backend(backend, workers=workers, ray_address=ray_address)
    started = time.monotonic()
    live = Live(console=console, refresh_per_second=4, transient=False)

    def on_update(cells) -> None:
        if not live.is_started:
            live.start()
        live.update(progress_table(cells, started, backend=chosen.name, workers=chosen.workers))

    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(_signum, _frame):  # kill, a batch scheduler, docker stop: stop like Ctrl-C
        raise SweepInterrupted("SIGTERM")

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        outcome = run_sweep(cfg, out, backend=chosen, config_file=str(config), shard_size=shard_size,
                            concurrency=concurrency, retry_errors=retry_errors,
                            preflight=not no_preflight, on_update=on_update)
    except (KeyboardInterrupt, SweepInterrupted) as exc:
        live.stop()
        terminated = getattr(exc, "signal_name", "") == "SIGTERM"
        code, what = (143, "terminated (SIGTERM)") if terminated else (130, "interrupted")
        console.print(f"[yellow]{what}[/yellow]: finished episodes are saved in {escape(str(out))}; finish with: "
                      f"salessim sweep {escape(str(config))} --out {escape(str(out))}", soft_wrap=True)
        raise typer.Exit(code)
    finally:
        live.stop()
        signal.signal(signal.SIGTERM, previous)
    board = outcome.leaderboard
    if board is not None:
        if markdown:
            typer.echo(board.to_markdown(), nl=False)
        else:
            for table in board.to_rich():
                console.print(table)
    ran = sum(c.ran for c in outcome.cells)
    skipped = sum(c.skipped for c in outcome.cells)
    console.print(f"sweep directory: {escape(str(out))}  ({len(outcome.cells)} cells: {skipped} complete before, "
                  f"{ran} episodes run now, {outcome.elapsed_s:.1f} s); leaderboard.md, leaderboard.json; "
                  f"HTML report: salessim report {escape(str(out))}", soft_wrap=True)
    if outcome.failed:
        for c in outcome.failed:
            print(f"error: cell {c.cell.id} failed: {c.error}", file=sys.stderr)
        print(f"error: {len(outcome.failed)} cell(s) failed; fix the cause and finish with: "
              f"salessim sweep {config} --out {out}", file=sys.stderr)
        raise typer.Exit(1)


def _print_plan(cfg, out: Path) -> None:
    """--dry-run: the cells of the sweep, where they go and how many episodes each plans."""

    t = Table(title=escape(f"sweep {cfg.name}: {len(cfg.cells())} cells (dry run, nothing is written)"))
    for name in ("cell", "shopper", "agent", "split", "seed", "episodes", "directory"):
        t.add_column(name, justify="right" if name in ("seed", "episodes") else "left")
    total = 0
    cache: dict = {}
    for cell in cfg.cells():
        key = (cell.config.personas, cell.config.split, cell.config.limit)
        if key not in cache:
            cache[key] = load_run_personas(cell.config)
        n = len(plan(cache[key], cell.config))
        total += n
        t.add_row(*(escape(str(v)) for v in (cell.id, cell.shopper, cell.agent, cell.split, cell.seed, n,
                                              out / cell.relative_dir)))
    console.print(t)
    console.print(f"{total} episodes in all; reference shopper for paired differences: "
                  f"{escape(cfg.reference_shopper())}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `sweep` to the main app."""
    app.command("sweep")(sweep)


__all__ = ["progress_table", "register", "sweep"]
