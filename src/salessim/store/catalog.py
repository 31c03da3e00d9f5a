"""Load and validate the category schemas and the product catalog.

The built-in data lives in ``salessim/data/categories/*.yaml`` (one attribute schema per category) and
``salessim/data/catalog/*.yaml`` (a list of products per file). Loading checks every product against
its category schema and reports *all* problems at once, one line each, as
``file: product id: field: what is wrong``.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from salessim.datafiles import yaml_problem
from salessim.errors import DataError, SalesSimError, pydantic_error_lines
from salessim.schema import AttributeSpec, AttrValue, CategorySchema, Product

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATEGORIES_DIR = DATA_DIR / "categories"
CATALOG_DIR = DATA_DIR / "catalog"

MAX_LISTED_PROBLEMS = 8

try:  # the C loader is several times faster on the ~170 products
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pyyaml without libyaml
    _Loader = yaml.SafeLoader


def _yaml_files(directory: Path, what: str) -> list[Path]:
    if not directory.is_dir():
        raise DataError(f"{what} directory not found: {directory}.",
                        hint="Pass an existing directory holding *.yaml files.")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise DataError(f"no *.yaml files in the {what} directory {directory}")
    return files


def _read_yaml(path: Path) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    try:
        return yaml.load(raw, Loader=_Loader), raw
    except yaml.YAMLError as exc:
        raise DataError(f"{path.name}: not valid YAML ({yaml_problem(exc)})") from None


def _raise_problems(problems: list[str], what: str) -> None:
    shown = problems[:MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f"; ... and {more} more" if more > 0 else ""
    raise DataError(f"{len(problems)} problem(s) in the {what}: " + "; ".join(shown) + tail)


def load_categories(dir: str | Path | None = None) -> dict[str, CategorySchema]:  # noqa: A002 - public name
    """Load every category attribute schema (``*.yaml``) of ``dir`` (default: the built-in ones).

    Returns a dict from category name to :class:`CategorySchema`, sorted by name. Raises
    :class:`DataError` naming the file and field when a schema is malformed.
    """
    directory = Path(dir) if dir is not None else CATEGORIES_DIR
    schemas, _ = _load_categories(directory)
    return schemas


def _load_categories(directory: Path) -> tuple[dict[str, CategorySchema], list[bytes]]:
    schemas: dict[str, CategorySchema] = {}
    raws: list[bytes] = []
    problems: list[str] = []
    for path in _yaml_files(directory, "categories"):
        data, raw = _read_yaml(path)
        raws.append(path.name.encode() + b"\0" + raw)
        if not isinstance(data, dict):
            problems.append(f"{path.name}: expected a mapping with name, display_name, singular, attributes")
            continue
        try:
            schema = CategorySchema.model_validate(data)
        except ValidationError as exc:
            problems.extend(pydantic_error_lines(exc, path.name))
            continue
        problems.extend(_schema_problems(schema, path.name))
        if schema.name in schemas:
            problems.append(f"{path.name}: name: category '{schema.name}' is defined twice")
        schemas[schema.name] = schema
    if problems:
        _raise_problems(problems, "category schemas")
    return dict(sorted(schemas.items())), raws


def _schema_problems(schema: CategorySchema, fname: str) -> list[str]:
    problems = []
    seen = set()
    for spec in schema.attributes:
        if spec.name in seen:
            problems.append(f"{fname}: attributes: '{spec.name}' is listed twice")
        seen.add(spec.name)
        if spec.type == "enum" and not spec.values:
            problems.append(f"{fname}: {spec.name}: an enum attribute needs a list of 'values'")
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            problems.append(f"{fname}: {spec.name}: min {spec.min:g} is above max {spec.max:g}")
    if "price" not in seen:
        problems.append(f"{fname}: attributes: every category needs a 'price' attribute")
    return problems


def check_value(spec: AttributeSpec, value: Any) -> str | None:
    """Why ``value`` is not a valid value of attribute ``spec``, or None when it is valid."""
    if spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected a number, got {value!r}"
        if spec.min is not None and value < spec.min:
            return f"{value:g} is below the minimum {spec.min:g}"
        if spec.max is not None and value > spec.max:
            return f"{value:g} is above the maximum {spec.max:g}"
        return None
    if spec.type == "bool":
        if not isinstance(value, bool):
            return f"expected true or false, got {value!r}"
        return None
    if spec.type == "enum":
        allowed = spec.values or []
        if not isinstance(value, str) or value not in allowed:
            return f"expected one of {allowed}, got {value!r}"
        return None
    if not isinstance(value, str) or not value.strip():
        return f"expected a non-empty text, got {value!r}"
    return None


def _product_problems(product: Product, schema: CategorySchema, prefix: str) -> list[str]:
    problems = []
    for spec in schema.attributes:
        if spec.name not in product.attributes:
            problems.append(f"{prefix}: {spec.name}: missing (every {schema.name} product needs it)")
            continue
        why = check_value(spec, product.attributes[spec.name])
        if why:
            problems.append(f"{prefix}: {spec.name}: {why}")
    for name in product.attributes:
        if schema.attribute(name) is None:
            problems.append(f"{prefix}: {name}: unknown attribute (the {schema.name} schema has: "
                            f"{', '.join(schema.attribute_names)})")
    if not product.name.strip():
        problems.append(f"{prefix}: name: must not be empty")
    if not product.description.strip():
        problems.append(f"{prefix}: description: must not be empty")
    return problems


class Catalog:
    """The products of the store with their category schemas.

    ``categories`` maps category name to schema. Products keep their file order. ``get`` follows the
    dict convention (None for an unknown id); ``require`` raises a :class:`SalesSimError` instead.
    """

    def __init__(self, categories: dict[str, CategorySchema], products: list[Product], data_hash: str = ""):
        self.categories: dict[str, CategorySchema] = dict(categories)
        self._products = list(products)
        self._by_id = {p.id: p for p in self._products}
        self._by_category: dict[str, list[Product]] = {name: [] for name in self.categories}
        for p in self._products:
            self._by_category.setdefault(p.category, []).append(p)
        self._hash = data_hash or _hash_products(self._products)

    def schema(self, category: str) -> CategorySchema:
        """The attribute schema of ``category``; a :class:`SalesSimError` names the known ones."""
        try:
            return self.categories[category]
        except KeyError:
            raise SalesSimError(f"unknown category '{category}'.",
                                hint=f"Known categories: {', '.join(self.categories)}.") from None

    def products(self, category: str | None = None) -> list[Product]:
        """All products, or those of one ``category`` (an unknown category raises)."""
        if category is None:
            return list(self._products)
        self.schema(category)
        return list(self._by_category.get(category, []))

    def get(self, product_id: str) -> Product | None:
        """The product with this id, or None."""
        return self._by_id.get(product_id)

    def require(self, product_id: str) -> Product:
        """The product with this id; a :class:`SalesSimError` (with close matches) when unknown."""
        product = self._by_id.get(product_id)
        if product is None:
            close = difflib.get_close_matches(str(product_id), list(self._by_id), n=3, cutoff=0.6)
            hint = f"Did you mean {', '.join(close)}?" if close else "Search the catalog to find valid ids."
            raise SalesSimError(f"unknown product id '{product_id}'.", hint=hint)
        return product

    def data_hash(self) -> str:
        """A short sha256 of the data files the catalog was loaded from (changes when they change)."""
        return self._hash

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._by_id

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products)

    def __len__(self) -> int:
        return len(self._products)

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}={len(self._by_category.get(c, []))}" for c in self.categories)
        return f"Catalog({counts}, hash={self._hash})"


def _hash_products(products: list[Product]) -> str:
    digest = hashlib.sha256()
    for p in products:
        digest.update(p.model_dump_json().encode())
    return digest.hexdigest()[:16]


def load_catalog(catalog_dir: str | Path | None = None, categories_dir: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (default: the built-in one).

    Every product must belong to a known category, carry every attribute of that category's schema
    with a value of the right type and range, and have a unique id. All problems are collected and
    raised together as one :class:`DataError` (``file: product id: field: what is wrong``).
    """
    cat_dir = Path(categories_dir) if categories_dir is not None else CATEGORIES_DIR
    prod_dir = Path(catalog_dir) if catalog_dir is not None else CATALOG_DIR
    schemas, schema_raws = _load_categories(cat_dir)
    digest = hashlib.sha256()
    for raw in schema_raws:
        digest.update(raw)
    products: list[Product] = []
    where_defined: dict[str, str] = {}
    problems: list[str] = []
    for path in _yaml_files(prod_dir, "catalog"):
        data, raw = _read_yaml(path)
        digest.update(path.name.encode() + b"\0" + raw)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(f"{path.name}: expected a list of products, got {type(data).__name__}")
            continue
        for index, item in enumerate(data):
            label = item.get("id") if isinstance(item, dict) and item.get("id") else f"item {index + 1}"
            prefix = f"{path.name}: {label}"
            if not isinstance(item, dict):
                problems.append(f"{prefix}: expected a mapping with id, category, name, description, attributes")
                continue
            try:
                product = Product.model_validate(item)
            except ValidationError as exc:
                problems.extend(_product_validation_lines(exc, prefix))
                continue
            schema = schemas.get(product.category)
            if schema is None:
                problems.append(f"{prefix}: category: unknown category '{product.category}' "
                                f"(known: {', '.join(schemas)})")
                continue
            if product.id in where_defined:
                problems.append(f"{prefix}: id: duplicate id (also in {where_defined[product.id]})")
                continue
            where_defined[product.id] = path.name
            item_problems = _product_problems(product, schema, prefix)
            problems.extend(item_problems)
            if not item_problems:
                products.append(product)
    if problems:
        _raise_problems(problems, "catalog")
    return Catalog(schemas, products, data_hash=digest.hexdigest()[:16])


