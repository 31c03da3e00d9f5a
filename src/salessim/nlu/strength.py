"""Strength cues: whether the shopper states a criterion as a ``must`` or a ``want``.

The cue words are data (``strength`` in ``data/nlu/grammar.yaml``); how a cue reaches a criterion
is here (see "Strength" in :mod:`salessim.nlu.extract`).
"""

from __future__ import annotations

import re
from typing import Literal

from salessim.nlu.lexicon import grammar_alternation

Strength = Literal["must", "want"]

_MUST_PRE = grammar_alternation("strength", "must_before")
_MUST_POST = (rf"(?<!not )(?<!n't )(?:(?:is|are|'s) )?(?:{grammar_alternation('strength', 'must_verdicts')})|"
              + grammar_alternation("strength", "must_after"))
_WANT_PRE = grammar_alternation("strength", "want_before")
_WANT_POST = grammar_alternation("strength", "want_after")


def _cue_re(alts: str) -> re.Pattern:
    return re.compile(rf"(?<![\w'])(?:{alts})(?![\w'])", re.I)


_CUES = [(_cue_re(_MUST_PRE), "must", "pre"), (_cue_re(_MUST_POST), "must", "post"),
         (_cue_re(_WANT_PRE), "want", "pre"), (_cue_re(_WANT_POST), "want", "post")]

_ARTICLES = grammar_alternation("lists", "articles")
# what may stand between two criteria of one list, through which a cue written after reaches back
_LIST_GAP_RE = re.compile(
    rf"^[\s,]*(?:{grammar_alternation('strength', 'list_words')})?\s+(?:(?:{_ARTICLES})\s+)?$", re.I)


def find_cues(text: str) -> list[tuple[int, int, str, str]]:
    """Every strength cue in ``text`` as ``(start, end, "must"|"want", "pre"|"post")``: ``pre``
    cues are written before their criterion ("I need ..."), ``post`` cues after it ("... is a
    must")."""
    out = []
    for rx, kind, direction in _CUES:
        for m in rx.finditer(text):
            out.append((m.start(), m.end(), kind, direction))
    return out


def cue_strength(cues, s: int, e: int, cs: int, ce: int, text: str = "", spans=()) -> Strength | None:
    """The cue nearest to the span [s, e) in its clause.

    A cue written before ("I need ...") reaches every criterion after it in the clause; a cue
    written after ("... would be nice") reaches back over another criterion only through a list
    ("16GB and a touchscreen would be nice"), not over a separate phrase ("under $900, in black if
    possible" leaves the price without a cue).
    """
    best, best_d = None, None
    for cstart, cend, kind, direction in cues:
        if cstart < cs or cend > ce:
            continue
        if direction == "pre" and cend <= e:
            d = max(0, s - cend)  # a cue inside the span ("can't spend more than $800") counts
        elif direction == "post" and cstart >= s:
            d = max(0, cstart - e)
            blocked = False
            prev_end = e
            for os_, oe in spans:
                if os_ >= e and oe <= cstart and (os_, oe) != (s, e):
                    if not _LIST_GAP_RE.match(text[prev_end:os_]):
                        blocked = True
                        break
                    prev_end = max(prev_end, oe)
            if blocked:
                continue
        else:
            continue
        if best_d is None or d < best_d or (d == best_d and kind == "must"):
            best, best_d = kind, d
    return best  # type: ignore[return-value]
