"""The persona library: archetypes, persona files (JSONL or YAML) and their validation.

Persona files hold one :class:`~salessim.schema.Persona` per line (``.jsonl``) or per list entry
(``.yaml``/``.yml``; a ``.json`` file holds a JSON array). Validation goes beyond pydantic: the
category must be known, criteria must name attributes of the category, enum values must be allowed,
numbers numeric, ids unique, and the labels consistent. Problems read
``FILE: persona ID: criteria.2.op: what is wrong``.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from salessim.errors import DataError, SalesSimError, pydantic_error_lines
from salessim.personas.archetype import Archetype, ArchetypeFile
from salessim.personas.checks import criterion_problems, load_category_schemas
from salessim.schema import CategorySchema, Persona

PERSONA_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "personas"
DEFAULT_ARCHETYPES_PATH = PERSONA_DATA_DIR / "archetypes.yaml"
DEFAULT_BENCHMARK_PATH = PERSONA_DATA_DIR / "benchmark.jsonl"
SPLITS = ("train", "test")
_MAX_PROBLEMS_IN_ERROR = 5


# ------------------------------------------------------------------------------------ archetypes


def _raise_problems(problems: list[str], path: Path | str, command_hint: str | None = None) -> None:
    shown = "; ".join(problems[:_MAX_PROBLEMS_IN_ERROR])
    more = len(problems) - _MAX_PROBLEMS_IN_ERROR
    if more > 0:
        shown += f"; and {more} more problem(s)"
    err = DataError(shown, hint=command_hint)
    err.problems = list(problems)  # type: ignore[attr-defined]
    err.path = str(path)  # type: ignore[attr-defined]
    raise err


def archetype_problems(data: ArchetypeFile, path: str, schemas: dict[str, CategorySchema] | None = None) -> list[str]:
    """Problems of a parsed archetypes file that pydantic cannot see (category, attributes, values)."""
    schemas = schemas if schemas is not None else load_category_schemas()
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, arch in enumerate(data.archetypes):
        prefix = f"{path}: archetype {arch.id}"
        if arch.id in seen:
            problems.append(f"{prefix}: id: duplicate archetype id (also archetypes.{seen[arch.id]})")
        seen.setdefault(arch.id, index)
        schema = schemas.get(arch.category)
        if schema is None:
            problems.append(f"{prefix}: category: unknown category '{arch.category}' (known: {', '.join(sorted(schemas))})")
            continue
        for ci, tmpl in enumerate(arch.criteria):
            for vi, value in enumerate(tmpl.values):
                for field, msg in criterion_problems(schema, tmpl.attribute, tmpl.op, value):
                    if field == "attribute" or field == "op":
                        loc = f"criteria.{ci}.{field}"
                    else:
                        loc = f"criteria.{ci}.values.{vi}" + field[len("value"):]
                    line = f"{prefix}: {loc}: {msg}"
                    if line not in problems:
                        problems.append(line)
    return problems


def load_archetypes(path: str | Path | None = None, *, category: str | None = None) -> list[Archetype]:
    """Load and validate the archetypes file (default: the built-in ``archetypes.yaml``).

    Raises :class:`~salessim.errors.DataError` naming the file, archetype id and field of each problem.
    ``category`` keeps only that category's archetypes.
    """
    path = Path(path) if path is not None else DEFAULT_ARCHETYPES_PATH
    if not path.is_file():
        raise DataError("archetypes file not found", where=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML ({' '.join(str(exc).split())})", where=str(path)) from None
    if not isinstance(raw, dict):
        raise DataError("expected a mapping with 'surnames' and 'archetypes'", where=str(path))
    try:
        data = ArchetypeFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        items = raw.get("archetypes") if isinstance(raw.get("archetypes"), list) else []
        for err in exc.errors():
            loc = list(err.get("loc", ()))
            prefix = str(path)
            if len(loc) >= 2 and loc[0] == "archetypes" and isinstance(loc[1], int):
                item = items[loc[1]] if loc[1] < len(items) else None
                aid = item.get("id") if isinstance(item, dict) and item.get("id") else f"#{loc[1]}"
                prefix = f"{path}: archetype {aid}"
                loc = loc[2:]
            field = ".".join(str(p) for p in loc) or "<root>"
            problems.append(f"{prefix}: {field}: {err.get('msg', 'invalid')}")
        _raise_problems(problems, path)
    problems = archetype_problems(data, str(path))
    if problems:
        _raise_problems(problems, path)
    archetypes = data.archetypes
    if category is not None:
        archetypes = [a for a in archetypes if a.category == category]
    return archetypes


def load_surnames(path: str | Path | None = None) -> list[str]:
    """The shared surname pool of the archetypes file."""
    path = Path(path) if path is not None else DEFAULT_ARCHETYPES_PATH
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(ArchetypeFile.model_validate(raw).surnames)


# ---------------------------------------------------------------------------------- persona files


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    return "jsonl"


class _Unreadable:
    """A place in a persona file that could not be parsed (kept in order with the entries)."""

    def __init__(self, problem: str):
        self.problem = problem


def _read_entries(path: Path) -> tuple[list[tuple[str, Any]], list[str]]:
    """Raw entries as ``(where, data)`` pairs plus whole-file problems. ``where`` is e.g. ``line 3``;
    a JSONL line that is not JSON comes back in place as an :class:`_Unreadable` entry."""
    if not path.is_file():
        raise DataError("persona file not found", where=str(path),
                        hint="Check the path, or generate one with `salessim personas generate --out FILE`.")
    text = path.read_text(encoding="utf-8")
    fmt = _file_format(path)
    entries: list[tuple[str, Any]] = []
    problems: list[str] = []
    if fmt == "jsonl":
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entries.append((f"line {lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                entries.append((f"line {lineno}", _Unreadable(
                    f"{path}: line {lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    "each line must be one persona object")))
        return entries, problems
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if fmt == "json" else "YAML"
        return [], [f"{path}: not valid {kind} ({' '.join(str(exc).split())})"]
    if isinstance(data, dict) and isinstance(data.get("personas"), list):
        data = data["personas"]
    if data is None:
        data = []
    if not isinstance(data, list):
        return [], [f"{path}: expected a list of personas (one entry per persona)"]
    return [(f"entry {i}", item) for i, item in enumerate(data)], problems


def persona_problems(persona: Persona, prefix: str, schemas: dict[str, CategorySchema]) -> list[str]:
    """Problems of one parsed persona beyond pydantic, each as ``PREFIX: field: message``."""
    problems: list[str] = []
    schema = schemas.get(persona.category)
    if schema is None:
        problems.append(f"{prefix}: category: unknown category '{persona.category}' (known: {', '.join(sorted(schemas))})")
    if not persona.criteria:
        problems.append(f"{prefix}: criteria: a persona needs at least one criterion")
    if schema is not None:
        for i, crit in enumerate(persona.criteria):
            for field, msg in criterion_problems(schema, crit.attribute, crit.op, crit.value):
                problems.append(f"{prefix}: criteria.{i}.{field}: {msg}")
    if persona.feasible is False and persona.ideal_product_ids:
        problems.append(f"{prefix}: ideal_product_ids: an infeasible persona has no ideal products (found {len(persona.ideal_product_ids)})")
    if persona.feasible is True and not persona.ideal_product_ids:
        problems.append(f"{prefix}: ideal_product_ids: a feasible persona needs at least one ideal product")
    return problems


def check_persona_entries(entries: Sequence[tuple[str, Any]], path: str | Path,
                          schemas: dict[str, CategorySchema] | None = None) -> tuple[list[Persona], list[str]]:
    """Validate raw entries (``(where, data)`` pairs) of a persona file: personas and problems."""
    schemas = schemas if schemas is not None else load_category_schemas()
    personas: list[Persona] = []
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    for where, data in entries:
        if isinstance(data, _Unreadable):
            problems.append(data.problem)
            continue
        pid = data.get("id") if isinstance(data, dict) else None
        label = f"persona {pid}" if isinstance(pid, str) and pid else f"persona at {where}"
        prefix = f"{path}: {label}"
        if not isinstance(data, dict):
            problems.append(f"{path}: {where}: expected a persona object, got {type(data).__name__}")
            continue
        if isinstance(pid, str) and pid:
            if pid in first_seen:
                problems.append(f"{prefix}: id: duplicate id (first at {first_seen[pid]})")
            else:
                first_seen[pid] = where
        try:
            persona = Persona.model_validate(data)
        except ValidationError as exc:
            problems.extend(pydantic_error_lines(exc, prefix))
            continue
        problems.extend(persona_problems(persona, prefix, schemas))
        personas.append(persona)
    return personas, problems


def validate_persona_file(path: str | Path) -> tuple[list[Persona], list[str]]:
    """Read a persona file and return ``(valid personas, problems)``; never raises for bad content."""
    path = Path(path)
    entries, problems = _read_entries(path)
    personas, more = check_persona_entries(entries, path)
    problems = problems + more
    if not entries and not problems:
        problems.append(f"{path}: the file holds no personas")
    return personas, problems


def read_persona_file(path: str | Path) -> list[Persona]:
    """Read and validate a persona file; raises :class:`DataError` listing the problems."""
    personas, problems = validate_persona_file(path)
    if problems:
        _raise_problems(problems, path, f"Run `salessim personas validate {path}` to see all problems.")
    return personas


def read_imported_personas(path: str | Path) -> list[Persona]:
    """Read a persona file of an imported run (``personas.jsonl``): pydantic validation only, for
    imported personas may have no criterion and carry no labels, which the benchmark's persona
    checks would refuse."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                out.append(Persona.model_validate_json(line))
            except ValidationError as exc:
                raise DataError(f"line {n}: not a valid persona ({str(exc).splitlines()[0]})", where=str(path)) from None
    return out


