"""``salessim personas``: generate, list, show and validate persona files."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from salessim.errors import SalesSimError
from salessim.personas.generator import (
    check_parameters,
    generate_personas,
    load_catalog_products,
    resolve_categories,
    summarize,
)
from salessim.personas.labels import label_problems
from salessim.personas.library import (
    SPLITS,
    dump_personas,
    find_persona,
    load_archetypes,
    load_personas,
    load_surnames,
    save_personas,
    validate_persona_file,
)
from salessim.store import load_catalog

app = typer.Typer(help="Generate, list, show and validate persona files.", no_args_is_help=True)

_FILE_HELP = "Persona file (.jsonl, .yaml or .json). Default: the built-in benchmark."


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=160)
    return console


def _load(file: str | None):
    return load_personas(Path(file) if file else None)


@app.command()
def generate(
    n: int = typer.Option(400, "--n", help="Number of personas to generate."),
    seed: int = typer.Option(2026, "--seed", help="Random seed; the same seed gives the same file."),
    test_fraction: float = typer.Option(0.5, "--test-fraction", help="Share of personas in the test split (0..1)."),
    categories: str | None = typer.Option(
        None, "--categories", help="Comma-separated categories, e.g. laptops,headphones. Default: all."),
    infeasible_share: float = typer.Option(
        0.15, "--infeasible-share", help="Share of personas built so that no product meets their dealbreakers."),
    out: str | None = typer.Option(
        None, "--out", help="Output file (.jsonl, .yaml or .json). Default: JSONL on stdout."),
    no_phrasings: bool = typer.Option(False, "--no-phrasings", help="Leave the criteria phrasings empty."),
    archetypes_file: str | None = typer.Option(
        None, "--archetypes", help="Archetypes YAML file. Default: the built-in archetypes."),
) -> None:
    """Generate labelled, train/test-split personas from the archetypes and the built-in catalog."""


    check_parameters(n, test_fraction, infeasible_share)
    cats = [c.strip() for c in categories.split(",") if c.strip()] if categories is not None else None
    if categories is not None and not cats:
        raise SalesSimError("--categories is empty", hint="Give names such as laptops,headphones.")
    archetypes = load_archetypes(archetypes_file)
    surnames = load_surnames(archetypes_file)
    cats = resolve_categories(cats, archetypes)
    err = _console(stderr=True)
    info = err if out is None else _console()
    with Progress(TextColumn("generating personas"), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("generate", total=n)
        personas = generate_personas(
            n, seed, categories=cats, test_fraction=test_fraction, infeasible_share=infeasible_share,
            archetypes=archetypes, surnames=surnames, with_phrasings=not no_phrasings,
            progress=lambda done, total: bar.update(task, completed=done))
    if out is None:
        sys.stdout.write(dump_personas(personas))
        sys.stdout.flush()
    else:
        save_personas(personas, out)
    _print_summary(info, personas)
    if out is not None:
        info.print(f"wrote {len(personas)} personas to {escape(str(out))}")


def _print_summary(console: Console, personas) -> None:
    table = Table(title="Generated personas")
    for col in ("category", "total", "feasible", "infeasible", "test", "train"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for category, row in summarize(personas).items():
        table.add_row(category, *(str(row[k]) for k in ("total", "feasible", "infeasible", "test", "train")),
                      style="bold" if category == "all" else None)
    console.print(table)


@app.command("list")
def list_personas(
    file: str | None = typer.Option(None, "--file", "-f", help=_FILE_HELP),
    split: str | None = typer.Option(None, "--split", help="Only this split: train or test."),
    category: str | None = typer.Option(None, "--category", help="Only this category, e.g. laptops."),
    archetype: str | None = typer.Option(None, "--archetype", help="Only this archetype id, e.g. student."),
    limit: int = typer.Option(50, "--limit", help="Show at most this many rows (0 = all)."),
) -> None:
    """List personas as a table (id, split, archetype, name, knowledge, criteria, labels)."""

    if split is not None and split not in SPLITS:
        raise SalesSimError(f"unknown split '{split}'", hint=f"Use one of: {', '.join(SPLITS)}.")
    if limit < 0:
        raise SalesSimError(f"--limit must be >= 0, got {limit}")
    personas = _load(file)
    total = len(personas)
    if category is not None:
        known = sorted({p.category for p in personas})
        if category not in known:
            raise SalesSimError(f"no personas of category '{category}' in the file", hint=f"Categories there: {', '.join(known)}.")
        personas = [p for p in personas if p.category == category]
    if archetype is not None:
        known = sorted({p.archetype for p in personas})
        if archetype not in known:
            raise SalesSimError(f"no personas of archetype '{archetype}'", hint=f"Archetypes there: {', '.join(known)}.")
        personas = [p for p in personas if p.archetype == archetype]
    if split is not None:
        personas = [p for p in personas if p.split == split]
    shown = personas if limit == 0 else personas[:limit]
    table = Table(title=f"Personas ({file or 'built-in benchmark'})")
    table.add_column("id", no_wrap=True)
    for col in ("split", "archetype", "name", "age", "knowledge", "emotion"):
        table.add_column(col)
    for col in ("dealbr.", "prefs", "feasible", "ideal"):
        table.add_column(col, justify="right")
    for p in shown:
        feasible = "?" if p.feasible is None else ("yes" if p.feasible else "[red]no[/]")
        table.add_row(escape(p.id), p.split or "-", escape(p.archetype), escape(p.profile.name), str(p.profile.age),
                      p.profile.knowledge_level, escape(p.emotion), str(len(p.dealbreakers)),
                      str(len(p.preferences)), feasible, str(len(p.ideal_product_ids)))
    console = _console()
    console.print(table)
    console.print(f"showing {len(shown)} of {len(personas)} matching personas ({total} in the file)")


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@app.command()
def show(
    persona_id: str = typer.Argument(..., help="The persona id, e.g. lap-student-0007."),
    file: str | None = typer.Option(None, "--file", "-f", help=_FILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the persona as JSON instead."),
) -> None:
    """Show one persona in full: profile, traits, goal, criteria with phrasings, labels, ideal products."""

    persona = find_persona(_load(file), persona_id)
    if as_json:
        sys.stdout.write(persona.model_dump_json(indent=2) + "\n")
        return
    console = _console()
    pr = persona.profile
    console.print(f"[bold]{escape(persona.id)}[/]  ({escape(persona.category)}, archetype "
                  f"{escape(persona.archetype)}, split {persona.split or '-'})")
    console.print(f"[bold]{escape(pr.name)}[/], {pr.age}: {escape(pr.background)}")
    console.print(f"knowledge: {pr.knowledge_level}   speaking style: {escape(pr.speaking_style)}")
    console.print("big five: " + ", ".join(f"{t} {lvl}" for t, lvl in persona.big_five.model_dump().items()))
    console.print(f"emotion: {escape(persona.emotion)}")
    console.print(f"goal: {escape(persona.goal)}")
    if persona.uses:
        console.print("uses: " + escape("; ".join(persona.uses)))
    table = Table(title="Criteria")
    for col in ("#", "kind", "criterion", "weight", "phrasings"):
        table.add_column(col)
    for i, c in enumerate(persona.criteria):
        table.add_row(str(i), c.kind, escape(f"{c.attribute} {c.op} {_value(c.value)}"),
                      "-" if c.kind == "dealbreaker" else f"{c.weight:g}", escape("\n".join(c.phrasings)) or "-")
    console.print(table)
    if persona.feasible is None:
        console.print("labels: not computed")
        return
    console.print(f"feasible: {'yes' if persona.feasible else 'no (no product meets every dealbreaker)'}")
    if persona.ideal_product_ids:
        catalog = None
        try:
            catalog = load_catalog()
        except Exception:  # the listing still works with ids only
            catalog = None
        ideal = Table(title=f"Ideal products ({len(persona.ideal_product_ids)})")
        for col in ("id", "name", "price"):
            ideal.add_column(col)
        for pid in persona.ideal_product_ids:
            product = catalog.get(pid) if catalog is not None else None
            ideal.add_row(escape(pid), escape(product.name) if product else "?",
                          f"{product.price:g}" if product else "?")
        console.print(ideal)


@app.command()
def validate(
    file: str = typer.Argument(..., help="The persona file to check (.jsonl, .yaml or .json)."),
    check_labels: bool = typer.Option(
        False, "--check-labels", help="Also recompute feasible / ideal_product_ids against the built-in catalog."),
) -> None:
    """Check a persona file: lists every problem and exits with code 2, or prints 'OK: N personas'."""

    personas, problems = validate_persona_file(file)
    if check_labels and personas:
        categories = sorted({p.category for p in personas})
        try:
            products = load_catalog_products(categories)
        except (ImportError, OSError) as exc:  # a store that is not available is a user-facing problem here
            raise SalesSimError(f"cannot load the catalog to check labels ({exc})") from None
        problems += label_problems(personas, products, where=file)
    if problems:
        for line in problems:
            typer.echo(line)
        typer.echo(f"{len(problems)} problem(s) in {file}", err=True)
        # SystemExit rather than typer.Exit: under standalone_mode=False click turns typer.Exit into a
        # return value, which would lose the exit code
        raise SystemExit(2)
    typer.echo(f"OK: {len(personas)} personas")
