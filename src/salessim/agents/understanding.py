"""What the scripted sales agent understood of the shopper, and how it turns that into searches.

Pure functions over plain data, so the agent's state stays a JSON-serialisable dict:

- understood criteria are stored as ``{attribute: criterion dict}``: a later statement about the same
  attribute replaces the earlier one; a statement with "must" strength, or one made while complaining
  about a presented product, is a dealbreaker (and a restatement without strength keeps it one);
- :func:`search_filters` maps criteria to the store's filter dict (``max_price``, ``os``...),
  skipping what the store cannot filter (visual-only attributes, ``!=`` on numbers);
- :func:`card_product` and :func:`check` evaluate criteria on search-result cards, answering None
  when a card does not show the attribute (colour is never shown).
"""

from __future__ import annotations

from typing import Any

from salessim.constraints import satisfies, threshold
from salessim.schema import CategorySchema, Criterion, Product

__all__ = ["to_dict", "from_dict", "understood", "merge_statement", "search_filters", "card_product", "check",
           "fits", "score"]


def to_dict(c: Criterion) -> dict[str, Any]:
    """A criterion as a JSON-serialisable dict (phrasings dropped)."""
    return {"attribute": c.attribute, "op": c.op, "value": c.value, "kind": c.kind, "weight": c.weight}


def from_dict(d: dict[str, Any]) -> Criterion:
    """The criterion stored by :func:`to_dict`."""
    return Criterion(attribute=d["attribute"], op=d["op"], value=d["value"], kind=d["kind"],
                     weight=d.get("weight", 1.0))


def understood(state_criteria: dict[str, dict[str, Any]]) -> list[Criterion]:
    """The understood criteria, in the order they were first stated."""
    return [from_dict(d) for d in state_criteria.values()]


def merge_statement(state_criteria: dict[str, dict[str, Any]], extracted, *, complaint: bool) -> list[str]:
    """Fold one shopper message's extracted criteria into ``state_criteria`` (in place).

    ``extracted`` are :class:`salessim.nlu` ``Extracted`` items. Returns the attributes that changed.
    """
    changed: list[str] = []
    for e in _one_per_attribute(extracted):
        strength = getattr(e, "strength", None)
        previous = state_criteria.get(e.attribute)
        if strength == "must" or complaint:
            kind = "dealbreaker"
        elif strength is None and previous is not None and previous["kind"] == "dealbreaker":
            kind = "dealbreaker"
        else:
            kind = "preference"
        try:
            crit = e.to_criterion(kind)
        except Exception:  # noqa: BLE001 - an unusable statement is ignored, not fatal
            continue
        new = to_dict(crit)
        if previous != new:
            state_criteria[e.attribute] = new
            changed.append(e.attribute)
    return changed


_STRENGTH_RANK = {"must": 0, "want": 1, None: 2}
_OP_RANK = {"==": 0, "in": 0, "<=": 1, ">=": 1, "<": 1, ">": 1, "!=": 2, "not_in": 2}


def _one_per_attribute(extracted) -> list:
    """One statement per attribute from one message: the strongest (must > want > none), then the
    most specific operator, then the last one written (product facts come before wishes)."""
    best: dict[str, tuple[tuple[int, int, int], Any]] = {}
    for pos, e in enumerate(extracted):
        rank = (_STRENGTH_RANK.get(getattr(e, "strength", None), 2), _OP_RANK.get(e.op, 2), -pos)
        if e.attribute not in best or rank < best[e.attribute][0]:
            best[e.attribute] = (rank, e)
    return [e for _, e in sorted(best.values(), key=lambda t: -t[0][2])]


def _filter_for(c: Criterion, schema: CategorySchema) -> tuple[str, Any] | None:
    spec = schema.attribute(c.attribute)
    if spec is None or spec.visual_only:
        return None
    name = spec.name
    if spec.type == "number":
        if isinstance(c.value, (list, bool)):
            return None
        limit = threshold(c)
        if limit is None:
            return None
        if c.op in ("<=", "<"):
            return f"max_{name}", limit
        if c.op in (">=", ">"):
            return f"min_{name}", limit
        if c.op == "==":
            return name, limit
        return None
    if spec.type == "bool":
        if c.op == "==":
            return name, bool(c.value)
        if c.op == "!=":
            return name, not bool(c.value)
        return None
    values = c.value if isinstance(c.value, list) else [c.value]
    if c.op in ("==", "in"):
        return name, [str(v) for v in values] if len(values) > 1 else str(values[0])
    if c.op in ("!=", "not_in") and spec.values:
        banned = {str(v).lower() for v in values}
        allowed = [v for v in spec.values if v.lower() not in banned]
        return (name, allowed) if allowed else None
    return None


def search_filters(criteria: list[Criterion], schema: CategorySchema) -> dict[str, Any]:
    """The store filter dict for ``criteria`` (what cannot be filtered is left to :func:`check`)."""
    filters: dict[str, Any] = {}
    for c in criteria:
        item = _filter_for(c, schema)
        if item is not None:
            filters[item[0]] = item[1]
    return filters


def card_product(card: dict[str, Any], category: str) -> Product:
    """A search-result card as a :class:`Product` (only the attributes the card shows)."""
    attrs = {k: v for k, v in card.items() if k not in ("id", "name") and isinstance(v, (bool, int, float, str))}
    return Product(id=str(card.get("id")), category=category, name=str(card.get("name", card.get("id"))),
                   description="", attributes=attrs)


def check(product: Product, c: Criterion) -> bool | None:
    """Whether ``product`` meets ``c``; None when the product does not show that attribute."""
    if c.attribute not in product.attributes:
        return None
    return satisfies(product, c)


def fits(product: Product, criteria: list[Criterion]) -> bool:
    """True unless ``product`` visibly breaks a dealbreaker of ``criteria``."""
    return all(check(product, c) is not False for c in criteria if c.kind == "dealbreaker")


def score(product: Product, criteria: list[Criterion]) -> float:
    """How many (weighted) understood preferences ``product`` visibly meets."""
    return sum(c.weight for c in criteria if c.kind == "preference" and check(product, c))
