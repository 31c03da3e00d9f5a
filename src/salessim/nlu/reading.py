"""The result of extraction (:class:`Extracted`) and the state of reading one text
(:class:`ReadingContext`): the readers of numbers and words record their findings there, and the
strength cues and question marks are read once every span is known.

Questions about products rather than wishes ("Does it have 5G?", "Is the OnePlus any good?") are
dropped here; their cue words are data (``questions`` in ``data/nlu/grammar.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from salessim.nlu.lexicon import Lexicon, grammar_alternation
from salessim.nlu.polarity import THE_BEFORE_RE
from salessim.nlu.strength import Strength, cue_strength
from salessim.nlu.text import SENTENCE_END_RE, clause_bounds
from salessim.schema import Criterion

_SENTENCE_START_RE = re.compile(r"(?:.*)[.!?]+\s+", re.S)
_COMPARE_Q_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('questions', 'comparison')})(?![\w'])", re.I)
_FEATURE_OPENERS = grammar_alternation("questions", "feature_openers", r"\s+")
_FEATURE_Q_RE = re.compile(
    rf"\s*(?:{_FEATURE_OPENERS})?"
    rf"(?:{grammar_alternation('questions', 'feature_verbs')})\s+"
    rf"(?:{grammar_alternation('questions', 'feature_subjects')})\b", re.I)
_DEFINE_BEFORE_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('questions', 'definition_before')})\s+$", re.I)
_DEFINE_AFTER_RE = re.compile(rf"\s+(?:{grammar_alternation('questions', 'definition_after')})(?![\w])", re.I)
_REPORTED_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('questions', 'reported')})\s+(?:\w+\s+)?$", re.I)


@dataclass(frozen=True)
class Extracted:
    """One criterion read from text: ``attribute op value`` with the shopper's ``strength``.

    ``strength`` is ``"must"``, ``"want"`` or None (no cue). ``span`` is the text it was read
    from; ``start``/``end`` index that span in the original text. ``question`` is True when the
    sentence ends with a question mark ("Does it have 5G?"): callers that only count statements
    can drop those. ``vague`` is True when the number is the lexicon's default reading of a vague
    word ("lightweight", "cheap") rather than a number the shopper said.
    """

    attribute: str
    op: str
    value: Any
    strength: Strength | None = None
    span: str = ""
    start: int = -1
    end: int = -1
    question: bool = False
    vague: bool = False

    def to_criterion(self, kind: str | None = None, weight: float = 1.0) -> Criterion:
        """This criterion as a schema :class:`~salessim.schema.Criterion`.

        ``kind`` defaults to ``dealbreaker`` for a ``must`` and ``preference`` otherwise.
        """
        if kind is None:
            kind = "dealbreaker" if self.strength == "must" else "preference"
        value = list(self.value) if isinstance(self.value, (list, tuple)) else self.value
        return Criterion(attribute=self.attribute, op=self.op, value=value, kind=kind, weight=weight,
                         phrasings=[self.span] if self.span else [])

    def describe(self) -> str:
        """A short human-readable form, e.g. ``price <= 800 (must)``."""
        v = ", ".join(self.value) if isinstance(self.value, (list, tuple)) else self.value
        return f"{self.attribute} {self.op} {v}" + (f" ({self.strength})" if self.strength else "")


@dataclass
class ReadingContext:
    """The state of reading one text for one category.

    ``text`` is the normalised text (spans index it and the original alike); ``masked`` the same
    text with product names and numbers that are no quantities blanked, for the number scan;
    ``lex`` the category's lexicon; ``clause_starts`` the clause offsets
    (:func:`salessim.nlu.text.clause_starts`); ``strength_cues`` the cues of
    :func:`salessim.nlu.strength.find_cues`; ``keyword_spans`` the attribute words as
    ``(start, end, attribute)``; ``brand_spans`` the brand mentions as ``(start, end)``;
    ``shouting`` True when the text is mostly capitals (capitalisation then says nothing about
    product names). ``readings`` collects what the readers found, as ``(Extracted, vague)``.
    """

    text: str
    masked: str
    lex: Lexicon
    clause_starts: list[int]
    strength_cues: list
    keyword_spans: list
    readings: list = field(default_factory=list)
    brand_spans: list = field(default_factory=list)
    shouting: bool = False

    def clause(self, pos: int) -> tuple[int, int]:
        """(start, end) of the clause holding ``pos``."""
        return clause_bounds(self.clause_starts, pos, len(self.text))

    def add(self, attr, op, value, s, e, vague=False):
        """Record one reading of ``text[s:e]`` (its strength is read once all spans are known)."""
        self.readings.append((Extracted(attr, op, value, None, self.text[s:e], s, e), vague))

    def with_strengths(self) -> list[tuple[Extracted, bool]]:
        """The extracted items with their strength cue read (needs every span known)."""
        spans = sorted({(x.start, x.end) for x, _ in self.readings})
        done = []
        for x, vague in self.readings:
            cs, ce = self.clause(x.start)
            strength = cue_strength(self.strength_cues, x.start, x.end, cs, ce, self.text, spans)
            stop = SENTENCE_END_RE.search(self.text, x.end)
            question = bool(stop and stop.group(0).startswith("?"))
            if question and self._information_question(x):
                continue
            done.append((Extracted(x.attribute, x.op, x.value, strength, x.span, x.start, x.end, question, vague),
                         vague))
        return done

    def _information_question(self, x: Extracted) -> bool:
        """A question about products rather than a wish: "Does it have 5G?", "Is the OnePlus any
        good?", "What's the difference between on-ear and over-ear?", or about a word: "What is
        ANC?", "You mentioned ChromeOS, what does that do for me?"."""
        start = _SENTENCE_START_RE.search(self.text, 0, x.start)
        s0 = start.end() if start else 0
        head = self.text[s0:x.start]
        if _COMPARE_Q_RE.search(head) or _COMPARE_Q_RE.match(self.text, x.end):
            return not isinstance(x.value, (int, float)) or isinstance(x.value, bool)
        if isinstance(x.value, bool) and _FEATURE_Q_RE.match(head):
            return True
        if x.attribute in ("brand", "line") and THE_BEFORE_RE.search(head):
            return True
        if not isinstance(x.value, (int, float)) or isinstance(x.value, bool):  # a term, not an amount
            return bool(_DEFINE_BEFORE_RE.search(head) or _DEFINE_AFTER_RE.match(self.text, x.end)
                        or _REPORTED_RE.search(head))
        return False
