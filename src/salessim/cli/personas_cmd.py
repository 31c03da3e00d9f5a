"""``salessim personas``: generate, list, show and validate persona files."""

import typer

app = typer.Typer(help="Generate, list, show and validate persona files.", no_args_is_help=True)
