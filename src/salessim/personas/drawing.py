"""Drawing a persona's criteria from its archetype's pool, checked against the category's products
(steps 2 and 3 of :mod:`salessim.personas.generator`).

- :func:`draw_feasible` draws 2-5 criteria (1-3 dealbreakers, the rest weighted preferences) and
  returns the first draw that is neither vacuous (a criterion met by every product) nor trivial
  (every product ideal, or more than ``MAX_IDEAL_SHARE`` of the category ideal), else the least
  bad of ``_ATTEMPTS`` draws (an error when none has a valid product);
- :func:`draw_infeasible` draws dealbreakers that are each satisfiable but that no single product
  meets together: first as drawn from the pool, else with one numeric dealbreaker tightened just
  past what the catalog offers (by at most ``_MAX_TIGHTENING``); None when neither works;
- :class:`Evaluator` caches which products meet a criterion.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from salessim.constraints import satisfies
from salessim.errors import SalesSimError
from salessim.personas.archetype import Archetype, CriterionTemplate
from salessim.schema import CategorySchema, Criterion, Product

MAX_IDEAL_SHARE = 0.25  # a feasible persona whose ideal set is larger than this share is too easy
_ATTEMPTS = 60
_MAX_TIGHTENING = 0.5  # an infeasible persona's tightened value moves at most 50% from the pool value
_N_CRITERIA = ((2, 3, 4, 5), (0.15, 0.35, 0.32, 0.18))


class Evaluator:
    """Caches which products of a category meet a criterion (a set of product indices)."""

    def __init__(self, products: Sequence[Product]):
        self.products = list(products)
        self.all = frozenset(range(len(self.products)))
        self._cache: dict[tuple, frozenset[int]] = {}

    def meets(self, c: Criterion) -> frozenset[int]:
        """Indices of the products that meet ``c``."""
        key = (c.attribute, c.op, repr(c.value), c.kind)
        hit = self._cache.get(key)
        if hit is None:
            hit = frozenset(i for i, p in enumerate(self.products) if satisfies(p, c))
            self._cache[key] = hit
        return hit

    def valid(self, criteria: Sequence[Criterion]) -> frozenset[int]:
        """Indices of the products that meet every dealbreaker."""
        out = self.all
        for c in criteria:
            if c.kind == "dealbreaker":
                out = out & self.meets(c)
        return out

    def ideal(self, criteria: Sequence[Criterion]) -> frozenset[int]:
        """Indices of the valid products of maximal preference utility."""
        valid = self.valid(criteria)
        if not valid:
            return frozenset()
        prefs = [(self.meets(c), c.weight) for c in criteria if c.kind == "preference"]
        scores = {i: sum(w for s, w in prefs if i in s) for i in valid}
        best = max(scores.values())
        return frozenset(i for i, u in scores.items() if u >= best - 1e-9)

    def vacuous(self, criteria: Sequence[Criterion]) -> int:
        """How many criteria are met by every product (they tell the store nothing)."""
        return sum(1 for c in criteria if self.meets(c) == self.all)

    def values(self, attribute: str) -> list[float]:
        """The numeric values of ``attribute`` over the products."""
        return [float(p.attributes[attribute]) for p in self.products
                if isinstance(p.attributes.get(attribute), (int, float)) and not isinstance(p.attributes.get(attribute), bool)]


def _pick_templates(arch: Archetype, rng: random.Random, k: int) -> list[CriterionTemplate]:
    available = list(range(len(arch.criteria)))
    groups: set[str] = set()
    chosen: list[CriterionTemplate] = []
    while len(chosen) < k:
        cands = [i for i in available if arch.criteria[i].group_key not in groups]
        if not cands:
            break
        i = rng.choices(cands, weights=[arch.criteria[j].likelihood for j in cands])[0]
        available.remove(i)
        groups.add(arch.criteria[i].group_key)
        chosen.append(arch.criteria[i])
    return chosen


def _weight(tmpl: CriterionTemplate, rng: random.Random) -> float:
    lo, hi = tmpl.weight
    return max(0.5, round(rng.uniform(lo, hi) * 2) / 2) if hi > 0 else 0.0


def _draw(arch: Archetype, rng: random.Random, infeasible: bool) -> list[Criterion]:
    """One random criteria set from the archetype's pool (kinds and weights included)."""
    n_groups = len({t.group_key for t in arch.criteria})
    k = min(rng.choices(*_N_CRITERIA)[0], n_groups)
    if infeasible:
        k = max(k, 3)
        n_db = rng.choice((2, 2, 3))
    else:
        n_db = rng.choices((1, 2, 3), weights=(0.45, 0.4, 0.15))[0]
    templates = _pick_templates(arch, rng, k)
    n_db = max(1, min(n_db, len(templates) - 1))
    db_idx: list[int] = []
    while len(db_idx) < n_db:
        cands = [i for i in range(len(templates)) if i not in db_idx]
        db_idx.append(rng.choices(cands, weights=[templates[i].dealbreaker_rate + 0.03 for i in cands])[0])
    criteria = []
    for i, tmpl in enumerate(templates):
        value = rng.choice(tmpl.values)
        value = list(value) if isinstance(value, list) else value
        is_db = i in db_idx
        criteria.append(Criterion(attribute=tmpl.attribute, op=tmpl.op, value=value,
                                  kind="dealbreaker" if is_db else "preference",
                                  weight=1.0 if is_db else _weight(tmpl, rng)))
    return criteria


