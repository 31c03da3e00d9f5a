"""Polarity of a mention: negated, owned, a shown product's fact, turned down, or not cared about.

- negation: "not a Dell", "anything but Windows", "Windows is out" (:func:`is_negated`);
- ownership: what the shopper has ("my old laptop has 8GB") or picks among shown products ("I'll
  take the Anker ones") is no wish (:func:`is_owned`, :func:`is_owned_quantity`, :func:`is_picked`);
- product facts: "the XPS costs $1,299", "it runs Windows" describe a shown product
  (:func:`is_product_fact`), no criterion unless turned down (:func:`is_rejected_fact`); what the
  shopper used to own and speaks badly of is turned down too (:func:`is_disliked_owned`);
- indifference: "I don't care about battery life", "I'm open on the brand" (:func:`indifferent`).

The readings are documented in :mod:`salessim.nlu.extract` ("Words", "Not criteria",
"Rejections"). The cue words are data: ``negation``, ``ownership``, ``facts``, ``rejections`` and
``questions.demonstratives`` in ``data/nlu/grammar.yaml``; the indifference cues are per category
in ``data/nlu/lexicon.yaml``.
"""

from __future__ import annotations

import bisect
import re

from salessim.nlu.lexicon import Lexicon, grammar_alternation
from salessim.nlu.text import SENTENCE_END_RE

# ---- negation --------------------------------------------------------------------------------

_NEG_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('negation', 'before')})(?![\w'])", re.I)
_NEG_RESET_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('negation', 'reset')})(?![\w'])", re.I)
_POST_NEG_RE = re.compile(rf"\W*(?:{grammar_alternation('negation', 'after')})(?![\w])", re.I)
_WORD_RE = re.compile(r"[\w'$]+")
_USE_FILLERS = grammar_alternation("negation", "use_fillers", r"\s+")
_USE_NEG_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('negation', 'use_before')})\s+(?:{_USE_FILLERS})?$", re.I)


def is_negated(text: str, start: int, lo: int, end: int) -> bool:
    """True when a negation cue governs the mention at ``start`` (searching back to ``lo``)."""
    window = text[lo:start]
    last = None
    for m in _NEG_RE.finditer(window):
        last = m
    if last is not None:
        between = window[last.end():]
        if len(_WORD_RE.findall(between)) <= 5 and not _NEG_RESET_RE.search(between):
            return True
    return bool(_POST_NEG_RE.match(text, end, min(len(text), end + 40)))


def is_use_negated(text: str, start: int, lo: int) -> bool:
    """True when the use named at ``start`` is denied right before it ("I don't really game"),
    searching back to ``lo``."""
    return bool(_USE_NEG_RE.search(text, max(lo, start - 30), start))


# ---- ownership and picks ---------------------------------------------------------------------

_OWNED_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('ownership', 'owned_before')})"
    rf"\s+(?:(?:{grammar_alternation('ownership', 'owned_fillers')})\s+){{0,2}}$"
    rf"|(?<![\w'])my (?:{grammar_alternation('ownership', 'my_adjectives')})\s+(?:[\w']+\s+){{0,4}}$",
    re.I,
)
_DEVICES = grammar_alternation("ownership", "devices")
_OWNED_NUM_RE = re.compile(
    rf"(?<![\w'])(?:my (?:{grammar_alternation('ownership', 'device_adjectives', ' ')})?(?:{_DEVICES})s? "
    rf"(?:{grammar_alternation('ownership', 'device_verbs')})"
    rf"|my (?:{grammar_alternation('ownership', 'owned_device_adjectives')}) (?:{_DEVICES})s?"
    r"|i (?:currently )?(?:have|had) (?:an?|my)? ?\w+ (?:with|that has))\b"
    rf"(?:(?!\b(?:{grammar_alternation('ownership', 'clause_breaks')})\b)[^.!?;,])*$",
    re.I,
)
_DEMONSTRATIVES = grammar_alternation("questions", "demonstratives")
# words right before a mention that point at a shown product: "the XPS", "that one"
THE_BEFORE_RE = re.compile(rf"(?<![\w'])(?:{_DEMONSTRATIVES})\s+$", re.I)
_DECISION_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('ownership', 'decision_subjects')})"
    rf"\s+(?:{grammar_alternation('ownership', 'decision_verbs')})\s+(?:{_DEMONSTRATIVES})\s+$",
    re.I,
)


