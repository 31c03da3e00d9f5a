"""Product search: BM25 over a product's text plus structured attribute filters, per category.

The searchable text of a product is its name, description and its *textual* attributes (enum and
text values, numbers with units, and the words of true booleans); visual-only attributes are never
indexed, so colour cannot be found by searching.

Filters are a dict:

- ``"<attr>": value`` or ``"<attr>": [values]`` -- equality / membership, for enum, bool, text and
  number attributes (enum and text compare case-insensitively);
- ``"min_<attr>": x`` / ``"max_<attr>": x`` -- inclusive bounds for number attributes
  (``max_price``, ``min_ram_gb``...).

An unknown key, a value of the wrong type, or a filter on a visual-only attribute raises
:class:`FilterError` whose message says what is allowed. Ranking: with an empty query, every product
that passes the filters, by price then id; with a query, the products sharing words with it by BM25
score (then price, then id); when no product shares a word with the query, the filter matches by price,
with ``query_matched=False``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from salessim.errors import SalesSimError
from salessim.schema import AttributeSpec, CategorySchema, Product
from salessim.store.catalog import Catalog
from salessim.store.text_index import Bm25Index, tokenize

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class FilterError(SalesSimError):
    """A search filter that names an unknown attribute or has a value of the wrong type."""

    def __init__(self, message: str, *, hint: str | None = None):
        if hint and not message.endswith((".", "?", "!")):
            message += "."
        super().__init__(message, hint=hint)


@dataclass(frozen=True)
class Filter:
    """One normalised filter: ``kind`` is ``in`` (membership), ``min`` or ``max``."""

    attribute: str
    kind: str
    values: tuple[Any, ...]

    def key(self) -> str:
        """The filter key as the caller writes it (``max_price``, ``os``...)."""
        return self.attribute if self.kind == "in" else f"{self.kind}_{self.attribute}"

    def value(self) -> Any:
        """The filter value as the caller writes it (a single value or a list)."""
        return self.values[0] if len(self.values) == 1 else list(self.values)

    def accepts(self, product: Product) -> bool:
        """True when ``product`` passes this filter."""
        actual = product.attributes.get(self.attribute)
        if actual is None:
            return False
        if self.kind == "min":
            return float(actual) >= self.values[0] - 1e-9
        if self.kind == "max":
            return float(actual) <= self.values[0] + 1e-9
        if isinstance(actual, bool):
            return actual in self.values
        if isinstance(actual, (int, float)):
            return any(abs(float(actual) - v) < 1e-9 for v in self.values)
        return str(actual).strip().lower() in {str(v).lower() for v in self.values}


@dataclass
class SearchHit:
    """A product found by a search with its BM25 score (0 for filter-only searches)."""

    product: Product
    score: float = 0.0


@dataclass
class SearchResult:
    """Ranked hits (after ``limit``), how many products matched in all, and the normalised filters."""

    hits: list[SearchHit]
    total: int
    filters: dict[str, Any] = field(default_factory=dict)
    query_matched: bool | None = None  # None: no query words; False: no product shared a query word

    @property
    def products(self) -> list[Product]:
        """The products of the hits, in rank order."""
        return [h.product for h in self.hits]


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool):
        raise FilterError(f"filter '{key}': expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").lstrip("$").strip()
        try:
            return float(cleaned)
        except ValueError:
            pass
    raise FilterError(f"filter '{key}': expected a number, got {value!r}",
                      hint=f"Write e.g. {{\"{key}\": 800}}.")


def _boolean(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FilterError(f"filter '{key}': expected true or false, got {value!r}")


def filter_keys(schema: CategorySchema) -> list[str]:
    """Every valid filter key of a category, in schema order."""
    keys = []
    for spec in schema.attributes:
        if spec.visual_only:
            continue
        if spec.type == "number":
            keys += [f"min_{spec.name}", f"max_{spec.name}"]
        keys.append(spec.name)
    return keys


def _spec_for_key(schema: CategorySchema, key: str) -> tuple[AttributeSpec, str]:
    spec = schema.attribute(key)
    if spec is not None and not spec.visual_only:
        return spec, "in"
    for prefix in ("min_", "max_"):
        if key.startswith(prefix):
            spec = schema.attribute(key[len(prefix):])
            if spec is not None:
                if spec.visual_only:
                    break
                if spec.type != "number":
                    raise FilterError(
                        f"filter '{key}': '{spec.name}' is not a number, so it has no {prefix[:-1]}imum",
                        hint=f"Use {{\"{spec.name}\": value}} or a list of values instead.")
                return spec, prefix[:-1]
    # a visual-only attribute (or one of its synonyms, e.g. colour for color)
    for s in schema.attributes:
        names = {s.name, *(w.lower() for w in s.synonyms)}
        bare = key[4:] if key.startswith(("min_", "max_")) else key
        if s.visual_only and bare.lower() in names:
            raise FilterError(
                f"filter '{key}': '{s.name}' is shown only in product pictures, so it cannot be searched "
                "or filtered", hint="Leave it out; the shopper can see it by viewing a product.")
    valid = filter_keys(schema)
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
    for s in schema.attributes:  # words shoppers use for an attribute (ram -> ram_gb)
        if not s.visual_only and key.lower() in [w.lower() for w in s.synonyms]:
            close = list(dict.fromkeys([*close, *([f"min_{s.name}", f"max_{s.name}"] if s.type == "number" else []),
                                        s.name]))[:4]
    hint = f"Did you mean {', '.join(close)}? " if close else ""
    raise FilterError(f"unknown filter '{key}' for {schema.name}",
                      hint=f"{hint}Valid filters: {', '.join(valid)}.")


def parse_filters(schema: CategorySchema, filters: dict[str, Any] | None) -> list[Filter]:
    """Validate and normalise a filter dict for ``schema`` (see the module docstring)."""
    if filters is None:
        return []
    if not isinstance(filters, dict):
        raise FilterError(f"filters must be an object mapping filter names to values, got {type(filters).__name__}",
                          hint='For example {"max_price": 800, "os": "Windows"}.')
    parsed: list[Filter] = []
    for raw_key, value in filters.items():
        key = str(raw_key).strip()
        if key == "category":
            if str(value).strip().lower() == schema.name:
                continue  # harmless: the category is fixed already
            raise FilterError(f"filter 'category': this search covers {schema.name} only, got {value!r}")
        spec, kind = _spec_for_key(schema, key)
        if value is None or value == [] or value == "":
            raise FilterError(f"filter '{key}': give a value (or leave the filter out)")
        if kind in ("min", "max"):
            if isinstance(value, list):
                raise FilterError(f"filter '{key}': expected one number, got a list")
            bound = _number(value, key)
            parsed.append(Filter(spec.name, kind, (bound,)))
            continue
        items = value if isinstance(value, list) else [value]
        parsed.append(Filter(spec.name, "in", tuple(_member(spec, v, key) for v in items)))
    return parsed


def _member(spec: AttributeSpec, value: Any, key: str) -> Any:
    if spec.type == "bool":
        return _boolean(value, key)
    if spec.type == "number":
        return _number(value, key)
    if isinstance(value, (dict, list)) or isinstance(value, bool) or value is None:
        raise FilterError(f"filter '{key}': expected text, got {value!r}")
    text = str(value).strip()
    if spec.type == "enum":
        allowed = spec.values or []
        for option in allowed:
            if option.lower() == text.lower():
                return option
        raise FilterError(f"filter '{key}': {text!r} is not one of the allowed values",
                          hint=f"Allowed values: {', '.join(allowed)}.")
    return text


def searchable_text(product: Product, schema: CategorySchema) -> str:
    """The text BM25 indexes for a product: name, description and non-visual attribute values."""
    parts = [product.name, product.description]
    for spec in schema.attributes:
        if spec.visual_only or spec.name not in product.attributes:
            continue
        value = product.attributes[spec.name]
        if spec.type == "bool":
            if value is True:
                parts.append(" ".join([spec.name.replace("_", " "), *spec.synonyms]))
        elif spec.type == "number":
            if spec.name != "price":
                parts.append(f"{value:g} {spec.unit or ''}")
        else:
            parts.append(str(value))
    return " ".join(parts)


class ProductSearch:
    """BM25 + filter search over a catalog; the BM25 index of a category is built on first use."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._indexes: dict[str, tuple[list[Product], Bm25Index]] = {}

    def _index(self, category: str) -> tuple[list[Product], Bm25Index]:
        if category not in self._indexes:
            schema = self.catalog.schema(category)
            products = self.catalog.products(category)
            self._indexes[category] = (products, Bm25Index([searchable_text(p, schema) for p in products]))
        return self._indexes[category]

    def search(self, category: str, query: str = "", filters: dict[str, Any] | None = None,
               limit: int | None = None) -> SearchResult:
        """Rank the products of ``category`` for ``query`` among those passing ``filters``.

        Raises :class:`FilterError` for a bad filter and :class:`SalesSimError` for an unknown category.
        """
        schema = self.catalog.schema(category)
        parsed = parse_filters(schema, filters)
        normalised = {f.key(): f.value() for f in parsed}
        products = self.catalog.products(category)
        passing = [i for i, p in enumerate(products) if all(f.accepts(p) for f in parsed)]
        query = (query or "").strip()
        matched: bool | None = None
        scored: list[tuple[int, float]] = [(i, 0.0) for i in passing]
        if query and tokenize(query):
            indexed, index = self._index(category)
            scores = index.scores(query)
            with_words = [(i, float(scores[i])) for i in passing if scores[i] > 0]
            matched = bool(with_words)
            if with_words:
                scored = with_words
        scored.sort(key=lambda t: (-round(t[1], 6), products[t[0]].price, products[t[0]].id))
        hits = [SearchHit(products[i], round(s, 4)) for i, s in scored]
        total = len(hits)
        if limit is not None:
            hits = hits[: max(0, limit)]
        return SearchResult(hits=hits, total=total, filters=normalised, query_matched=matched)