def load_product_file(path: str | Path, categories_dir: str | Path | None = None) -> Catalog:
    """A catalog of the products listed in one YAML file (an imported store, such as the
    ``catalog.yaml`` of ``salessim import-official --catalog``), with the built-in category schemas.

    Unlike :func:`load_catalog`, a product may lack attributes (what its source did not state);
    the attributes it has must have a valid value, and unknown attribute names are errors. A
    product lacking an attribute fails every criterion on it (:func:`salessim.constraints.satisfies`).
    """
    path = Path(path)
    cat_dir = Path(categories_dir) if categories_dir is not None else CATEGORIES_DIR
    schemas, _ = _load_categories(cat_dir)
    if not path.is_file():
        raise DataError(f"product file not found: {path}", hint="Re-run the import that wrote it.")
    data, raw = _read_yaml(path)
    if not isinstance(data, list) or not data:
        raise DataError(f"{path.name}: expected a non-empty list of products")
    products: list[Product] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        label = item.get("id") if isinstance(item, dict) and item.get("id") else f"item {index + 1}"
        prefix = f"{path.name}: {label}"
        try:
            product = Product.model_validate(item)
        except ValidationError as exc:
            problems.extend(_product_validation_lines(exc, prefix))
            continue
        schema = schemas.get(product.category)
        if schema is None:
            problems.append(f"{prefix}: category: unknown category '{product.category}' (known: {', '.join(schemas)})")
            continue
        if product.id in seen:
            problems.append(f"{prefix}: id: duplicate id")
            continue
        seen.add(product.id)
        item_problems = [p for p in _product_problems(product, schema, prefix) if not p.endswith(
            f"missing (every {schema.name} product needs it)")]
        problems.extend(item_problems)
        if not item_problems:
            products.append(product)
    if problems:
        _raise_problems(problems, f"product file {path.name}")
    return Catalog(schemas, products, data_hash=hashlib.sha256(raw).hexdigest()[:16])


def _product_validation_lines(exc: ValidationError, prefix: str) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        # attributes.<name>.<union branch>: report the attribute name once, with a clear message
        if len(loc) >= 2 and loc[0] == "attributes":
            lines.append(f"{prefix}: {loc[1]}: expected a number, true/false or text, "
                         f"got {err.get('input')!r}")
            continue
        msg = err.get("msg", "invalid")
        if err.get("type") == "missing":
            msg = "missing"
        lines.append(f"{prefix}: {'.'.join(loc) or '<root>'}: {msg}")
    # a union failure yields one error per branch: keep each line once
    return list(dict.fromkeys(lines))


def attribute_is_visual(schema: CategorySchema, name: str) -> bool:
    """True when ``name`` is a visual-only attribute of ``schema``."""
    spec = schema.attribute(name)
    return bool(spec and spec.visual_only)


def text_attributes(product: Product, schema: CategorySchema) -> dict[str, AttrValue]:
    """The product's attributes that may appear in text (visual-only ones removed), in schema order."""
    return {spec.name: product.attributes[spec.name] for spec in schema.attributes
            if not spec.visual_only and spec.name in product.attributes}