def is_picked(text: str, start: int, lo: int) -> bool:
    """True when the words before ``start`` (back to ``lo``, at most 45 characters) pick a product
    shown to the shopper: "I'll take the Anker ones"."""
    return bool(_DECISION_RE.search(text, max(lo, start - 45), start))


def is_owned(text: str, start: int, lo: int) -> bool:
    """True when the words before ``start`` speak about what the shopper already has, or pick a
    product shown to them ("I'll take the Anker ones") rather than state a wish."""
    lo = max(lo, start - 45)
    return bool(_OWNED_RE.search(text, lo, start) or is_picked(text, start, lo))


def is_owned_quantity(text: str, start: int, lo: int) -> bool:
    """True when the words from ``lo`` to the number at ``start`` say what the shopper's own device
    has: "my old laptop has 8GB", "I have a Dell with 256GB"."""
    return bool(_OWNED_NUM_RE.search(text, lo, start))


# ---- facts about a shown product -------------------------------------------------------------

_FACT_FILL = rf"(?:(?:{grammar_alternation('facts', 'fillers')})\s+)*\$?\s*"
_FACT_PRONOUNS = grammar_alternation("facts", "subject_pronouns")
_FACT_RE = re.compile(
    rf"(?:(?<![\w'])(?P<pron>{_FACT_PRONOUNS})(?:'s|'re|\s+is|\s+are)"
    rf"|(?<![\w'])(?:{grammar_alternation('facts', 'verbs')}))\s+" + _FACT_FILL + "$",
    re.I,
)
_FACT_SUBJ_RE = re.compile(
    rf"(?:^|[\s,])(?:{_FACT_PRONOUNS}|the\s+(?!{grammar_alternation('facts', 'not_subjects')})"
    r"[\w\-]+(?:\s+[\w\-.]+){0,3})\s*$",
    re.I,
)
_FIRST_PERSON_RE = re.compile(rf"(?<![\w'])(?:{grammar_alternation('facts', 'first_person')})(?![\w'])", re.I)
# after a brand or line: a verb that makes it a shown product ("the ThinkPad has no touchscreen")
FACT_AFTER_RE = re.compile(
    rf"(?:[\s-]+[\w.+-]+){{0,4}}?\s+(?:{grammar_alternation('facts', 'verbs_after')})(?![\w'])", re.I)
# after a brand: a word that makes it a product line ("the ThinkPad series"), not a shown product
SERIES_AFTER_RE = re.compile(rf"\s+(?:{grammar_alternation('facts', 'series_words')})(?![\w])", re.I)
_CONDITION_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('facts', 'conditions')})\s+(?:[\w'-]+\s+){{0,3}}$"
    rf"|(?:{grammar_alternation('facts', 'conditions_last')})\s*$",
    re.I,
)


def is_product_fact(text: str, start: int, lo: int, brand_spans=()) -> bool:
    """True when the words before ``start`` describe a shown product ("the XPS costs $1,299",
    "it runs Windows", "Not the Dell, it has no touchscreen") rather than a wish ("bonus if it has
    a touchscreen")."""
    m = _FACT_RE.search(text, max(lo, start - 60), start)
    if not m:
        return False
    if _CONDITION_RE.search(text, max(lo, m.start() - 40), m.start()):
        return False
    if m.group("pron"):
        head = text[max(lo, m.start() - 30):m.start()]
        return not _FIRST_PERSON_RE.search(head.split(",")[-1].split(":")[-1])
    sep = max(text.rfind(ch, lo, m.start()) for ch in ",:;")
    subj = text[max(lo, sep + 1):m.start()]
    if not subj.strip() or _FIRST_PERSON_RE.search(subj):
        return False
    if _FACT_SUBJ_RE.search(subj):
        return True
    s0 = max(lo, sep + 1)
    return any(s0 <= bs and be <= m.start() for bs, be in brand_spans)


# ---- rejections: a shown or owned product's property turned down -----------------------------

# after a fact about a shown product: "it runs macOS, and that won't work", "it's a Chromebook,
# which is no good for me", "it's wireless, which rules it out"
_VERDICT_INTENSIFIERS = grammar_alternation("rejections", "verdict_intensifiers", r"\s+")
_VERDICT = (rf"(?:{grammar_alternation('rejections', 'verdict_subjects')})"
            rf"(?:'s|\s+is|\s+would be|\s+will be|\s+was)\s+(?:{_VERDICT_INTENSIFIERS})?"
            rf"(?:{grammar_alternation('rejections', 'verdicts')})")
_REJECT_AFTER_RE = re.compile(
    rf"(?<![\w'])(?:{_VERDICT}|{grammar_alternation('rejections', 'after')})(?![\w'])", re.I)
# before it: "unfortunately it runs Windows", "I hate that it's a Chromebook"
_REJECT_BEFORE_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('rejections', 'before')})[\s,]+(?:[\w'-]+\s+){{0,5}}$", re.I)
# a negation that is part of the fact itself ("it has no touchscreen")
_FACT_NEG_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('rejections', 'absence')})"
    rf"\s+(?:(?:{grammar_alternation('rejections', 'absence_fillers')})\s+)?$",
    re.I,
)
# what the shopper used to own, disliked: "I had Beats before and hated them"
_PAST_OWNED_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('ownership', 'past_owned_before')})"
    rf"\s+(?:(?:{grammar_alternation('ownership', 'past_owned_fillers')})\s+){{0,2}}$"
    rf"|(?<![\w'])my (?:{grammar_alternation('ownership', 'past_adjectives')})\s+(?:[\w']+\s+){{0,4}}$",
    re.I,
)
_DISLIKE_INTENSIFIERS = grammar_alternation("rejections", "dislike_intensifiers", " ")
_DISLIKE = (grammar_alternation("rejections", "dislike")
            + rf"|(?:was|were|it was|they were) (?:{_DISLIKE_INTENSIFIERS})?"
            rf"(?:{grammar_alternation('rejections', 'dislike_adjectives')})")
