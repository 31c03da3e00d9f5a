"""Quantities in a shopper's text: numbers with their units, joined into ranges and alternatives,
and the comparators written around them.

:func:`scan_quantities` finds "$1,200", "16 gigs", "half a terabyte", "two grand", "15.6 inch";
:func:`group_quantities` joins "between 600 and 900", "600-900" and "16 or 32 GB";
:data:`PRE_CMP_RE` / :data:`POST_CMP_RE` read the bound a comparator sets ("at most", "or more").
Which attribute a quantity speaks about is :mod:`salessim.nlu.numbers`. The words (units, word
numbers, comparators, the numbers that are no quantities) are data: ``numbers`` in
``data/nlu/grammar.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salessim.errors import DataError
from salessim.nlu.lexicon import (
    Lexicon,
    alternation,
    grammar_alternation,
    grammar_entry,
    grammar_words,
)

# the attributes a quantity of each unit kind can speak about
UNIT_ATTRIBUTES = {
    "money": {"price"}, "pounds": {"price", "weight_kg", "weight_g"}, "lb": {"weight_kg", "weight_g"},
    "gb": {"ram_gb", "storage_gb"}, "tb": {"storage_gb"}, "inch": {"screen_in"},
    "kg": {"weight_kg", "weight_g"}, "g": {"weight_kg", "weight_g"}, "oz": {"weight_kg", "weight_g"},
    "hours": {"battery_hours"}, "mah": {"battery_mah"}, "mp": {"camera_mp"},
}


def _word_numbers() -> dict[str, int]:
    table = grammar_entry("numbers", "word_numbers")
    if not isinstance(table, dict) or not all(isinstance(k, str) and type(v) is int for k, v in table.items()):
        raise DataError("grammar.yaml: 'numbers.word_numbers' must map words to whole numbers",
                        where="grammar.yaml:numbers.word_numbers")
    return dict(table)


def _unit_table() -> dict[str, list]:
    table = grammar_entry("numbers", "units")
    if not isinstance(table, dict) or set(table) != set(UNIT_ATTRIBUTES):
        raise DataError(f"grammar.yaml: 'numbers.units' must list the unit kinds {sorted(UNIT_ATTRIBUTES)}",
                        where="grammar.yaml:numbers.units")
    for kind, entries in table.items():
        for e in entries:
            if not (isinstance(e, str) and e) and not (
                    isinstance(e, dict) and isinstance(e.get("p"), str) and isinstance(e.get("only_before"), list)
                    and all(isinstance(w, str) and w for w in e["only_before"])):
                raise DataError(f"grammar.yaml: bad unit entry {e!r} of '{kind}'", where="grammar.yaml:numbers.units",
                                hint="An entry is a quoted pattern or {p: pattern, only_before: [words]}.")
    return table


def _verbose_safe(fragment: str) -> str:
    """A fragment for a pattern compiled with re.X: its spaces and '#' escaped."""
    return fragment.replace(" ", r"\ ").replace("#", r"\#")


def _unit_word(entry, scanning: bool) -> str:
    """One unit entry as a pattern; in the scan an ``only_before`` entry gets its lookahead."""
    if isinstance(entry, str):
        return entry
    if not scanning:
        return entry["p"]
    return entry["p"] + rf"(?=\s+(?:{alternation(entry['only_before'])}))"


_WORDNUMS = _word_numbers()
_WORDNUM_ALT = "|".join(sorted(_WORDNUMS, key=len, reverse=True))
_WORD_DIGITS = alternation(w for w, v in _WORDNUMS.items() if 1 <= v <= 9)  # "twenty-ONE"
_SPELLED_UNITS = alternation(_verbose_safe(w) for w in grammar_words("numbers", "spelled_number_units"))
_UNITS = _unit_table()
_UNIT_ALT = alternation(_verbose_safe(_unit_word(e, True)) for entries in _UNITS.values() for e in entries)
_QTY_RE = re.compile(
    rf"""(?<![\w.,$#/])
    (?P<cur>\$\s?)?
    (?P<num>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|\.\d+
       |(?:half\s+an?|an?|(?:{_WORDNUM_ALT})(?:[\s-](?:{_WORD_DIGITS}))?)
        (?=[\s-]*(?:{_SPELLED_UNITS})))
    (?P<mult>\s?k(?![\w])|\s(?:grand|thousand|hundred)(?![\w]))?
    (?P<plus1>\+)?
    (?P<unit>\s?-?\s?(?:{_UNIT_ALT}))?
    (?P<plus>\s?\+)?
    (?![\w])""",
    re.I | re.X,
)
# numbers that are no quantity: model numbers ("Windows 11"), other units ("120hz", "3 kids"),
# resolutions ("4k screen"), years ("since 2019"), times ("10:30")
_MASK_RE = re.compile(
    rf"(?<![\w])(?:{grammar_alternation('numbers', 'model_prefixes')})\s?-?\s?\d+(?:\.\d+)?[a-z]*"
    r"|\d+(?:st|nd|rd|th)(?![\w])|\d+\s?(?:%|percent)|\d+\s?(?:x|by)\s?\d+"
    rf"|\d+(?:\.\d+)?\s?(?:{grammar_alternation('numbers', 'other_units')})(?![\w])"
    rf"|\d+k\s+(?:{grammar_alternation('numbers', 'k_resolution_nouns')})"
    r"|(?<=\b(?:in|at) )[48]k(?![\w])"
    rf"|(?:{grammar_alternation('numbers', 'k_resolution_verbs')})\s+(?:in\s+)?[48]k(?![\w])"
    rf"|(?<![\w$])(?:{grammar_alternation('numbers', 'year_openers')})\s+(?:199\d|20[0-3]\d)"
    rf"(?![\w]|\s*(?:{grammar_alternation('numbers', 'year_not_before')}))|\d{{1,2}}:\d{{2}}",
    re.I,
)
_UNIT_KIND = [(re.compile(rf"^(?:{alternation(_unit_word(e, False) for e in entries)})$"), kind)
              for kind, entries in _UNITS.items()]
# words that may follow a bare number ("700 max"); any other word makes it no quantity ("3 kids")
_BARE_OK = frozenset(grammar_words("numbers", "bare_number_followers"))
_NEXT_WORD_RE = re.compile(r"\s*([a-z][\w'-]*)", re.I)
_RANGE_CONNECT_RE = re.compile(r"^\s*(?P<c>-|to|and|or|/)\s*(?:\$\s?)?$", re.I)
_BETWEEN_RE = re.compile(rf"(?<![\w])(?:{grammar_alternation('numbers', 'range_openers')})[\s$]*$", re.I)


# ---- comparators -----------------------------------------------------------------------------


def _comparators(name: str, bounds: tuple[str, ...], built: dict[str, str] | None = None) -> str:
    """The comparators ``numbers.<name>`` as one alternation of named groups, in ``bounds`` order;
    ``built`` adds per bound an alternative composed in code, tried after the listed ones."""
    built = built or {}
    table = grammar_entry("numbers", name)
    if not isinstance(table, dict) or not set(table) <= set(bounds) or any(
            b not in table and b not in built for b in bounds) or not all(
            isinstance(ws, list) and all(isinstance(w, str) and w for w in ws) for ws in table.values()):
        raise DataError(f"grammar.yaml: 'numbers.{name}' must map the bounds {', '.join(bounds)} to "
                        "lists of quoted patterns", where=f"grammar.yaml:numbers.{name}")
    groups = []
    for b in bounds:
        alts = ([alternation(table[b])] if b in table else []) + ([built[b]] if b in built else [])
        groups.append(rf"(?P<{b}>{'|'.join(alts)})")
    return "|".join(groups)


_FILL = grammar_alternation("numbers", "comparator_fillers")
# "can't go above", "won't spend more than": REFUSAL [MODAL] [VERB] [QUANTITY] BEYOND, a ceiling
_REFUSAL_MODALS = "|".join(" " + w for w in grammar_words("numbers", "refusal_modals"))
_REFUSAL_QUANTITIES = grammar_alternation("numbers", "refusal_quantities", " ")
_REFUSAL_CMP = (rf"(?:{grammar_alternation('numbers', 'refusals')})(?:{_REFUSAL_MODALS})? ?"
                rf"(?:{grammar_alternation('numbers', 'refusal_verbs')})?\s*(?:{_REFUSAL_QUANTITIES})?"
                rf"(?:{grammar_alternation('numbers', 'refusal_beyond')})")
# "$1,299 is way over my budget": VERB [INTENSIFIER] BEYOND WHOSE, a strict ceiling after the number
_OVER_LIMIT_INTENSIFIERS = grammar_alternation("numbers", "over_limit_intensifiers", " ")
_OVER_LIMIT = (rf"(?:{grammar_alternation('numbers', 'over_limit_verbs')}) (?:{_OVER_LIMIT_INTENSIFIERS})?"
               rf"(?:{grammar_alternation('numbers', 'over_limit_beyond')}) "
               rf"(?:{grammar_alternation('numbers', 'over_limit_whose')})")
_CMP_ALTS = _comparators("comparators_before", ("ge", "le", "lt", "gt", "eq", "approx"), {"le": _REFUSAL_CMP})
# a comparator right before a number (fillers allowed between): its group names the bound
PRE_CMP_RE = re.compile(
    rf"(?<![\w'])(?:{_CMP_ALTS})(?:[\s$~]*(?:{_FILL})(?![\w']))*[\s$~]*$", re.I
)
# a comparator right after a number: its group names the bound
POST_CMP_RE = re.compile(
    r"[\s,]*(?:" + _comparators("comparators_after", ("ge", "le", "lt", "approx", "eq"), {"lt": _OVER_LIMIT})
    + r")(?![\w])", re.I)


# ---- the scan --------------------------------------------------------------------------------


@dataclass
class Quantity:
    """A number found in text: ``text[start:end]`` is the number and its unit (a trailing "+" not
    included), ``value`` the number (multipliers applied), ``unit`` its unit kind (a key of
    :data:`UNIT_ATTRIBUTES`) or None, ``plus`` True for "16GB+"."""

    start: int
    end: int  # end of number+unit
    value: float
    unit: str | None
    plus: bool = False


def mask_non_quantities(text: str) -> str:
    """``text`` with the numbers that are no quantity blanked (same length): model numbers
    ("Windows 11", "RTX 4060"), other units ("120hz", "3 kids", "2 years"), resolutions ("4k
    screen"), years ("since 2019") and times."""
    return _MASK_RE.sub(lambda m: " " * (m.end() - m.start()), text)


def _parse_num(raw: str) -> float:
    s = raw.strip().lower().replace(",", "")
    if s.startswith("half"):
        return 0.5
    if s in ("a", "an"):
        return 1.0
    try:
        return float(s)
    except ValueError:
        total = 0
        for part in re.split(r"[\s-]+", s):
            total += _WORDNUMS.get(part, 0)
        return float(total)


def _unit_kind(unit: str | None) -> str | None:
    if not unit:
        return None
    u = unit.strip().lstrip("-").strip().lower()
    for rx, kind in _UNIT_KIND:
        if rx.match(u):
            return kind
    return None


def scan_quantities(masked: str, lex: Lexicon, kw_spans) -> list[Quantity]:
    """Every quantity in ``masked`` (the text with names and non-quantities blanked), in order.

    A bare number followed by a word is kept only when the word may follow a number ("700 max"),
    is an attribute word of ``kw_spans`` ("16 of RAM") or a product noun of the lexicon; "3 kids"
    and "2 years" are skipped.
    """
    out = []
    for m in _QTY_RE.finditer(masked):
        value = _parse_num(m.group("num"))
        mult = (m.group("mult") or "").strip().lower()
        if mult in ("k", "grand", "thousand"):
            value *= 1000
        elif mult == "hundred":
            value *= 100
        unit = _unit_kind(m.group("unit"))
        if m.group("cur") or mult == "grand" or (mult in ("k", "thousand", "hundred") and unit is None):
            unit = "money"
        if unit is None and not mult:
            # a bare number: reject "3 kids", "2 years"; keep "700 max", "16 of ram"
            nw = _NEXT_WORD_RE.match(masked, m.end())
            if nw and nw.start(1) - m.end() <= 2:
                word = nw.group(1).lower()
                if word not in _BARE_OK and not any(s == nw.start(1) for s, _, _ in kw_spans) \
                        and not lex.nouns_re.match(masked, nw.start(1)):
                    continue
        out.append(Quantity(m.start(), m.end() - (len(m.group("plus")) if m.group("plus") else 0), value, unit,
                            bool(m.group("plus") or m.group("plus1"))))
    return out


def group_quantities(text: str, qtys: list[Quantity]) -> list[tuple[list[Quantity], str]]:
    """``qtys`` joined where ``text`` links them: ``"range"`` for "600-900", "600 to 900" and
    "between 600 and 900", ``"alt"`` for "16 or 32 GB" and "16/32"; a lone quantity is
    ``"single"``. A quantity written with "+" ends its group."""
    groups: list[tuple[list[Quantity], str]] = []
    i = 0
    while i < len(qtys):
        group, kind = [qtys[i]], "single"
        while i + 1 < len(qtys):
            m = _RANGE_CONNECT_RE.match(text[group[-1].end:qtys[i + 1].start])
            if not m or group[-1].plus:
                break
            c = m.group("c").lower()
            if c == "and" and not _BETWEEN_RE.search(text, max(0, group[0].start - 12), group[0].start):
                break
            kind = "alt" if c in ("or", "/") else "range"
            group.append(qtys[i + 1])
            i += 1
        groups.append((group, kind))
        i += 1
    return groups
