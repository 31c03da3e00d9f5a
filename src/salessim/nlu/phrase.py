"""Say a criterion the way a shopper would: the inverse of :mod:`salessim.nlu.extract`.

``phrasings(Criterion(attribute="price", op="<=", value=800, kind="dealbreaker"), "laptops",
"novice", random.Random(1))`` might give ``["I only have 800 bucks to spend.", "It has to be under
$800.", "I won't go over a grand."]`` (the last for a value of 1000).

The templates live in ``data/nlu/phrasings.yaml``: generic ones per value type (numbers, enums,
yes/no, text) plus attribute-specific ones, each split by case (upper/lower/exact bound; is, is
not, one of, none of; yes/no), by kind (a dealbreaker carries a must-cue, a preference a soft
cue) and by knowledge level (novice, intermediate, expert; ``any`` is open to all). Numbers are
written in several formats per level ("$1,200", "1.2k", "a grand", "16 gigs", "3.3 pounds").

Guarantee (tested over a grid of criteria, every template and level): each phrasing reads back
through :func:`~salessim.nlu.extract.extract_criteria` as a statement that discloses the criterion
(:func:`~salessim.nlu.match.disclosed`), does not contradict it, and carries the strength of its
kind.
"""

from __future__ import annotations

import itertools
import random
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from salessim.errors import DataError, SalesSimError
from salessim.nlu.lexicon import canonical_category, category_schema
from salessim.schema import Criterion

KNOWLEDGE_LEVELS = ("novice", "intermediate", "expert")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
_NUM_WORDS = {1: "a", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


@lru_cache(maxsize=None)
def _data() -> dict[str, Any]:
    path = resources.files("salessim") / "data" / "nlu" / "phrasings.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # pragma: no cover
        raise DataError(f"cannot read the phrasing templates: {exc}", where=str(path)) from exc


# ---- writing values ----------------------------------------------------------------------------

def _fmt(x: float) -> str:
    """A number without needless decimals: 16 -> "16", 1.5 -> "1.5", 799.99 -> "799.99"."""
    x = round(float(x), 2)
    if x.is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _fmt_comma(x: float) -> str:
    x = round(float(x), 2)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _number_slots(attr: str, value: float) -> dict[str, str | None]:
    v = float(value)
    slots: dict[str, str | None] = {"n": _fmt(v), "nc": _fmt_comma(v)}
    slots["grand"] = (f"{_NUM_WORDS[int(v // 1000)]} grand" if v % 1000 == 0 and 1 <= v // 1000 <= 9 else None)
    slots["k"] = f"{_fmt(v / 1000)}k" if v >= 1000 and v % 100 == 0 else None
    slots["tb"] = _fmt(v / 1024) if v >= 1024 and v % 512 == 0 else None
    tbw = {512: "half a terabyte", 1024: "a terabyte", 2048: "two terabytes", 4096: "four terabytes"}
    slots["tbw"] = tbw.get(int(v)) if v.is_integer() else None
    slots["lb"] = _fmt(round(v * 2.20462, 1)) if attr == "weight_kg" else None
    slots["oz"] = _fmt(round(v / 28.3495, 1)) if attr == "weight_g" and v >= 50 else None
    return slots


def _fill(fmt: str, slots: dict[str, str | None]) -> str | None:
    """``fmt`` with its placeholders filled, or None when a placeholder has no value."""
    out = fmt
    for name in _PLACEHOLDER_RE.findall(fmt):
        val = slots.get(name)
        if val is None:
            return None
        out = out.replace("{" + name + "}", val)
    return out


def _level_list(section: dict | None, level: str) -> list:
    if not section:
        return []
    return list(section.get("any", []) or []) + list(section.get(level, []) or [])


def _number_forms(attr: str, value: float, level: str, key: str = "formats") -> list[str]:
    fmts = _level_list(_data().get(key, {}).get(attr), level)
    if not fmts:
        fmts = ["{n}"]
    slots = _number_slots(attr, value)
    forms = [f for f in (_fill(x, slots) for x in fmts) if f]
    return list(dict.fromkeys(forms))


def _article(word: str) -> str:
    if word in ("HP",) or (word[:1].upper() in "AEIOU" and not word.startswith(("One", "Uni", "Eu"))):
        return "an"
    return "a"


def _value_forms(category: str, attr: str, value: str) -> tuple[list[str], list[str]]:
    """(bare forms, forms with article) of one enum value."""
    table = (_data().get("display", {}).get(category, {}) or {}).get(attr, {}) or {}
    if value in table:
        entry = table[value]
        return list(entry["v"]), list(entry["a"])
    if attr == "color":
        return [value], [f"a {value} one"]
    if attr == "brand":
        return [value], [f"{_article(value)} {value}", f"something from {value}"]
    if attr == "line":
        v = value[:1].upper() + value[1:]
        return [v], [f"the {v} line"]
    return [value], [f"{_article(value)} {value}"]


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} or {items[1]}"
    return ", ".join(items[:-1]) + ", or " + items[-1]


def _list_variants(category: str, attr: str, values: list[str]) -> tuple[list[str], list[str]]:
    forms = [_value_forms(category, attr, v) for v in values]
    width_v = max(len(f[0]) for f in forms)
    width_a = max(len(f[1]) for f in forms)
    vs = [_join([f[0][min(i, len(f[0]) - 1)] for f in forms]) for i in range(width_v)]
    as_ = [_join([f[1][min(i, len(f[1]) - 1)] for f in forms]) for i in range(width_a)]
    return list(dict.fromkeys(vs)), list(dict.fromkeys(as_))


# ---- choosing templates --------------------------------------------------------------------------

def _value_type(category: str, criterion: Criterion) -> str:
    spec = category_schema(category).attribute(criterion.attribute)
    if spec is None:
        raise SalesSimError(
            f"attribute '{criterion.attribute}' is not in the {category} schema",
            hint=f"Use one of: {', '.join(category_schema(category).attribute_names)}.",
        )
    return {"number": "number", "enum": "enum", "bool": "bool", "text": "text"}[spec.type]


def _case(vtype: str, criterion: Criterion) -> str:
    op, value = criterion.op, criterion.value
    if vtype == "number":
        case = {"<=": "upper", "<": "upper", ">=": "lower", ">": "lower", "==": "exact"}.get(op)
        if case is None or isinstance(value, (bool, list, str)):
            raise SalesSimError(f"cannot phrase '{criterion.key}': a number criterion needs <=, <, >=, > or == "
                                "and a number")
        return case
    if vtype == "bool":
        truth = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "yes", "1")
        if op == "==":
            return "present" if truth else "absent"
        if op == "!=":
            return "absent" if truth else "present"
        raise SalesSimError(f"cannot phrase '{criterion.key}': a yes/no criterion needs == or !=")
    case = {"==": "is", "!=": "is_not", "in": "one_of", "not_in": "none_of"}.get(op)
    if case is None:
        raise SalesSimError(f"cannot phrase '{criterion.key}': an enum criterion needs ==, !=, in or not_in")
    return case