def default_personas_path() -> Path:
    """The path of the frozen default benchmark file (``data/personas/benchmark.jsonl``)."""
    return DEFAULT_BENCHMARK_PATH


def load_personas(path: str | Path | None = None, split: str | None = None) -> list[Persona]:
    """Personas of a file (default: the frozen benchmark), optionally only one split (train/test)."""
    if split is not None and split not in SPLITS:
        raise SalesSimError(f"unknown split '{split}'", hint=f"Use one of: {', '.join(SPLITS)}.")
    personas = read_persona_file(path if path is not None else DEFAULT_BENCHMARK_PATH)
    if split is not None:
        personas = [p for p in personas if p.split == split]
    return personas


def find_persona(personas: Iterable[Persona], persona_id: str) -> Persona:
    """The persona with ``persona_id``; a :class:`SalesSimError` with close matches if there is none."""
    personas = list(personas)
    for p in personas:
        if p.id == persona_id:
            return p
    close = difflib.get_close_matches(persona_id, [p.id for p in personas], n=3)
    hint = f"Did you mean: {', '.join(close)}?" if close else "List ids with `salessim personas list`."
    raise SalesSimError(f"no persona with id '{persona_id}'", hint=hint)


def load_persona(persona_id: str, path: str | Path | None = None) -> Persona:
    """One persona of a file (default: the frozen benchmark) by id."""
    return find_persona(load_personas(path), persona_id)


def dump_personas(personas: Iterable[Persona], fmt: str = "jsonl") -> str:
    """Serialise personas as JSONL (one per line) or YAML (a list)."""
    rows = [p.model_dump(mode="json") for p in personas]
    if fmt == "yaml":
        return yaml.safe_dump(rows, sort_keys=False, allow_unicode=True, width=110)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def save_personas(personas: Iterable[Persona], path: str | Path) -> Path:
    """Write personas to ``path`` (format from the suffix: .jsonl, .yaml/.yml, .json), atomically."""
    path = Path(path)
    personas = list(personas)
    ids = [p.id for p in personas]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise DataError(f"duplicate persona ids: {', '.join(dupes[:5])}", where=str(path))
    text = dump_personas(personas, _file_format(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
