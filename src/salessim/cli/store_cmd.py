"""``salessim store``: look at the catalog, search it, render product images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salessim.errors import SalesSimError
from salessim.store import default_store, load_catalog

app = typer.Typer(help="Browse the built-in store: search products, show one, render its image.", no_args_is_help=True)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def parse_filter_options(options: list[str] | None) -> dict[str, Any]:
    """Turn ``--filter KEY=VALUE`` options into a filter dict (``a,b`` becomes a list of values)."""
    filters: dict[str, Any] = {}
    for option in options or []:
        key, sep, value = option.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise SalesSimError(f"bad --filter '{option}': expected KEY=VALUE.",
                                hint="For example --filter max_price=800 --filter os=Windows --filter brand=Dell,HP")
        parts = [p.strip() for p in value.split(",") if p.strip()]
        filters[key] = parts if len(parts) > 1 else parts[0]
    return filters


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to search for; empty lists everything that passes the filters.")] = "",
    category: Annotated[str, typer.Option("--category", "-c", help="Product category to search.")] = "laptops",
    filter: Annotated[list[str] | None, typer.Option(  # noqa: A002 - the option is called --filter
        "--filter", "-f",
        help="Attribute filter KEY=VALUE, repeatable: max_price=800, min_ram_gb=16, os=Windows, brand=Dell,HP.",
    )] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many products to show.")] = 10,
) -> None:
    """Search one category by words and filters and print the ranked products."""

    store = default_store()
    tools = store.tools(category)
    result = store.search.search(category, query, parse_filter_options(filter), limit)
    table = Table(title=f"{result.total} {category} match" + ("" if result.total == 1 else "es"))
    table.add_column("id", style="bold")
    table.add_column("name")
    table.add_column("price", justify="right")
    table.add_column("key attributes")
    if query.strip():
        table.add_column("score", justify="right")
    for hit in result.hits:
        card = tools.product_card(hit.product)
        keys = "; ".join(f"{k}={_fmt(v)}" for k, v in card.items() if k not in ("id", "name", "price"))
        row = [hit.product.id, hit.product.name, f"${hit.product.price:,.0f}", keys]
        if query.strip():
            row.append(f"{hit.score:.2f}")
        table.add_row(*row)
    console = _console()
    console.print(table)
    if result.query_matched is False:
        console.print("No product text matched the query words; showing filter matches by price.")


@app.command()
def show(product_id: Annotated[str, typer.Argument(help="The product id, e.g. lap-001.")]) -> None:
    """Show every attribute of one product, the visual-only ones marked (tools never reveal those)."""

    store = default_store()
    product = store.catalog.require(product_id)
    schema = store.catalog.schema(product.category)
    table = Table(title=f"{product.id}: {product.name} ({product.category})")
    table.add_column("attribute")
    table.add_column("value")
    table.add_column("note")
    for spec in schema.attributes:
        value = product.attributes.get(spec.name)
        note = "visual only: shown in the picture, never in tool text" if spec.visual_only else ""
        unit = f" {spec.unit}" if spec.unit and spec.type == "number" else ""
        table.add_row(spec.name, _fmt(value) + unit, note)
    console = _console()
    console.print(table)
    console.print(product.description)


@app.command()
def image(
    product_id: Annotated[str, typer.Argument(help="The product id, e.g. lap-001.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="PNG file to write (default: <id>.png).")] = None,
) -> None:
    """Render a product's picture to a PNG file."""

    data = default_store().image_png(product_id)
    target = out or Path(f"{product_id}.png")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise SalesSimError(f"cannot write {target}: {exc.strerror or exc}.") from None
    _console().print(f"wrote {escape(str(target))} ({len(data)} bytes)")


@app.command()
def categories() -> None:
    """List the product categories with their product counts and attributes."""

    store = default_store()
    table = Table(title="categories (* = visual only)")
    table.add_column("category", style="bold")
    table.add_column("products", justify="right")
    table.add_column("attributes")
    for name, schema in store.catalog.categories.items():
        attrs = ", ".join(a.name + ("*" if a.visual_only else "") for a in schema.attributes)
        table.add_row(name, str(len(store.catalog.products(name))), attrs)
    _console().print(table)


@app.command()
def validate(
    catalog_dir: Annotated[Path | None, typer.Option("--catalog-dir", help="Directory of catalog *.yaml files (default: built-in).")] = None,
    categories_dir: Annotated[Path | None, typer.Option("--categories-dir", help="Directory of category schema *.yaml files (default: built-in).")] = None,
) -> None:
    """Check a catalog against its category schemas; lists every problem (exit code 2) or prints OK."""

    catalog = load_catalog(catalog_dir, categories_dir)
    counts = ", ".join(f"{len(catalog.products(c))} {c}" for c in catalog.categories)
    _console().print(f"OK: {len(catalog)} products ({counts}); data hash {catalog.data_hash()}")
