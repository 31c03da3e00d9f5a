"""Checks of criteria against the category attribute schemas (beyond what pydantic can see).

Used for persona files and for the archetype pool alike: the attribute must exist in the category,
enum values must be allowed values, numbers must be numbers, booleans ``true``/``false``, and the
operator must make sense for the attribute's type.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from salessim.errors import DataError, pydantic_error_lines
from salessim.schema import CategorySchema

CATEGORIES_DIR = Path(__file__).resolve().parent.parent / "data" / "categories"

_OPS_BY_TYPE = {
    "number": ("<=", ">=", "<", ">", "==", "!="),
    "enum": ("==", "!=", "in", "not_in"),
    "bool": ("==", "!="),
    "text": ("==", "!=", "in", "not_in"),
}


@lru_cache(maxsize=4)
def _load_schemas(directory: str) -> dict[str, CategorySchema]:
    schemas: dict[str, CategorySchema] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataError(f"not valid YAML ({exc})", where=str(path)) from None
        try:
            schema = CategorySchema.model_validate(raw)
        except ValidationError as exc:
            raise DataError("; ".join(pydantic_error_lines(exc, str(path)))) from None
        schemas[schema.name] = schema
    return schemas


def load_category_schemas(directory: str | Path | None = None) -> dict[str, CategorySchema]:
    """The attribute schemas of all categories, by name (read from ``data/categories/*.yaml``)."""
    return dict(_load_schemas(str(directory or CATEGORIES_DIR)))


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def criterion_problems(schema: CategorySchema, attribute: str, op: str, value) -> list[tuple[str, str]]:
    """Problems of ``attribute op value`` in ``schema`` as ``(field, message)`` pairs.

    ``field`` is ``attribute``, ``op``, ``value`` or ``value.<i>`` (an element of a list value).
    An empty list means the criterion is well-formed for the category.
    """
    spec = schema.attribute(attribute)
    if spec is None:
        known = ", ".join(schema.attribute_names)
        return [("attribute", f"'{attribute}' is not an attribute of {schema.name} (known: {known})")]
    allowed_ops = _OPS_BY_TYPE[spec.type]
    if op not in allowed_ops:
        return [("op", f"'{op}' does not apply to the {spec.type} attribute '{attribute}'; use one of {', '.join(allowed_ops)}")]
    items = value if isinstance(value, list) else [value]
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        field = f"value.{i}" if isinstance(value, list) else "value"
        if spec.type == "number":
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                problems.append((field, f"{attribute} is a number ({spec.unit or 'no unit'}); got {_fmt(item)}"))
        elif spec.type == "bool":
            if not isinstance(item, bool):
                problems.append((field, f"{attribute} is true or false; got {_fmt(item)}"))
        elif spec.type == "enum":
            allowed = spec.values or []
            if not isinstance(item, str) or item.strip().lower() not in {a.lower() for a in allowed}:
                problems.append((field, f"{_fmt(item)} is not an allowed {attribute} of {schema.name} (allowed: {', '.join(allowed)})"))
        elif spec.type == "text":
            if not isinstance(item, str) or not item.strip():
                problems.append((field, f"{attribute} is text; got {_fmt(item)}"))
    return problems
