"""The ``salessim`` command line. Each command group lives in its own module of this package."""

from __future__ import annotations

import sys

import typer

from salessim.cli import (
    export_cmd,
    import_cmd,
    personas_cmd,
    play_cmd,
    plugins_cmd,
    reference_cmd,
    report_cmd,
    run_cmd,
    store_cmd,
    sweep_cmd,
    train_cmd,
)
from salessim.errors import SalesSimError

PROG = "salessim"


def build_app() -> typer.Typer:
    """The typer app with every command group. Heavy imports (torch, the LLM SDK) stay inside the
    commands."""
    cli = typer.Typer(
        name=PROG,
        help="SalesSim: benchmark and train LLM shopper simulators in an offline retail store.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    run_cmd.register(cli)
    sweep_cmd.register(cli)
    import_cmd.register(cli)
    reference_cmd.register(cli)
    play_cmd.register(cli)
    report_cmd.register(cli)
    export_cmd.register(cli)
    cli.add_typer(store_cmd.app, name="store")
    cli.add_typer(personas_cmd.app, name="personas")
    train_cmd.register(cli)
    plugins_cmd.register(cli)
    return cli


app = build_app()


def _click_base(name: str) -> type[BaseException] | None:
    """The class ``name`` (``ClickException``, ``Abort``) of the click that typer runs on.

    typer >= 0.29 bundles its own copy of click (``typer._click``) and no longer installs
    ``click``; older typer uses ``click``. Both are found from typer's own exception classes, so
    nothing here imports ``click``."""
    for exported in (typer.BadParameter, getattr(typer, "Abort", None)):
        for cls in getattr(exported, "__mro__", ()):
            if cls.__name__ == name:
                return cls
    return None


def usage_error_line(exc: BaseException) -> str:
    """One line for a click/typer usage error: what was wrong, where, and where to look.

    e.g. ``salessim run: Invalid value for '--limit': Input should be greater than or equal to 1.
    See `salessim run --help`.``"""
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or PROG
    try:
        message = exc.format_message()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a message is all we need
        message = str(exc)
    message = " ".join(str(message).split()) or type(exc).__name__
    return str(SalesSimError(message, where=path, hint=f"See `{path} --help`."))


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app; user errors and usage errors become one line on stderr with exit
    code 2 (never a traceback); Ctrl-C exits 130."""
    click_exception = _click_base("ClickException")
    try:
        rc = app(args=argv, prog_name=PROG, standalone_mode=False)
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
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # a group called without a command: typer has printed the help already (older
            # versions leave it in the message); exit 2 like click does
            text = exc.format_message() if hasattr(exc, "format_message") else ""
            if text.strip():
                print(text)
            sys.exit(2)
        if click_exception is not None and isinstance(exc, click_exception):
            print(f"error: {usage_error_line(exc)}", file=sys.stderr)
            sys.exit(2)
        if any(cls.__name__ == "Abort" for cls in type(exc).__mro__):
            print("aborted", file=sys.stderr)
            sys.exit(1)
        raise