def _templates(category: str, attr: str, vtype: str, case: str, kind: str, level: str) -> list[str]:
    data = _data()
    specific = (data.get("attributes", {}).get(attr, {}) or {}).get(case, {}) or {}
    cat_specific = (((data.get("attributes", {}).get(category, {}) or {}).get(attr, {}) or {}).get(case, {}) or {})
    generic = (data.get("generic", {}).get(vtype, {}) or {}).get(case, {}) or {}
    out = []
    for block in (specific, cat_specific, generic):
        out += _level_list(block.get(kind), level)
    return list(dict.fromkeys(out))


def _capitalise(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    first = s.split(" ", 1)[0]
    if any(ch.isupper() for ch in first[1:]):  # iPhone, macOS
        return s
    return s[0].upper() + s[1:]


def _candidate_groups(criterion: Criterion, category: str, knowledge_level: str) -> list[list[str]]:
    """The renderings of ``criterion``, grouped by template."""
    cat = canonical_category(category)
    level = knowledge_level if knowledge_level in KNOWLEDGE_LEVELS else "intermediate"
    vtype = _value_type(cat, criterion)
    case = _case(vtype, criterion)
    attr = criterion.attribute
    templates = _templates(cat, attr, vtype, case, criterion.kind, level)
    slots: dict[str, list[str]] = {}
    if vtype == "number":
        slots["v"] = _number_forms(attr, float(criterion.value), level)
        slots["va"] = _number_forms(attr, float(criterion.value), level, "adjective_formats")
        slots["noun"] = list((_data().get("nouns", {}).get(cat, {}) or {}).get(attr, [attr.replace("_", " ")]))
    elif vtype == "bool":
        feat = _data().get("features", {}).get(attr, {})
        slots["f"] = list(feat.get("f", [attr.replace("_", " ")]))
        slots["fb"] = list(feat.get("fb", slots["f"]))
    else:
        values = criterion.value if isinstance(criterion.value, list) else [criterion.value]
        values = [str(v) for v in values]
        slots["v"], slots["a"] = _list_variants(cat, attr, values)
    groups: list[list[str]] = []
    seen: set[str] = set()
    for t in templates:
        names = list(dict.fromkeys(_PLACEHOLDER_RE.findall(t)))
        if any(n not in slots or not slots[n] for n in names):
            continue
        group = []
        for combo in itertools.product(*(slots[n] for n in names)):
            s = t
            for n, val in zip(names, combo):
                s = s.replace("{" + n + "}", val)
            s = _capitalise(s)
            if s not in seen:
                seen.add(s)
                group.append(s)
        if group:
            groups.append(group)
    return groups


def candidate_phrasings(criterion: Criterion, category: str, knowledge_level: str = "intermediate") -> list[str]:
    """Every phrasing the templates give for ``criterion`` at ``knowledge_level`` (deterministic order).

    Raises :class:`~salessim.errors.SalesSimError` for an attribute the category lacks or an
    operator that does not fit the attribute's type (e.g. ``in`` on a number).
    """
    return [s for g in _candidate_groups(criterion, category, knowledge_level) for s in g]


def phrasings(criterion: Criterion, category: str, knowledge_level: str = "intermediate",
              rng: random.Random | None = None, n: int = 3) -> list[str]:
    """Up to ``n`` distinct natural phrasings of ``criterion``, drawn with ``rng``.

    A dealbreaker reads with a must-cue, a preference with a soft cue; the wording follows the
    persona's ``knowledge_level`` (``novice``/``intermediate``/``expert``; anything else counts as
    intermediate). Fewer than ``n`` come back only when the templates offer fewer.
    """
    rng = rng if rng is not None else random.Random(0)
    groups = [list(g) for g in _candidate_groups(criterion, category, knowledge_level)]
    # one phrasing per template first (different sentences), then more number formats if needed
    order = list(range(len(groups)))
    rng.shuffle(order)
    out: list[str] = []
    while len(out) < n and any(groups[i] for i in order):
        for i in order:
            if len(out) >= n:
                break
            if groups[i]:
                out.append(groups[i].pop(rng.randrange(len(groups[i]))))
    return out