_DISLIKE_RE = re.compile(rf"(?<![\w'])(?:{_DISLIKE})(?![\w'])", re.I)
_DISLIKE_START_RE = re.compile(
    rf"\s*(?:and\s+)?(?:i\s+|they\s+|it\s+)?(?:really\s+|just\s+)?(?:{_DISLIKE})(?![\w'])", re.I)


def is_rejected_fact(text: str, s: int, e: int, cs: int) -> bool:
    """True when the shown product's property at ``text[s:e]`` is turned down in its sentence
    ("it runs macOS, and that won't work"; "unfortunately it's a Chromebook")."""
    stop = SENTENCE_END_RE.search(text, e)
    hi = min(stop.start() if stop else len(text), e + 90)
    return bool(_REJECT_AFTER_RE.search(text, e, hi) or _REJECT_BEFORE_RE.search(text, max(cs, s - 80), s))


def is_disliked_owned(text: str, clause_starts: list[int], s: int, cs: int, ce: int) -> bool:
    """True when the mention at ``s`` (in the clause ``text[cs:ce]``; ``clause_starts`` as
    :func:`salessim.nlu.text.clause_starts` gives them) is something the shopper used to own and
    speaks badly of ("I had Beats before and hated them", "my last laptop was a Chromebook and it
    was awful"); what they own now ("I currently have a Dell and I hate it") stays a fact, not a
    rejection."""
    if not _PAST_OWNED_RE.search(text, max(cs, s - 45), s):
        return False
    if _DISLIKE_RE.search(text, cs, ce):
        return True
    i = bisect.bisect_right(clause_starts, s)
    return i < len(clause_starts) and clause_starts[i] == ce and bool(_DISLIKE_START_RE.match(text, ce))


def fact_polarity(text: str, s: int, lo: int) -> bool:
    """True when the fact states the property itself, False when it states its absence."""
    return not _FACT_NEG_RE.search(text, max(lo, s - 20), s)


# ---- indifference ----------------------------------------------------------------------------


def indifferent(lex: Lexicon, text: str, start: int, lo: int, end: int, hi: int, attr: str | None = None) -> bool:
    """True when an indifference cue of the lexicon covers ``text[start:end]`` (within the clause
    ``text[lo:hi]``): "I don't care about battery life", "brand doesn't matter"."""
    if lex.indifference_before_re.search(text, max(lo, start - 60), start):
        return True
    if lex.indifference_scoped_re is not None and lex.indifference_scoped_re.search(text, max(lo, start - 80), start):
        return True
    if attr is not None and lex.indifference_noun_re is not None:
        m = lex.indifference_noun_re.search(text, max(lo, start - 90), start)
        if m and lex.noun_attr.get(m.lastgroup) == attr:
            return True
    return bool(lex.indifference_after_re.match(text, end, min(hi, end + 50)))
