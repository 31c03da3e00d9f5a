"""``salessim run`` and ``salessim eval``."""

from __future__ import annotations

import asyncio
import datetime as _dt
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from salessim.errors import SalesSimError
from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig

console = Console()


def _parse_flaws(text: str | None) -> dict[str, float]:
    if not text:
        return {}
    from salessim.shoppers import parse_flaws

    return parse_flaws(text).model_dump()


def _progress() -> Progress:
    return Progress(TextColumn("[bold]simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)


def run(
    personas: Optional[Path] = typer.Option(None, "--personas", help="Persona file (JSONL/YAML). Default: the built-in benchmark."),
    split: str = typer.Option("test", "--split", help="Which split to simulate: test, train or all."),
    shopper: str = typer.Option("scripted", "--shopper", help="Shopper simulator: scripted."),
    shopper_flaws: Optional[str] = typer.Option(None, "--shopper-flaws", help="Flaw knobs of the scripted shopper, e.g. sycophancy=0.8,overdisclosure=0.5 (also forget_dealbreaker, indecision)."),
    agent: str = typer.Option("scripted", "--agent", help="Sales agent: scripted (helpful) or pushy (persuasion probe)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Simulate only the first N personas."),
    episodes_per_persona: int = typer.Option(1, "--episodes-per-persona", min=1, help="Trials per persona."),
    seed: int = typer.Option(0, "--seed", help="Run seed; every episode seed derives from it."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Episodes in flight at once."),
    max_turns: int = typer.Option(12, "--max-turns", min=1, help="Shopper turns before an episode ends with max_turns."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory. Default: runs/<time>-<shopper>-vs-<agent>."),
    resume: bool = typer.Option(False, "--resume", help="Finish the run in --out: only missing episodes run; its stored config is used."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="With --resume: also re-run episodes that ended in error or timeout."),
) -> None:
    """Simulate shopper/agent episodes, write a run directory and print the summary.

    With no options: the scripted shopper against the scripted agent on the built-in test split,
    offline. The run directory holds run.json, episodes.jsonl (the checkpoint), scores.jsonl and
    summary.json.
    """
    from salessim.sim.runner import run_benchmark, score_run

    if split not in ("test", "train", "all"):
        raise SalesSimError(f"unknown split {split!r}", where="--split", hint="Use test, train or all.")
    if retry_errors and not resume:
        raise SalesSimError("--retry-errors needs --resume", where="--retry-errors")
    if resume and out is None:
        raise SalesSimError("--resume needs --out DIR, the run directory to finish", where="--resume")
    cfg = RunConfig(
        personas=str(personas) if personas else None,
        split=split,  # type: ignore[arg-type]
        limit=limit,
        episodes_per_persona=episodes_per_persona,
        seed=seed,
        concurrency=concurrency,
        max_turns=max_turns,
        shopper=ShopperConfig(kind=shopper, flaws=_parse_flaws(shopper_flaws)),
        agent=AgentConfig(kind=agent),
    )
    if out is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{stamp}-{shopper.replace(':', '_').replace('/', '_')}-vs-{agent}"

    with _progress() as progress:
        task = progress.add_task("run", total=None, status="")
        counts = {"bought": 0, "left": 0, "other": 0}

        def on_start(total: int, done: int) -> None:
            progress.update(task, total=total, completed=done)

        def on_episode(ep) -> None:
            key = ep.termination if ep.termination in counts else "other"
            counts[key] += 1
            progress.update(task, advance=1,
                            status=f"bought {counts['bought']} left {counts['left']} other {counts['other']}")

        try:
            outcome = asyncio.run(run_benchmark(cfg, out, resume=resume, retry_errors=retry_errors,
                                                on_start=on_start, on_episode=on_episode))
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted[/yellow]: finished episodes are saved in {out}/episodes.jsonl; "
                          f"finish with: salessim run --resume --out {out}")
            raise typer.Exit(130)
    summary = score_run(outcome.run_dir)
    from salessim.report.terminal import print_summary

    print_summary(summary, console)
    console.print(f"run directory: {outcome.run_dir}  (ran {outcome.ran}, already done {outcome.already_done})")


def eval_(
    run_dir: Path = typer.Argument(..., help="A run directory written by `salessim run`."),
    metrics: Optional[str] = typer.Option(None, "--metrics", help="Comma-separated metric names (default: all default metrics)."),
) -> None:
    """Re-score a saved run without re-simulating; rewrites scores.jsonl and summary.json."""
    from salessim.report.terminal import print_summary
    from salessim.sim.runner import score_run

    names = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
    summary = score_run(run_dir, metric_names=names)
    print_summary(summary, console)


def register(app: typer.Typer) -> None:
    """Add `run` and `eval` to the main app."""
    app.command("run")(run)
    app.command("eval")(eval_)
