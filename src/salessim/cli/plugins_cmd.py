"""``salessim plugins`` and ``salessim metrics list``: what the registry knows (built-ins,
installed plug-ins, registered components) and where each comes from."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salessim.api.registry import METRICS, REGISTRIES
from salessim.metrics.registry import load_metric

console = Console()
metrics_app = typer.Typer(help="The metrics SalesSim can compute (built-ins and plug-ins).", no_args_is_help=True)


def plugins() -> None:
    """List every shopper, sales agent, metric and importer the registry knows, with its origin
    (built-in, or the installed package whose entry point declares it). Any of them, or any
    MODULE:ATTR spec of your own, can be named in a run config or on the command line."""
    for group, registry in REGISTRIES.items():
        table = Table(title=f"{group} (entry-point group {registry.group})")
        table.add_column("name")
        table.add_column("origin")
        table.add_column("target")
        for entry in registry.entries().values():
            target = entry.target if isinstance(entry.target, str) else getattr(entry.target, "value", None) or repr(
                entry.target)
            table.add_row(escape(entry.name), escape(entry.origin), escape(str(target)))
        console.print(table)
    console.print("A MODULE:ATTR spec (e.g. --agent my_pkg.bots:MyAgent) works without registering; "
                  "see docs/architecture.md#plug-ins.")


@metrics_app.command("list")
def metrics_list() -> None:
    """List the metrics with their version, origin, whether `run`/`eval` compute them by default,
    and what they measure."""

    table = Table(title="metrics")
    for col in ("name", "version", "default", "origin", "description"):
        table.add_column(col)
    for name in METRICS.names():
        metric = load_metric(name)
        table.add_row(escape(metric.name), escape(metric.version), "yes" if metric.default else "no",
                      escape(METRICS.origin(name)), escape(metric.description))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `plugins` and `metrics` to the main app."""
    app.command("plugins")(plugins)
    app.add_typer(metrics_app, name="metrics")
