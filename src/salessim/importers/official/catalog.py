"""The public code's products file (``data/products/laptops.json``: ``{"laptop": [{name,
description, features[], weight, price}]}``) as typed SalesSim products.

Each product's attributes are read with :func:`salessim.nlu.specs.read_specs` from, in this order
of trust: its ``features`` list, its ``weight`` and ``price`` fields, its name and its description;
the first source that states an attribute wins. What no text states is inferred by the rules of
``data/importers/official.yaml`` (``catalog.infer``: the OS from the brand, "integrated" graphics
unless the name says gaming, no touch screen unless a text says so, a clamshell body unless a text
says 2-in-1 or detachable) or left out. The source of every value is recorded, and
:attr:`ImportedCatalog.coverage` counts per attribute how many products got it stated, inferred or
not at all: ``import_notes.json`` carries that report.

A product that lacks an attribute fails every criterion on it (the rule of
:mod:`salessim.constraints`), so a missing weight never passes a weight dealbreaker.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salessim.datafiles import load_yaml
from salessim.errors import DataError, SalesSimError
from salessim.nlu.lexicon import _data_dir, canonical_category, category_schema
from salessim.nlu.specs import read_specs
from salessim.schema import CategorySchema, Product

RULES_FILE = "importers/official.yaml"


@dataclass
class ImportedCatalog:
    """Products converted from a products file, with where each value came from."""

    category: str
    products: list[Product]
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> attribute -> source
    source_names: dict[str, str] = field(default_factory=dict)  # id -> name in the products file
    skipped_categories: list[str] = field(default_factory=list)

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Per attribute of the schema: products with it stated / inferred, and those without it."""
        schema = category_schema(self.category)
        report: dict[str, dict[str, Any]] = {}
        for spec in schema.attributes:
            stated = inferred = 0
            missing = []
            for p in self.products:
                how = self.sources.get(p.id, {}).get(spec.name)
                if how is None:
                    missing.append(p.id)
                elif how == "inferred":
                    inferred += 1
                else:
                    stated += 1
            report[spec.name] = {"stated": stated, "inferred": inferred, "missing": len(missing),
                                 "missing_products": missing}
        return report


def rules() -> dict[str, Any]:
    """The importer's data table (``data/importers/official.yaml``)."""
    return load_yaml(RULES_FILE)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def name_segments(name: str) -> list[str]:
    """The `` - ``-separated parts of a product name (``Brand - Model - CPU - Memory - ...``)."""
    return [s.strip() for s in re.split(r"\s+-\s+", name) if s.strip()]


def model_line(name: str, screen: float | None = None) -> str:
    """The model line of a product name: the part after the brand without sizes and generic words
    (``HP - ENVY x360 2-in-1 15.6" Touch-Screen Laptop - ...`` -> ``ENVY x360``)."""
    segs = name_segments(name)
    if len(segs) < 2:
        return ""
    generic = re.compile(rf"(?<![\w-])(?:{rules()['catalog']['generic_words']})(?![\w-])", re.I)
    core = generic.sub(" ", segs[1])
    core = re.sub(r"(?<![\w.])\d{1,2}(?:\.\d)?\s?(?:\"|”|''|-?inch(?:es)?\b)", " ", core)
    if screen is not None:
        core = re.sub(rf"(?<![\w.]){re.escape(f'{screen:g}')}(?![\w.])", " ", core)
    return " ".join(core.split())


def _brand(name: str, schema: CategorySchema) -> str | None:
    segs = name_segments(name)
    head = segs[0] if segs else name
    spec = schema.attribute("brand")
    for value in (spec.values or []) if spec else []:
        if head.strip().lower() == value.lower() or head.lower().startswith(value.lower() + " "):
            return value
    return None


def _infer(attr: str, name: str, brand: str | None) -> tuple[bool, Any]:
    """``(rule found, value)`` by the ``catalog.infer`` rules; a rule value of null means unknown."""
    for rule in rules()["catalog"]["infer"].get(attr, []):
        if "name" in rule and rule["name"].lower() not in name.lower():
            continue
        if "brand" in rule and rule["brand"] != brand:
            continue
        return True, rule.get("value")
    return False, None


