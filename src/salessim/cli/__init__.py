"""The ``salessim`` command line. Each command group lives in its own module of this package."""

from __future__ import annotations

import sys

import typer

from salessim.errors import SalesSimError

app = typer.Typer(
    name="salessim",
    help="SalesSim: benchmark and train LLM shopper simulators in an offline retail store.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Add every command group. Heavy imports (torch, the LLM SDK) stay inside the commands."""
    from salessim.cli import import_cmd, personas_cmd, report_cmd, run_cmd, store_cmd, train_cmd

    run_cmd.register(app)
    import_cmd.register(app)
    report_cmd.register(app)
    app.add_typer(store_cmd.app, name="store")
    app.add_typer(personas_cmd.app, name="personas")
    train_cmd.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns user errors into one line on stderr with exit code 2."""
    _register()
    try:
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except SalesSimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and aborts
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
