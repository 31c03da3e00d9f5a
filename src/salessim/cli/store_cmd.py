"""``salessim store``: look at the catalog, search it, render product images."""

import typer

app = typer.Typer(help="Browse the built-in store: search products, show one, render its image.", no_args_is_help=True)