def convert_product(raw: dict[str, Any], index: int, category: str, where: str) -> tuple[Product, dict[str, str]]:
    """One product of the products file -> (SalesSim product, attribute -> source)."""
    schema = category_schema(category)
    name = str(raw.get("name") or "").strip()
    if not name:
        raise DataError(f"product {index}: 'name' is missing or empty", where=where)
    features = raw.get("features") or []
    if isinstance(features, str):
        features = [features]
    texts = [("features", " | ".join(str(f) for f in features if f)),
             ("weight", str(raw.get("weight") or "")), ("price", str(raw.get("price") or "")),
             ("name", " | ".join(name_segments(name))), ("description", str(raw.get("description") or ""))]
    attributes: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, text in texts:
        for attr, spec in read_specs(text, category).items():
            if attr not in attributes:
                attributes[attr] = spec.value
                sources[attr] = source
    brand = _brand(name, schema)
    if brand is not None:
        attributes["brand"], sources["brand"] = brand, "name"
    line = model_line(name, attributes.get("screen_in"))
    if line and schema.attribute("line") is not None:
        attributes["line"], sources["line"] = line, "name"
    for spec in schema.attributes:
        if spec.name in attributes:
            continue
        found, value = _infer(spec.name, name, attributes.get("brand"))
        if found and value is not None:
            attributes[spec.name], sources[spec.name] = value, "inferred"
    if "price" not in attributes:
        raise DataError(f"product {index} ({name}): no price could be read from {raw.get('price')!r}", where=where,
                        hint="Every product needs a price such as \"$799.99\".")
    order = {n: i for i, n in enumerate(schema.attribute_names)}
    attributes = dict(sorted(attributes.items(), key=lambda kv: order.get(kv[0], 99)))
    pid = f"off:{index + 1:02d}-{_slug(' '.join(x for x in (brand, line) if x) or name_segments(name)[0])}"
    product = Product(id=pid, category=schema.name, name=name,
                      description=str(raw.get("description") or name).strip() or name, attributes=attributes)
    return product, sources


def load_official_catalog(path: str | Path) -> ImportedCatalog:
    """Convert the products file ``path`` (see the module docstring). Categories SalesSim has no
    schema for are skipped and listed; a file with none of SalesSim's categories is an error."""
    path = Path(path)
    if not path.is_file():
        raise SalesSimError("products file not found", where=str(path),
                            hint="Pass the public code's data/products/laptops.json with --catalog.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"not valid JSON ({exc})", where=str(path)) from None
    if isinstance(data, list):
        data = {"laptop": data}
    if not isinstance(data, dict) or not data:
        raise DataError("expected an object mapping a category to a list of products, e.g. {\"laptop\": [...]}",
                        where=str(path))
    converted: ImportedCatalog | None = None
    skipped: list[str] = []
    for key, items in data.items():
        try:
            category = category_schema(canonical_category(str(key))).name
        except SalesSimError:
            skipped.append(str(key))
            continue
        if not isinstance(items, list) or not items:
            raise DataError(f"'{key}' must be a non-empty list of products", where=str(path))
        if converted is not None:
            skipped.append(str(key))
            continue
        converted = ImportedCatalog(category=category, products=[])
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                raise DataError(f"'{key}' item {i}: expected an object with name, description, features, price",
                                where=str(path))
            product, sources = convert_product(raw, i, category, str(path))
            converted.products.append(product)
            converted.sources[product.id] = sources
            converted.source_names[product.id] = product.name
    if converted is None:
        known = sorted(p.name[:-5] for p in (_data_dir() / "categories").iterdir() if p.name.endswith(".yaml"))
        raise DataError(f"none of its categories ({', '.join(map(str, data))}) has a SalesSim schema", where=str(path),
                        hint=f"SalesSim has: {', '.join(known)}.")
    converted.skipped_categories = skipped
    return converted
