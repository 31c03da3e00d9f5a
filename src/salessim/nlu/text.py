"""Text preparation for extraction: the normalised text, its clauses and sentences, and the
product names it spells out.

Every transformation here keeps the text's length, so a span found in the prepared text indexes
the original. The words that open a clause are data (``text`` in ``data/nlu/grammar.yaml``).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable

from salessim.nlu.lexicon import grammar_alternation, grammar_words

_TRANS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2033": '"',
                        "\u2013": "-", "\u2014": "-", "\u00a0": " ", "`": "'", "\u2032": "'"})

_CLAUSE_RE = re.compile(
    r"[.!?;\n]+(?=\s|$)"
    + "|" + "".join(f"(?<!{w})" for w in grammar_words("text", "but_not_after")) + r"\s+but\s+"
    + rf"|\s+(?:{grammar_alternation('text', 'clause_openers')})\s+"
    + rf"|,\s*(?:{grammar_alternation('text', 'clause_openers_after_comma')})\s+"
    + r"|\s+-\s+|[()]",
    re.I,
)

# the end of a sentence: "." "!" "?" before a space or the end of the text
SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s|$)")

# "smaller then 15 inches": the common misspelling of a comparison's "than"
_THEN_RE = re.compile(
    rf"(?<![\w'])({grammar_alternation('text', 'then_misspelt_after')}) then(?![\w'])", re.I)

_NAME_SPACING = re.compile(r"[\s\-]+")


def normalise(text: str) -> str:
    """``text`` as extraction reads it: typographic quotes and dashes straightened (same length)."""
    return text.translate(_TRANS)


def correct_then(text: str) -> str:
    """``text`` with the misspelt comparison "smaller then 15 inches" read as "than" (same length)."""
    return _THEN_RE.sub(r"\1 than", text)


def clause_starts(text: str) -> list[int]:
    """Start offsets of the clauses of ``text`` (always begins with 0)."""
    starts = [0]
    for m in _CLAUSE_RE.finditer(text):
        starts.append(m.end())
    return starts


def clause_bounds(starts: list[int], pos: int, length: int) -> tuple[int, int]:
    """(start, end) of the clause holding ``pos`` in a text of ``length`` whose clauses start at
    ``starts`` (:func:`clause_starts`)."""
    i = bisect.bisect_right(starts, pos) - 1
    return starts[i], (starts[i + 1] if i + 1 < len(starts) else length)


def shouting(text: str) -> bool:
    """True when ``text`` is written mostly in capitals: its capitalisation then says nothing about
    product names."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 8 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


# ---- product names spelled out in the text ----------------------------------------------------


@functools.lru_cache(maxsize=100_000)
def _flat(text: str) -> str:
    return _NAME_SPACING.sub(" ", text.translate(_TRANS).lower())


def spelled_names(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The ``names`` that ``text`` spells out, compared as ``extract_criteria(product_names=...)``
    matches them (case, dashes, quotes and spacing aside); a quick filter before masking."""
    flat = _flat(text)
    return tuple(n for n in names if _flat(n) in flat)


@functools.lru_cache(maxsize=64)
def names_re(names: tuple[str, ...]) -> re.Pattern | None:
    """One pattern matching every one of ``names`` as a whole word (case, quotes and the spacing
    or dashes between its words aside), longest first; None when no name is given (cached)."""
    alts = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not alts:
        return None
    parts = [r"[\s\-]+".join(re.escape(w) for w in re.split(r"[\s\-]+", a.translate(_TRANS))) for a in alts]
    return re.compile(rf"(?<![\w])(?:{'|'.join(parts)})(?![\w])", re.I)


def mask_names(text: str, names: Iterable[str]) -> str:
    """``text`` with every spelled-out occurrence of ``names`` blanked (same length), as
    ``extract_criteria(product_names=...)`` masks them."""
    found = spelled_names(text, names) if names else ()
    rx = names_re(tuple(found)) if found else None
    return rx.sub(lambda m: " " * (m.end() - m.start()), text) if rx is not None else text