def _feasible_score(ev: Evaluator, criteria: Sequence[Criterion]) -> tuple | None:
    """Lower is better; ``None`` when the set has no valid product."""
    valid = ev.valid(criteria)
    if not valid:
        return None
    ideal = ev.ideal(criteria)
    limit = max(1, int(MAX_IDEAL_SHARE * len(ev.all)))
    too_many = len(ideal) > limit or len(ideal) >= len(ev.all)
    return (ev.vacuous(criteria), int(too_many), len(ideal))


def draw_feasible(arch: Archetype, rng: random.Random, ev: Evaluator) -> list[Criterion]:
    best, best_score = None, None
    for _ in range(_ATTEMPTS):
        criteria = _draw(arch, rng, infeasible=False)
        score = _feasible_score(ev, criteria)
        if score is None:
            continue
        if score[:2] == (0, 0):
            return criteria
        if best_score is None or score < best_score:
            best, best_score = criteria, score
    if best is None:
        raise SalesSimError(f"archetype '{arch.id}': could not draw a feasible persona in {_ATTEMPTS} tries; "
                            "widen the archetype's criterion values")
    return best


def _natural_infeasible(ev: Evaluator, criteria: Sequence[Criterion]) -> bool:
    dbs = [c for c in criteria if c.kind == "dealbreaker"]
    if len(dbs) < 2 or ev.valid(criteria):
        return False
    # each dealbreaker alone is satisfiable and meaningful: it is the combination that fails
    return all(ev.meets(c) and ev.meets(c) != ev.all for c in dbs) and ev.vacuous(criteria) == 0


def _as_number(v: float) -> int | float:
    v = round(v, 2)
    return int(v) if float(v).is_integer() else v


def _step(attribute: str, schema: CategorySchema | None, value: float) -> float:
    spec = schema.attribute(attribute) if schema else None
    hi = (spec.max or 0) if spec else 0
    lo = (spec.min or 0) if spec else 0
    if attribute == "price":
        return 50.0 if hi >= 1500 else 10.0
    if attribute == "weight_kg":
        return 0.1
    if attribute == "screen_in":
        return 0.5 if hi - lo > 5 else 0.1
    if attribute == "battery_mah":
        return 250.0
    if attribute == "weight_g":
        return 1.0 if value < 30 else 10.0
    return 1.0


def _tightened(attribute: str, op: str, limit: float, schema: CategorySchema | None, orig: float) -> float:
    """The nearest 'round' value strictly beyond ``limit`` in the direction of ``op``."""
    if attribute in ("ram_gb", "storage_gb"):
        if op in ("<=", "<"):
            p = 2 ** math.floor(math.log2(limit))
            return p / 2 if p >= limit else p
        p = 2 ** math.ceil(math.log2(limit))
        return p * 2 if p <= limit else p
    step = _step(attribute, schema, orig)
    if op in ("<=", "<"):
        v = math.floor(limit / step - 1e-9) * step
        return v - step if v >= limit else v
    v = math.ceil(limit / step + 1e-9) * step
    return v + step if v <= limit else v


def _tighten(ev: Evaluator, criteria: list[Criterion], schema: CategorySchema | None) -> list[Criterion] | None:
    """Make a feasible set infeasible by moving one numeric dealbreaker just past the catalog.

    The moved dealbreaker stays satisfiable on its own; the one that moves least (relatively) wins.
    """
    dbs = [i for i, c in enumerate(criteria) if c.kind == "dealbreaker"]
    if len(dbs) < 2 or not ev.valid(criteria):
        return None
    best: tuple[float, int, float] | None = None
    for i in dbs:
        c = criteria[i]
        if c.op not in ("<=", ">=") or isinstance(c.value, (bool, list, str)):
            continue
        others = [x for j, x in enumerate(criteria) if j != i]
        rest = ev.valid(others)
        values = [float(ev.products[k].attributes[c.attribute]) for k in rest]
        everywhere = ev.values(c.attribute)
        if not values or not everywhere:
            continue
        if c.op == "<=":
            v = _tightened(c.attribute, "<=", min(values), schema, float(c.value))
            alone_ok = min(everywhere) <= v
        else:
            v = _tightened(c.attribute, ">=", max(values), schema, float(c.value))
            alone_ok = max(everywhere) >= v
        if not alone_ok or v <= 0:
            continue
        change = abs(v - float(c.value)) / max(abs(float(c.value)), 1e-9)
        if change > _MAX_TIGHTENING:
            continue
        if best is None or change < best[0]:
            best = (change, i, v)
    if best is None:
        return None
    _, i, v = best
    out = list(criteria)
    out[i] = out[i].model_copy(update={"value": _as_number(v)})
    if ev.valid(out) or ev.vacuous(out):
        return None
    return out


def draw_infeasible(arch: Archetype, rng: random.Random, ev: Evaluator,
                     schema: CategorySchema | None) -> list[Criterion] | None:
    for _ in range(_ATTEMPTS // 2):
        criteria = _draw(arch, rng, infeasible=True)
        if _natural_infeasible(ev, criteria):
            return criteria
    for _ in range(_ATTEMPTS):
        criteria = _draw(arch, rng, infeasible=True)
        if ev.vacuous(criteria):
            continue
        out = _tighten(ev, criteria, schema)
        if out is not None:
            return out
    return None
