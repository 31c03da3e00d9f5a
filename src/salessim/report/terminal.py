"""Summary tables for the terminal (rich). Every name that comes from data (run id, category,
archetype, metric, failure and termination names) is escaped: rich would read ``[red]`` in a
persona archetype as a style, and ``[/]`` as a closing tag with nothing to close (a crash)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salessim.api.summary import Interval, RunSummary


def _fmt(entry: Interval | None) -> str:
    if entry is None or entry.mean is None:
        return "-"
    return f"{entry.mean:.3f} [{entry.low:.3f}, {entry.high:.3f}]"


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    """Print decision alignment overall, by category, by archetype, failure kinds and the other
    metrics of a run summary."""
    console = console or Console()
    da = summary.decision_alignment
    title = f"Run {escape(str(summary.run_id or ''))}: {summary.episodes} episodes"
    if da:
        t = Table(title=title + " — decision alignment (mean, bootstrap 95% CI)")
        t.add_column("slice")
        t.add_column("n", justify="right")
        t.add_column("decision alignment", justify="right")
        t.add_row("[bold]overall[/bold]", str(da.overall.n), _fmt(da.overall))
        t.add_row("graded (1 - utility regret)", str(da.graded.n), _fmt(da.graded))
        for name, entry in da.by_category.items():
            t.add_row(f"category: {escape(str(name))}", str(entry.n), _fmt(entry))
        for name, entry in da.by_archetype.items():
            t.add_row(f"archetype: {escape(str(name))}", str(entry.n), _fmt(entry))
        console.print(t)
        f = Table(title="failure kinds")
        f.add_column("failure")
        f.add_column("episodes", justify="right")
        if da.failures:
            for name, n in da.failures.items():
                f.add_row(escape(str(name)), str(n))
        else:
            f.add_row("(none)", "0")
        console.print(f)
        cons = da.consistency
        if cons:
            console.print(f"consistency over {cons.personas} personas with repeated trials: "
                          f"same decision {cons.same_decision:.2f}, same alignment {cons.same_alignment:.2f}")
    others = {k: v for k, v in summary.metrics.items() if k != "decision_alignment"}
    if others:
        m = Table(title="other metrics (mean, bootstrap 95% CI)")
        m.add_column("metric")
        m.add_column("n", justify="right")
        m.add_column("value", justify="right")
        for name, entry in others.items():
            m.add_row(escape(str(name)), str(entry.n), _fmt(entry))
        console.print(m)
    if summary.usage:
        console.print("LLM usage: " + "; ".join(
            f"{escape(str(role))} {u.calls} calls ({u.cached_calls} cached), {u.retries} transport "
            f"retries in {u.episodes_with_retries} episodes, ${u.cost_usd:.4f}" for role, u in summary.usage.items()))
    if summary.terminations:
        console.print("terminations: " + ", ".join(f"{escape(str(k))} {v}" for k, v in summary.terminations.items()))
