"""Compare what a shopper said (extracted criteria) with a persona's criteria.

Rules (used by the disclosure and drift metrics, so they are kept simple and explicit):

**Disclosed** — :func:`disclosed` is True when some extracted criterion on the *same attribute*
expresses the persona criterion:

- numbers: the statement bounds the value from the same side and its number is within 10% of the
  persona's (``TOLERANCE``). Persona ``price <= 800`` is disclosed by "under 800", "max 800",
  "under $850" and "around 750" (-> ``<= 830``), not by "under 500" (too far) nor by "at least
  800" (other side). ``<`` and ``<=`` count as the same side, as do ``>`` and ``>=``. An ``==``
  statement bounds both sides. Persona ``== v`` is disclosed by any statement whose bound is within
  10% of ``v`` and that allows ``v``.
- yes/no attributes: the same truth value (``!= True`` reads as ``== False``).
- enums and text: the values the statement allows are a subset of the values the persona allows,
  *and* the statement names at least one of the persona's values. So persona ``os != Windows`` is
  disclosed by "anything but Windows" but not by "mac only" (it never names Windows); persona
  ``os == macOS`` is disclosed by "mac only" but not by "anything but Windows"; persona
  ``brand in [Lenovo, HP]`` is disclosed by "Lenovo or HP" and by "a Lenovo". All statements on
  the attribute in the same text are also combined ("no pink, no red" discloses
  ``color not_in [pink, red]``). Values compare case-insensitively.

**Contradicts** — :func:`contradicts` is True when one extracted criterion on the same attribute
conflicts with the persona's (a vague word read with a default number, such as "cheap" or
"lightweight", never contradicts: the number is ours, not the shopper's):

- numbers: a bound on the same side that is *looser* by more than 10% (persona ``price <= 600``,
  shopper "budget 1200"; persona ``ram_gb >= 16``, shopper "8GB is enough"), or a statement that no
  value allowed by the persona (with 10% slack) can meet (persona ``screen_in <= 13``, shopper "at
  least 16 inches"). A stricter statement ("under 500" for ``<= 800``) is not a contradiction.
- yes/no: the opposite truth value.
- enums and text: no value is allowed by both (persona ``os == macOS``, shopper "Windows only").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from salessim.nlu.extract import Extracted, extract_criteria
from salessim.schema import Criterion

TOLERANCE = 0.10
_UPPER = ("<=", "<")
_LOWER = (">=", ">")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_yes_no(v) -> bool:
    return isinstance(v, bool) or (isinstance(v, str) and v.strip().lower() in ("true", "false"))


def _as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "yes", "false", "no"):
        return v.strip().lower() in ("true", "yes")
    return None


def _bool_form(attr_op: str, value) -> bool | None:
    """The truth value an ``==``/``!=`` yes/no criterion asks for."""
    b = _as_bool(value)
    if b is None:
        return None
    if attr_op == "==":
        return b
    if attr_op == "!=":
        return not b
    return None


# ---- sets of enum values, possibly complemented: (positive, frozenset) -------------------------

def _allowed(op: str, value) -> tuple[bool, frozenset[str]] | None:
    vals = value if isinstance(value, (list, tuple)) else [value]
    s = frozenset(str(v).strip().lower() for v in vals)
    if op in ("==", "in"):
        return True, s
    if op in ("!=", "not_in"):
        return False, s
    return None


def _subset(a, b) -> bool:
    (pa, sa), (pb, sb) = a, b
    if pa and pb:
        return sa <= sb
    if pa and not pb:
        return not (sa & sb)
    if not pa and not pb:
        return sb <= sa
    return False  # "anything but X" is never inside a finite list without knowing the universe


def _intersect(a, b):
    (pa, sa), (pb, sb) = a, b
    if pa and pb:
        return True, sa & sb
    if pa and not pb:
        return True, sa - sb
    if not pa and pb:
        return True, sb - sa
    return False, sa | sb


def _disjoint(a, b) -> bool:
    p, s = _intersect(a, b)
    return p and not s


def _named(x: Extracted) -> frozenset[str]:
    vals = x.value if isinstance(x.value, (list, tuple)) else [x.value]
    return frozenset(str(v).strip().lower() for v in vals)


# ---- numbers -----------------------------------------------------------------------------------

def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * abs(b) + 1e-9


def _num_disclosed(c: Criterion, xs: Sequence[Extracted]) -> bool:
    v = float(c.value)
    for x in xs:
        if not _is_number(x.value):
            continue
        xv = float(x.value)
        if c.op in _UPPER and (x.op in _UPPER or x.op == "==") and _close(xv, v):
            return True
        if c.op in _LOWER and (x.op in _LOWER or x.op == "==") and _close(xv, v):
            return True
        if c.op == "==" and _close(xv, v):
            slack = TOLERANCE * abs(v)
            if x.op == "==" or (x.op in _UPPER and v <= xv + slack) or (x.op in _LOWER and v >= xv - slack):
                return True
        if c.op == "!=" and x.op == "!=" and _close(xv, v):
            return True
    return False


def _num_contradicts(c: Criterion, x: Extracted) -> bool:
    if not _is_number(x.value):
        return False
    v, xv = float(c.value), float(x.value)
    slack = TOLERANCE * abs(v) + 1e-9
    if c.op in _UPPER:
        # looser ceiling, or a floor / exact value above the persona's ceiling
        return (x.op in _UPPER or x.op in _LOWER or x.op == "==") and xv > v + slack
    if c.op in _LOWER:
        return (x.op in _LOWER or x.op in _UPPER or x.op == "==") and xv < v - slack
    if c.op == "==":
        if x.op in _UPPER:
            return xv < v - slack
        if x.op in _LOWER:
            return xv > v + slack
        if x.op == "==":
            return abs(xv - v) > slack
    if c.op == "!=" and x.op == "==":
        return abs(xv - v) <= 1e-9
    return False


# ---- public API ----------------------------------------------------------------------------------

def disclosed(criterion: Criterion, extracted: Iterable[Extracted]) -> bool:
    """True when the extracted criteria express ``criterion`` (see the module rules)."""
    xs = [x for x in extracted if x.attribute == criterion.attribute]
    if not xs:
        return False
    c = criterion
    if _is_yes_no(c.value):
        want_bool = _bool_form(c.op, c.value)
        return want_bool is not None and any(_bool_form(x.op, x.value) == want_bool for x in xs)
    if _is_number(c.value):
        return _num_disclosed(c, xs)
    persona = _allowed(c.op, c.value)
    if persona is None:
        return False
    pnames = _named_values(c)
    sets = [(_allowed(x.op, x.value), _named(x)) for x in xs if not _is_number(x.value) and not isinstance(x.value, bool)]
    sets = [(a, n) for a, n in sets if a is not None]
    if not sets:
        return False
    candidates = list(sets)
    if len(sets) > 1:
        combo, names = sets[0]
        for a, n in sets[1:]:
            combo = _intersect(combo, a)
            names = names | n
        candidates.append((combo, names))
    for allowed, names in candidates:
        if allowed[0] and not allowed[1]:
            continue  # an empty statement says nothing
        if _subset(allowed, persona) and names & pnames:
            return True
    return False


def _named_values(c: Criterion) -> frozenset[str]:
    vals = c.value if isinstance(c.value, list) else [c.value]
    return frozenset(str(v).strip().lower() for v in vals)


def contradicts(criterion: Criterion, extracted: Iterable[Extracted]) -> bool:
    """True when some extracted criterion on the same attribute conflicts with ``criterion``."""
    c = criterion
    for x in extracted:
        if x.attribute != c.attribute or getattr(x, "vague", False):
            continue
        if _is_number(c.value):
            if _num_contradicts(c, x):
                return True
            continue
        if _is_yes_no(c.value):
            want_bool = _bool_form(c.op, c.value)
            got = _bool_form(x.op, x.value)
            if got is not None and want_bool is not None and got != want_bool:
                return True
            continue
        persona = _allowed(c.op, c.value)
        stated = _allowed(x.op, x.value) if not _is_number(x.value) and not isinstance(x.value, bool) else None
        if persona is not None and stated is not None and _disjoint(persona, stated):
            return True
    return False


def disclosed_in_text(criteria: Iterable[Criterion], text: str, category: str) -> list[Criterion]:
    """The criteria among ``criteria`` that ``text`` discloses (text is read once)."""
    xs = extract_criteria(text, category)
    return [c for c in criteria if disclosed(c, xs)]


def contradicted_in_text(criteria: Iterable[Criterion], text: str, category: str) -> list[Criterion]:
    """The criteria among ``criteria`` that ``text`` contradicts (text is read once)."""
    xs = extract_criteria(text, category)
    return [c for c in criteria if contradicts(c, xs)]
