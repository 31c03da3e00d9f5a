"""The criterion language: evaluate ``attribute op value`` against a product, preference utility,
valid sets and ideal sets.

Rules:
- numbers compare numerically; enums and text compare case-insensitively; booleans by truth.
- a product that lacks the attribute fails the criterion.
- a price ceiling (``price <=``/``<``) that is only a *preference* tolerates +10% (``BUDGET_TOLERANCE``);
  a price dealbreaker does not.
- utility = sum of the weights of the preferences a product meets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from salessim.schema import Criterion, Persona, Product

BUDGET_TOLERANCE = 0.10


def _norm(v):
    if isinstance(v, str):
        return v.strip().lower()
    return v


def _as_bool(v) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "yes", "1"):
            return True
        if s in ("false", "no", "0"):
            return False
    if isinstance(v, (int, float)):
        return bool(v)
    return None


def threshold(criterion: Criterion) -> float | None:
    """The effective numeric threshold of a criterion (budget tolerance applied)."""
    if isinstance(criterion.value, (bool, list)):
        return None
    try:
        value = float(criterion.value)
    except (TypeError, ValueError):
        return None
    if criterion.attribute == "price" and criterion.kind == "preference" and criterion.op in ("<=", "<"):
        return value * (1 + BUDGET_TOLERANCE)
    return value


def satisfies(product: Product, criterion: Criterion) -> bool:
    """True when ``product`` meets ``criterion``."""
    if criterion.attribute not in product.attributes:
        return False
    actual = product.attributes[criterion.attribute]
    op = criterion.op
    expected = criterion.value

    if op in ("in", "not_in"):
        members = {_norm(x) for x in expected} if isinstance(expected, list) else {_norm(expected)}
        inside = _norm(actual) in members
        return inside if op == "in" else not inside

    if isinstance(actual, bool) or isinstance(expected, bool):
        a, e = _as_bool(actual), _as_bool(expected)
        if a is None or e is None:
            return False
        if op == "==":
            return a == e
        if op == "!=":
            return a != e
        return False

    if isinstance(actual, (int, float)):
        limit = threshold(criterion)
        if limit is None:
            return False
        a = float(actual)
        return {
            "<=": a <= limit + 1e-9,
            "<": a < limit,
            ">=": a >= limit - 1e-9,
            ">": a > limit,
            "==": abs(a - limit) < 1e-9,
            "!=": abs(a - limit) >= 1e-9,
        }[op]

    a, e = _norm(actual), _norm(expected)
    if op == "==":
        return a == e
    if op == "!=":
        return a != e
    return False


def violated_dealbreakers(product: Product, criteria: Iterable[Criterion]) -> list[Criterion]:
    """The dealbreakers among ``criteria`` that ``product`` fails."""
    return [c for c in criteria if c.kind == "dealbreaker" and not satisfies(product, c)]


def is_valid(product: Product, criteria: Iterable[Criterion]) -> bool:
    """True when ``product`` meets every dealbreaker."""
    return not violated_dealbreakers(product, criteria)


def utility(product: Product, criteria: Iterable[Criterion]) -> float:
    """Sum of the weights of the preferences the product meets."""
    return sum(c.weight for c in criteria if c.kind == "preference" and satisfies(product, c))


def max_utility(criteria: Iterable[Criterion]) -> float:
    return sum(c.weight for c in criteria if c.kind == "preference")


def valid_products(products: Sequence[Product], criteria: Sequence[Criterion]) -> list[Product]:
    return [p for p in products if is_valid(p, criteria)]


def ideal_products(products: Sequence[Product], criteria: Sequence[Criterion]) -> list[Product]:
    """Products meeting every dealbreaker with maximal preference utility (ties all count).
    Empty when no product meets the dealbreakers."""
    valid = valid_products(products, criteria)
    if not valid:
        return []
    best = max(utility(p, criteria) for p in valid)
    return [p for p in valid if utility(p, criteria) >= best - 1e-9]


def ideal_for_persona(products: Sequence[Product], persona: Persona) -> list[Product]:
    return ideal_products([p for p in products if p.category == persona.category], persona.criteria)
