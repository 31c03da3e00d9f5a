"""Read shopping criteria out of a shopper's free text (rule-based, precompiled regexes, no models).

``extract_criteria("I need 16 gigs and nothing over a grand", "laptops")`` returns
``ram_gb >= 16 (must)`` and ``price <= 1000 (must)``. The category vocabulary (brands, values,
vague words, uses) lives in ``data/nlu/lexicon.yaml``, the grammar's cue words (strength,
negation, ownership, rejections, comparators, units, ...) in ``data/nlu/grammar.yaml``; how they
combine lives in code. Documented readings (the rules a caller can rely on):

Numbers
- A number binds to an attribute through its unit (``$``/dollars/bucks -> price, GB/gigs -> RAM or
  storage, TB -> storage, inch/``"`` -> screen, kg/lb/g/oz -> weight, hours -> battery, mAh, MP), a
  nearby attribute word ("16 of RAM", "budget is 650", "battery of 12 hours") which wins over the
  unit's default, or, for a bare number, a price-like context: "can't go above 700",
  "between 600 and 900", "around 500". Bare numbers followed by another noun ("3 kids",
  "2 years") are ignored.
- GB without an attribute word: laptops -> RAM up to 64 GB, storage from 128 GB; smartphones -> RAM
  up to 16 GB, storage from 32 GB. 1 TB = 1024 GB ("half a terabyte" = 512). Pounds are weight
  for laptops when the number is at most 15, money otherwise. Weights are converted to the
  attribute's unit (kg rounded to 2 decimals, g to whole grams).
- Comparators: "under/below/less than" -> ``<``; "no more than/at most/max/up to/tops/or less/
  can't go above" -> ``<=``; "more than/over/above" -> ``>``; "at least/minimum/or more/+/and up"
  -> ``>=``; "exactly" -> ``==``; "between A and B" / "A-B" / "A to B" -> ``>= A`` and ``<= B``;
  "A or B" -> the looser end (``<= max`` for ceilings, ``>= min`` for floors).
- With no comparator: price is a ceiling (``<=``); attributes where more is better (RAM, storage,
  battery, camera) are floors (``>=``); weight is a ceiling; a screen size names a size class: a
  whole number X means ``>= X`` and ``< X+1`` ("15-inch" = 15.0 to 15.9), a decimal means
  ``== X``. "big ... 17" -> ``>= 17``; "small ... 13" -> ``< 14``.
- "around/about/roughly/~ X" on a price -> ``price <= round(X * 1.1)`` (to the nearest 10 from
  100 up, else to the nearest 1); on other attributes it reads like the bare number.

Words
- Brands, operating systems, colours and the other enum values come from the schema and the
  lexicon. One value -> ``==``; a list ("Lenovo or HP") -> ``in``; a negated value ("not a
  Dell", "anything but Windows", "nothing pink") -> ``!=``; a negated list -> ``not_in``. A phrase
  allowing all values but one ("dedicated graphics") -> ``!= integrated``; its negation -> ``==``.
- "at least an i5" / "i7 or better" on ordered enums (cpu_class, gpu) -> ``in`` the values from
  that level up.
- Indifference ("I don't need a touchscreen", "brand doesn't matter") yields nothing. Tightly
  scoped cues ("I'm open on/about/to", "flexible on", "I'm easy on", "no idea about", "not sure
  about", "no strong views/feelings on", "don't mind if", "doesn't matter whether", "not fussed/
  bothered about", "either way on") cover the attribute named right after them, with only articles
  or "whether it has" in between ("I'm open on ANC", "I'm flexible on a mic"; but "I'm open to
  anything with a touchscreen" stays a wish), or the attribute whose noun they name ("I'm easy on
  the brand, Dell or HP"). A cue covers a whole list or "A vs B" of one attribute ("no strong
  views on Windows vs Mac", "wireless or wired, either way"), never another attribute or clause
  ("I need wireless, and I'm open on ANC" keeps the wireless wish). The cue lists are data
  (``indifference_*`` and ``attribute_nouns`` in the lexicon).
- Vague words take documented defaults from the lexicon ("lightweight" laptop -> ``weight_kg <=
  1.5``, "all-day battery" -> ``battery_hours >= 10``, phone "big battery" -> ``battery_mah >=
  4500``, "cheap" laptop -> ``price <= 500``) unless the same text gives a number for that
  attribute; such items carry ``vague=True``.

Not criteria
- What the shopper already owns ("my old laptop has 8GB", "I have an iPhone 12 right now"), a pick
  among shown products ("I'll take the Anker ones"), differences and savings ("$200 more than I
  wanted", "saves me 200 bucks"), and questions about products rather than wishes ("Does it have
  5G?", "Is the OnePlus any good?", "the difference between on-ear and over-ear") yield nothing.
  Other questions are kept with ``question=True`` ("Do you have anything under $500?").

Rejections
- A shown product's property turned down in the same sentence is negated: "That one runs macOS,
  and that won't work" -> ``os != macOS``; "it's a Chromebook, which is no good for me",
  "unfortunately it's a 2-in-1", "I hate that it runs Windows" likewise. A fact stating an absence
  flips the other way ("the ThinkPad has no touchscreen, which is a problem" -> ``touchscreen ==
  True``). Implied criteria are not read (turning down macOS is no brand wish). Without a
  rejection ("it runs Windows, which is fine") a fact stays no criterion. "Windows won't work for
  me" / "is no good" negate like "is out".
- What the shopper *used to* own and speaks badly of is rejected ("I had Beats before and hated
  them" -> ``brand != Beats``; "my last phone was an iPhone and I hated it" -> ``os != iOS``);
  what they own now stays a fact even when disliked ("I currently have a Dell and I hate it" ->
  nothing: the complaint may be about that one device).
- A number called too big or too small in its clause takes the strict opposite bound, whether
  it is a shown product's or not: "that's too heavy for me at 2 kg" -> ``weight_kg < 2``; "$1,299
  is too expensive" -> ``price < 1299``; "the 13-inch one is a bit small" -> ``screen_in > 13``
  (the number said, not its size class: 13.3 still passes, kept simple and within the matching
  tolerance); "256GB is a bit small" -> ``storage_gb > 256``. Cues: too/a bit/a little/kind of/
  on the + big, large, heavy, bulky, expensive, pricey, much, high (-> ``<``) or small, tiny,
  short, little, low (-> ``>``); "not too big" is no cue. An explicit comparator wins. A shown
  product's number turned down without a direction ("the XPS costs $1,299, and that won't work")
  yields nothing: the words do not say which way the shopper wants to go.

Product names
- Words inside a product name are not wishes. Built-in rule (capitalisation-based, so skipped for
  text written mostly in capitals): a name is a capitalised brand (or brand line word) followed by
  capitalised or model words ("Acer Pathway Chromebook 11", "HP Spectre x360", "Samsung Galaxy A54
  5G"). A mention inside it is dropped when a word the lexicon does not know, or a line word,
  stands between the brand and it ("Pathway", "Spectre"); a name picked with "I'll take the ..."
  drops everything in it. "Apple MacBook" and "a Lenovo Windows 11 laptop" keep their readings.
- ``extract_criteria(..., product_names=[...])`` also masks every spelled-out occurrence of the
  given names (case and spacing aside): nothing inside one is read, not even its brand or size.
  Without it the behaviour is the built-in rule alone.

Strength
- ``must`` from cues such as must, need, has to, only, can't, won't consider, non-negotiable,
  dealbreaker; ``want`` from would be nice, prefer, ideally, bonus, if possible, I'd like; else
  None. A cue reaches the criteria of its own clause; a cue written before its criterion ("I
  need ...") and one written after ("... is a must") compete by distance, and a cue written after
  reaches back over another criterion only through a list ("16GB and a touchscreen would be nice").
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import re
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Literal

from salessim.nlu.lexicon import Lexicon, VocabEntry, alternation, grammar_entry, grammar_words, lexicon
from salessim.errors import DataError
from salessim.schema import Criterion

Strength = Literal["must", "want"]

# ---------------------------------------------------------------------------------------------
# The result type


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


# ---------------------------------------------------------------------------------------------
# Text preparation and clauses

_TRANS = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2033": '"',
                        "\u2013": "-", "\u2014": "-", "\u00a0": " ", "`": "'", "\u2032": "'"})

_CLAUSE_RE = re.compile(
    r"[.!?;\n]+(?=\s|$)"
    + "|" + "".join(f"(?<!{w})" for w in grammar_words("text", "but_not_after")) + r"\s+but\s+"
    + rf"|\s+(?:{alternation(grammar_words('text', 'clause_openers'))})\s+"
    + rf"|,\s*(?:{alternation(grammar_words('text', 'clause_openers_after_comma'))})\s+"
    + r"|\s+-\s+|[()]",
    re.I,
)


def _clauses(text: str) -> list[int]:
    """Start offsets of the clauses of ``text`` (always begins with 0)."""
    starts = [0]
    for m in _CLAUSE_RE.finditer(text):
        starts.append(m.end())
    return starts


def _clause_bounds(starts: list[int], pos: int, length: int) -> tuple[int, int]:
    i = bisect.bisect_right(starts, pos) - 1
    return starts[i], (starts[i + 1] if i + 1 < len(starts) else length)


# ---------------------------------------------------------------------------------------------
# Strength cues

# the cue words are data (grammar.yaml, section strength); how they reach a criterion is below
_MUST_PRE = alternation(grammar_words("strength", "must_before"))
_MUST_POST = (rf"(?<!not )(?<!n't )(?:(?:is|are|'s) )?(?:{alternation(grammar_words('strength', 'must_verdicts'))})|"
              + alternation(grammar_words("strength", "must_after")))
_WANT_PRE = alternation(grammar_words("strength", "want_before"))
_WANT_POST = alternation(grammar_words("strength", "want_after"))


def _cue_re(alts: str) -> re.Pattern:
    return re.compile(rf"(?<![\w'])(?:{alts})(?![\w'])", re.I)


_CUES = [(_cue_re(_MUST_PRE), "must", "pre"), (_cue_re(_MUST_POST), "must", "post"),
         (_cue_re(_WANT_PRE), "want", "pre"), (_cue_re(_WANT_POST), "want", "post")]


def _find_cues(text: str) -> list[tuple[int, int, str, str]]:
    out = []
    for rx, kind, direction in _CUES:
        for m in rx.finditer(text):
            out.append((m.start(), m.end(), kind, direction))
    return out


_SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s|$)")
_SENTENCE_START_RE = re.compile(r"(?:.*)[.!?]+\s+", re.S)
_ARTICLES = alternation(grammar_words("lists", "articles"))
_DEMONSTRATIVES = alternation(grammar_words("questions", "demonstratives"))
_COMPARE_Q_RE = re.compile(rf"(?<![\w'])(?:{alternation(grammar_words('questions', 'comparison'))})(?![\w'])", re.I)
_FEATURE_OPENERS = alternation(grammar_words("questions", "feature_openers"), r"\s+")
_FEATURE_Q_RE = re.compile(
    rf"\s*(?:{_FEATURE_OPENERS})?"
    rf"(?:{alternation(grammar_words('questions', 'feature_verbs'))})\s+"
    rf"(?:{alternation(grammar_words('questions', 'feature_subjects'))})\b", re.I)
_THE_BEFORE_RE = re.compile(rf"(?<![\w'])(?:{_DEMONSTRATIVES})\s+$", re.I)
_LIST_GAP_RE = re.compile(
    rf"^[\s,]*(?:{alternation(grammar_words('strength', 'list_words'))})?\s+(?:(?:{_ARTICLES})\s+)?$", re.I)


def _strength(cues, s: int, e: int, cs: int, ce: int, text: str = "", spans=()) -> Strength | None:
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


# ---------------------------------------------------------------------------------------------
# Negation, indifference, list connectors

_NEG_RE = re.compile(rf"(?<![\w'])(?:{alternation(grammar_words('negation', 'before'))})(?![\w'])", re.I)
_NEG_RESET_RE = re.compile(rf"(?<![\w'])(?:{alternation(grammar_words('negation', 'reset'))})(?![\w'])", re.I)
_POST_NEG_RE = re.compile(rf"\W*(?:{alternation(grammar_words('negation', 'after'))})(?![\w])", re.I)
_WORD_RE = re.compile(r"[\w'$]+")


def _negated(text: str, start: int, lo: int, end: int) -> bool:
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


_OWNED_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('ownership', 'owned_before'))})"
    rf"\s+(?:(?:{alternation(grammar_words('ownership', 'owned_fillers'))})\s+){{0,2}}$"
    rf"|(?<![\w'])my (?:{alternation(grammar_words('ownership', 'my_adjectives'))})\s+(?:[\w']+\s+){{0,4}}$",
    re.I,
)
_DEVICES = alternation(grammar_words("ownership", "devices"))
_OWNED_NUM_RE = re.compile(
    rf"(?<![\w'])(?:my (?:{alternation(grammar_words('ownership', 'device_adjectives'), ' ')})?(?:{_DEVICES})s? "
    rf"(?:{alternation(grammar_words('ownership', 'device_verbs'))})"
    rf"|my (?:{alternation(grammar_words('ownership', 'owned_device_adjectives'))}) (?:{_DEVICES})s?"
    r"|i (?:currently )?(?:have|had) (?:an?|my)? ?\w+ (?:with|that has))\b"
    rf"(?:(?!\b(?:{alternation(grammar_words('ownership', 'clause_breaks'))})\b)[^.!?;,])*$",
    re.I,
)
# a difference or a saving, not a bound: "$200 more than I wanted", "saves me 200 bucks"
_DELTA_AFTER_RE = re.compile(rf"\s*(?:{alternation(grammar_words('numbers', 'delta_after'))})(?![\w])", re.I)
_DELTA_FILLERS = alternation(grammar_words("numbers", "delta_fillers"), r"\s+")
_DELTA_BEFORE_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('numbers', 'delta_before'))})\s+(?:{_DELTA_FILLERS})?[$~]?\s*$",
    re.I,
)


_DECISION_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('ownership', 'decision_subjects'))})"
    rf"\s+(?:{alternation(grammar_words('ownership', 'decision_verbs'))})\s+(?:{_DEMONSTRATIVES})\s+$",
    re.I,
)


_FACT_FILL = rf"(?:(?:{alternation(grammar_words('facts', 'fillers'))})\s+)*\$?\s*"
_FACT_PRONOUNS = alternation(grammar_words("facts", "subject_pronouns"))
_FACT_RE = re.compile(
    rf"(?:(?<![\w'])(?P<pron>{_FACT_PRONOUNS})(?:'s|'re|\s+is|\s+are)"
    rf"|(?<![\w'])(?:{alternation(grammar_words('facts', 'verbs'))}))\s+" + _FACT_FILL + "$",
    re.I,
)
_FACT_SUBJ_RE = re.compile(
    rf"(?:^|[\s,])(?:{_FACT_PRONOUNS}|the\s+(?!{alternation(grammar_words('facts', 'not_subjects'))})"
    r"[\w\-]+(?:\s+[\w\-.]+){0,3})\s*$",
    re.I,
)
_FIRST_PERSON_RE = re.compile(rf"(?<![\w'])(?:{alternation(grammar_words('facts', 'first_person'))})(?![\w'])", re.I)


_FACT_AFTER_RE = re.compile(
    rf"(?:[\s-]+[\w.+-]+){{0,4}}?\s+(?:{alternation(grammar_words('facts', 'verbs_after'))})(?![\w'])", re.I)


_SERIES_AFTER_RE = re.compile(rf"\s+(?:{alternation(grammar_words('facts', 'series_words'))})(?![\w])", re.I)
_CONDITION_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('facts', 'conditions'))})\s+(?:[\w'-]+\s+){{0,3}}$"
    rf"|(?:{alternation(grammar_words('facts', 'conditions_last'))})\s*$",
    re.I,
)


def _product_fact(text: str, start: int, lo: int, brand_spans=()) -> bool:
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


def _owned(text: str, start: int, lo: int) -> bool:
    """True when the words before ``start`` speak about what the shopper already has, or pick a
    product shown to them ("I'll take the Anker ones") rather than state a wish."""
    lo = max(lo, start - 45)
    return bool(_OWNED_RE.search(text, lo, start) or _DECISION_RE.search(text, lo, start))


# ---- rejections: a shown or owned product's property turned down -----------------------------

# after a fact about a shown product: "it runs macOS, and that won't work", "it's a Chromebook,
# which is no good for me", "it's wireless, which rules it out"
_VERDICT_INTENSIFIERS = alternation(grammar_words("rejections", "verdict_intensifiers"), r"\s+")
_VERDICT = (rf"(?:{alternation(grammar_words('rejections', 'verdict_subjects'))})"
            rf"(?:'s|\s+is|\s+would be|\s+will be|\s+was)\s+(?:{_VERDICT_INTENSIFIERS})?"
            rf"(?:{alternation(grammar_words('rejections', 'verdicts'))})")
_REJECT_AFTER_RE = re.compile(
    rf"(?<![\w'])(?:{_VERDICT}|{alternation(grammar_words('rejections', 'after'))})(?![\w'])", re.I)
# before it: "unfortunately it runs Windows", "I hate that it's a Chromebook"
_REJECT_BEFORE_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('rejections', 'before'))})[\s,]+(?:[\w'-]+\s+){{0,5}}$", re.I)
# a negation that is part of the fact itself ("it has no touchscreen")
_FACT_NEG_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('rejections', 'absence'))})"
    rf"\s+(?:(?:{alternation(grammar_words('rejections', 'absence_fillers'))})\s+)?$",
    re.I,
)
# what the shopper used to own, disliked: "I had Beats before and hated them"
_PAST_OWNED_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('ownership', 'past_owned_before'))})"
    rf"\s+(?:(?:{alternation(grammar_words('ownership', 'past_owned_fillers'))})\s+){{0,2}}$"
    rf"|(?<![\w'])my (?:{alternation(grammar_words('ownership', 'past_adjectives'))})\s+(?:[\w']+\s+){{0,4}}$",
    re.I,
)
_DISLIKE = (alternation(grammar_words("rejections", "dislike"))
            + rf"|(?:was|were|it was|they were) (?:{alternation(grammar_words('rejections', 'dislike_intensifiers'), ' ')})?"
            rf"(?:{alternation(grammar_words('rejections', 'dislike_adjectives'))})")
_DISLIKE_RE = re.compile(rf"(?<![\w'])(?:{_DISLIKE})(?![\w'])", re.I)
_DISLIKE_START_RE = re.compile(rf"\s*(?:and\s+)?(?:i\s+|they\s+|it\s+)?(?:really\s+|just\s+)?(?:{_DISLIKE})(?![\w'])", re.I)


def _rejected_fact(text: str, s: int, e: int, cs: int) -> bool:
    """True when the shown product's property at ``text[s:e]`` is turned down in its sentence
    ("it runs macOS, and that won't work"; "unfortunately it's a Chromebook")."""
    stop = _SENTENCE_END_RE.search(text, e)
    hi = min(stop.start() if stop else len(text), e + 90)
    return bool(_REJECT_AFTER_RE.search(text, e, hi) or _REJECT_BEFORE_RE.search(text, max(cs, s - 80), s))


def _disliked_owned(ctx: "_Ctx", s: int, cs: int, ce: int) -> bool:
    """True when the mention at ``s`` is something the shopper used to own and speaks badly of
    ("I had Beats before and hated them", "my last laptop was a Chromebook and it was awful");
    what they own now ("I currently have a Dell and I hate it") stays a fact, not a rejection."""
    text = ctx.text
    if not _PAST_OWNED_RE.search(text, max(cs, s - 45), s):
        return False
    if _DISLIKE_RE.search(text, cs, ce):
        return True
    i = bisect.bisect_right(ctx.starts, s)
    return i < len(ctx.starts) and ctx.starts[i] == ce and bool(_DISLIKE_START_RE.match(text, ce))


def _fact_polarity(text: str, s: int, lo: int) -> bool:
    """True when the fact states the property itself, False when it states its absence."""
    return not _FACT_NEG_RE.search(text, max(lo, s - 20), s)


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


_CONNECTORS = alternation(grammar_words("lists", "connectors"))
_LIST_CONNECT_RE = re.compile(
    rf"^\s*(?P<sep>,\s*(?:(?:{_CONNECTORS})\s+)?|(?:{_CONNECTORS}|/|&)\s*|\s)\s*"
    rf"(?:(?:{alternation(grammar_words('lists', 'hedges'))})\s+)?(?:(?:{_ARTICLES})\s+)?$",
    re.I,
)


# ---------------------------------------------------------------------------------------------
# Numbers

# the attributes a quantity of each unit kind can speak about
_UNIT_ATTRS = {
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


def _verbose_safe(fragment: str) -> str:
    """A fragment for a pattern compiled with re.X: its spaces and '#' escaped."""
    return fragment.replace(" ", r"\ ").replace("#", r"\#")


_WORDNUMS = _word_numbers()
_WORDNUM_ALT = "|".join(sorted(_WORDNUMS, key=len, reverse=True))
_WORD_DIGITS = alternation(w for w, v in _WORDNUMS.items() if 1 <= v <= 9)  # "twenty-ONE"
_SPELLED_UNITS = alternation(_verbose_safe(w) for w in grammar_words("numbers", "spelled_number_units"))


def _unit_table() -> dict[str, list]:
    table = grammar_entry("numbers", "units")
    if not isinstance(table, dict) or set(table) != set(_UNIT_ATTRS):
        raise DataError(f"grammar.yaml: 'numbers.units' must list the unit kinds {sorted(_UNIT_ATTRS)}",
                        where="grammar.yaml:numbers.units")
    for kind, entries in table.items():
        for e in entries:
            if not (isinstance(e, str) and e) and not (isinstance(e, dict) and isinstance(e.get("p"), str)
                                                       and isinstance(e.get("only_before"), list)):
                raise DataError(f"grammar.yaml: bad unit entry {e!r} of '{kind}'", where="grammar.yaml:numbers.units",
                                hint="An entry is a quoted pattern or {p: pattern, only_before: [words]}.")
    return table


def _unit_word(entry, scanning: bool) -> str:
    """One unit entry as a pattern; in the scan an ``only_before`` entry gets its lookahead."""
    if isinstance(entry, str):
        return entry
    if not scanning:
        return entry["p"]
    return entry["p"] + rf"(?=\s+(?:{alternation(entry['only_before'])}))"


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
_MASK_RE = re.compile(
    rf"(?<![\w])(?:{alternation(grammar_words('numbers', 'model_prefixes'))})\s?-?\s?\d+(?:\.\d+)?[a-z]*"
    r"|\d+(?:st|nd|rd|th)(?![\w])|\d+\s?(?:%|percent)|\d+\s?(?:x|by)\s?\d+"
    rf"|\d+(?:\.\d+)?\s?(?:{alternation(grammar_words('numbers', 'other_units'))})(?![\w])"
    rf"|\d+k\s+(?:{alternation(grammar_words('numbers', 'k_resolution_nouns'))})"
    r"|(?<=\b(?:in|at) )[48]k(?![\w])"
    rf"|(?:{alternation(grammar_words('numbers', 'k_resolution_verbs'))})\s+(?:in\s+)?[48]k(?![\w])"
    rf"|(?<![\w$])(?:{alternation(grammar_words('numbers', 'year_openers'))})\s+(?:199\d|20[0-3]\d)"
    rf"(?![\w]|\s*(?:{alternation(grammar_words('numbers', 'year_not_before'))}))|\d{{1,2}}:\d{{2}}",
    re.I,
)
_UNIT_KIND = [(re.compile(rf"^(?:{alternation(_unit_word(e, False) for e in entries)})$"), kind)
              for kind, entries in _UNITS.items()]
# words that may follow a bare number ("700 max"); any other word makes it no quantity ("3 kids")
_BARE_OK = frozenset(grammar_words("numbers", "bare_number_followers"))

_FILL = alternation(grammar_words("numbers", "comparator_fillers"))


def _comparators(name: str, bounds: tuple[str, ...], built: dict[str, str] | None = None) -> str:
    """The comparators ``numbers.<name>`` as one alternation of named groups, in ``bounds`` order;
    ``built`` adds per bound an alternative composed in code, tried after the listed ones."""
    built = built or {}
    table = grammar_entry("numbers", name)
    if not isinstance(table, dict) or not set(table) <= set(bounds) or any(b not in table and b not in built
                                                                           for b in bounds) or not all(
            isinstance(ws, list) and all(isinstance(w, str) and w for w in ws) for ws in table.values()):
        raise DataError(f"grammar.yaml: 'numbers.{name}' must map the bounds {', '.join(bounds)} to "
                        "lists of quoted patterns", where=f"grammar.yaml:numbers.{name}")
    groups = []
    for b in bounds:
        alts = ([alternation(table[b])] if b in table else []) + ([built[b]] if b in built else [])
        groups.append(rf"(?P<{b}>{'|'.join(alts)})")
    return "|".join(groups)


# "can't go above", "won't spend more than": REFUSAL [MODAL] [VERB] [QUANTITY] BEYOND, a ceiling
_REFUSAL_MODALS = "|".join(" " + w for w in grammar_words("numbers", "refusal_modals"))
_REFUSAL_QUANTITIES = alternation(grammar_words("numbers", "refusal_quantities"), " ")
_REFUSAL_CMP = (rf"(?:{alternation(grammar_words('numbers', 'refusals'))})(?:{_REFUSAL_MODALS})? ?"
                rf"(?:{alternation(grammar_words('numbers', 'refusal_verbs'))})?\s*(?:{_REFUSAL_QUANTITIES})?"
                rf"(?:{alternation(grammar_words('numbers', 'refusal_beyond'))})")
# "$1,299 is way over my budget": VERB [INTENSIFIER] BEYOND WHOSE, a strict ceiling after the number
_OVER_LIMIT_INTENSIFIERS = alternation(grammar_words("numbers", "over_limit_intensifiers"), " ")
_OVER_LIMIT = (rf"(?:{alternation(grammar_words('numbers', 'over_limit_verbs'))}) (?:{_OVER_LIMIT_INTENSIFIERS})?"
               rf"(?:{alternation(grammar_words('numbers', 'over_limit_beyond'))}) "
               rf"(?:{alternation(grammar_words('numbers', 'over_limit_whose'))})")
_CMP_ALTS = _comparators("comparators_before", ("ge", "le", "lt", "gt", "eq", "approx"), {"le": _REFUSAL_CMP})
_PRE_CMP_RE = re.compile(
    rf"(?<![\w'])(?:{_CMP_ALTS})(?:[\s$~]*(?:{_FILL})(?![\w']))*[\s$~]*$", re.I
)
_POST_CMP_RE = re.compile(
    r"[\s,]*(?:" + _comparators("comparators_after", ("ge", "le", "lt", "approx", "eq"), {"lt": _OVER_LIMIT}) + r")(?![\w])", re.I)
_AFTER_KW_FILL_RE = re.compile(
    rf"^[\s,+\-]*(?:(?:{alternation(grammar_words('numbers', 'after_keyword_fillers'))})(?![\w'])[\s,+\-]*){{0,4}}$",
    re.I,
)
_BEFORE_KW_FILL_RE = re.compile(
    rf"^[\s,:\-]*(?:(?:{alternation(grammar_words('numbers', 'before_keyword_fillers'))})(?![\w'])[\s,:\-]*){{0,7}}$",
    re.I,
)
_ADJ_TAIL = rf"\W*(?:(?:{alternation(grammar_words('numbers', 'size_fillers'))})\W*){{0,4}}$"
_ADJ_BIG_RE = re.compile(rf"(?<![\w])(?:{alternation(grammar_words('numbers', 'size_big'))}){_ADJ_TAIL}", re.I)
_ADJ_SMALL_RE = re.compile(rf"(?<![\w])(?:{alternation(grammar_words('numbers', 'size_small'))}){_ADJ_TAIL}", re.I)
_PRICE_CTX_RE = re.compile(rf"(?<![\w])(?:{alternation(grammar_words('numbers', 'price_context'))})(?![\w])", re.I)
_RANGE_CONNECT_RE = re.compile(r"^\s*(?P<c>-|to|and|or|/)\s*(?:\$\s?)?$", re.I)
_BETWEEN_RE = re.compile(rf"(?<![\w])(?:{alternation(grammar_words('numbers', 'range_openers'))})[\s$]*$", re.I)
_NEXT_WORD_RE = re.compile(r"\s*([a-z][\w'-]*)", re.I)


# a number turned down with a direction: "the 13-inch one is a bit small", "too heavy at 2 kg"
_TOO_RE = re.compile(
    rf"(?<![\w'])(?<!not )(?<!n't )(?<!never )(?:(?:{alternation(grammar_words('numbers', 'too_intensifiers'))})\s+)?"
    rf"(?:{alternation(grammar_words('numbers', 'too_cues'))})\s+"
    rf"(?:(?P<lt>{alternation(grammar_words('numbers', 'too_big'))})|(?P<gt>{alternation(grammar_words('numbers', 'too_small'))}))"
    r"(?![\w'])",
    re.I,
)
_TOO_GAP_AFTER_RE = re.compile(rf"^(?:[\s,]+|(?:{alternation(grammar_words('numbers', 'too_gap_after'))})(?![\w']))*$", re.I)
_TOO_GAP_BEFORE_RE = re.compile(
    rf"^(?:[\s,$~]+|(?:{alternation(grammar_words('numbers', 'too_gap_before'))})(?![\w']))*$", re.I)


def _too_direction(text: str, gs: int, ge: int, cs: int, ce: int) -> str | None:
    """``"lt"``/``"gt"`` when the number at ``text[gs:ge]`` is called too big / too small in its
    clause ("that's too heavy for me at 2 kg", "the 13-inch one is a bit small"), else None."""
    m = _TOO_RE.search(text, ge, min(ce, ge + 45))
    if m and _TOO_GAP_AFTER_RE.match(text[ge:m.start()]):
        return m.lastgroup
    last = None
    for m in _TOO_RE.finditer(text, max(cs, gs - 45), gs):
        last = m
    if last and _TOO_GAP_BEFORE_RE.match(text[last.end():gs]):
        return last.lastgroup
    return None


@dataclass
class _Qty:
    start: int
    end: int  # end of number+unit
    value: float
    unit: str | None
    plus: bool = False


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


def _scan_quantities(masked: str, lex: Lexicon, kw_spans) -> list[_Qty]:
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
        out.append(_Qty(m.start(), m.end() - (len(m.group("plus")) if m.group("plus") else 0), value, unit,
                        bool(m.group("plus") or m.group("plus1"))))
    return out


def _round_value(attr: str, v: float) -> float | int:
    if attr in ("weight_kg",):
        v = round(v, 2)
    elif attr in ("screen_in", "battery_hours"):
        v = round(v, 1)
    elif attr == "price":
        v = round(v, 2)
    else:
        v = round(v)
    return int(v) if float(v).is_integer() else v


def _convert(value: float, unit: str | None, attr: str) -> float:
    if unit == "tb":
        return value * 1024
    if attr == "weight_kg":
        return {"g": value / 1000, "oz": value * 0.0283495, "lb": value * 0.45359237,
                "pounds": value * 0.45359237}.get(unit or "", value)
    if attr == "weight_g":
        return {"kg": value * 1000, "oz": value * 28.3495, "lb": value * 453.59237,
                "pounds": value * 453.59237}.get(unit or "", value)
    return value


def _plausible(lex: Lexicon, attr: str, value: float) -> bool:
    spec = lex.spec(attr)
    if spec is None or value <= 0:
        return False
    if spec.min is not None and value < spec.min * 0.25:
        return False
    if spec.max is not None and value > spec.max * 2:
        return False
    return True


def _price_around(x: float) -> float:
    v = x * 1.1
    return math.floor(v / 10 + 0.5) * 10 if x >= 100 else math.floor(v + 0.5)


# ---------------------------------------------------------------------------------------------
# The extractor


@dataclass
class _Ctx:
    text: str
    masked: str
    lex: Lexicon
    starts: list[int]
    cues: list
    kw_spans: list
    out: list = field(default_factory=list)
    brand_spans: list = field(default_factory=list)
    shouting: bool = False  # mostly capitals: capitalisation says nothing about product names

    def clause(self, pos: int) -> tuple[int, int]:
        """(start, end) of the clause holding ``pos``."""
        return _clause_bounds(self.starts, pos, len(self.text))

    def add(self, attr, op, value, s, e, vague=False):
        """Record one reading of ``text[s:e]`` (its strength is read once all spans are known)."""
        self.out.append((Extracted(attr, op, value, None, self.text[s:e], s, e), vague))

    def with_strengths(self) -> list[tuple[Extracted, bool]]:
        """The extracted items with their strength cue read (needs every span known)."""
        spans = sorted({(x.start, x.end) for x, _ in self.out})
        done = []
        for x, vague in self.out:
            cs, ce = self.clause(x.start)
            strength = _strength(self.cues, x.start, x.end, cs, ce, self.text, spans)
            stop = _SENTENCE_END_RE.search(self.text, x.end)
            question = bool(stop and stop.group(0).startswith("?"))
            if question and self._information_question(x):
                continue
            done.append((Extracted(x.attribute, x.op, x.value, strength, x.span, x.start, x.end, question, vague),
                         vague))
        return done

    def _information_question(self, x: Extracted) -> bool:
        """A question about products rather than a wish: "Does it have 5G?", "Is the OnePlus any
        good?", "What's the difference between on-ear and over-ear?"."""
        start = _SENTENCE_START_RE.search(self.text, 0, x.start)
        s0 = start.end() if start else 0
        head = self.text[s0:x.start]
        if _COMPARE_Q_RE.search(head) or _COMPARE_Q_RE.match(self.text, x.end):
            return not isinstance(x.value, (int, float)) or isinstance(x.value, bool)
        if isinstance(x.value, bool) and _FEATURE_Q_RE.match(head):
            return True
        if x.attribute in ("brand", "line") and _THE_BEFORE_RE.search(head):
            return True
        return False


def _vocab_mentions(ctx: _Ctx):
    lex = ctx.lex
    found = []
    for rx in (lex.vocab_re, lex.vocab_cs_re):
        if rx is None:
            continue
        for m in rx.finditer(ctx.text):
            entry = lex.vocab_entries[m.lastgroup]
            found.append((m.start(), m.end(), entry))
    found.sort(key=lambda t: (t[0], -t[1]))
    kept, last_end = [], -1
    for s, e, entry in found:  # the case-sensitive pass may overlap the other one
        if s >= last_end:
            kept.append((s, e, entry))
            last_end = e
    return kept


def _ordered_expand(lex: Lexicon, attr: str, values: set[str], text: str, s: int, e: int, cs: int, ce: int) -> set[str]:
    order = lex.enum_values.get(attr, [])
    if attr not in lex.ordered or not order or len(values) != 1:
        return values
    direction = None
    pre = _PRE_CMP_RE.search(text, max(cs, s - 30), s)
    if pre and (pre.group("ge") or pre.group("gt")):
        direction = "up"
    elif pre and (pre.group("le") or pre.group("lt")):
        direction = "down"
    post = _POST_CMP_RE.match(text, e, ce)
    if post and post.group("ge"):
        direction = "up"
    elif post and post.group("le"):
        direction = "down"
    if direction is None:
        return values
    i = order.index(next(iter(values)))
    return set(order[i:]) if direction == "up" else set(order[: i + 1])


def _emit_enum(ctx: _Ctx, attr: str, values: set, negated: bool, single_entry_multi: bool, s: int, e: int):
    order = ctx.lex.enum_values.get(attr)
    if order:
        values_sorted = [v for v in order if v in values]
        complement = [v for v in order if v not in values]
    else:
        values_sorted, complement = sorted(values), None
    if not negated:
        if len(values_sorted) == 1:
            ctx.add(attr, "==", values_sorted[0], s, e)
        elif single_entry_multi and complement is not None and len(complement) == 1:
            ctx.add(attr, "!=", complement[0], s, e)
        else:
            ctx.add(attr, "in", values_sorted, s, e)
    else:
        if single_entry_multi and complement is not None and len(complement) == 1:
            ctx.add(attr, "==", complement[0], s, e)
        elif len(values_sorted) == 1:
            ctx.add(attr, "!=", values_sorted[0], s, e)
        else:
            ctx.add(attr, "not_in", values_sorted, s, e)


def _merge_adjacent(text: str, mentions):
    """Join mentions of one attribute written side by side ("in-ear earbuds", "Apple MacBook")."""
    out = []
    for s, e, entry in mentions:
        if out:
            ps, pe, pentry = out[-1]
            if (pentry.attr == entry.attr and pentry.kind == entry.kind and entry.kind in ("enum", "bool")
                    and not text[pe:s].strip(" -") and (entry.kind == "enum" or pentry.value == entry.value)):
                merged = VocabEntry(pentry.attr, pentry.kind, values=tuple(dict.fromkeys(pentry.values + entry.values)),
                                    value=pentry.value, implies=pentry.implies or entry.implies)
                out[-1] = (ps, e, merged)
                continue
        out.append((s, e, entry))
    return out


_INDIFF_LIST_RE = re.compile(
    rf"^[\s,]*(?:(?:{alternation(grammar_words('lists', 'indifference_connectors'))})[\s,]+)?(?:(?:{_ARTICLES})\s+)?$", re.I)


def _indifferent_flags(ctx: _Ctx, mentions) -> list[bool]:
    """Per mention: does an indifference cue cover it? A cue covers a whole list or "A vs B" of
    one attribute ("no strong views on Windows vs Mac", "wireless or wired, either way")."""
    text, lex = ctx.text, ctx.lex
    flags = []
    for s, e, en in mentions:
        cs, ce = ctx.clause(s)
        flags.append(indifferent(lex, text, s, cs, e, ce, en.attr))
    if not any(flags):
        return flags

    def linked(a, b) -> bool:
        (s1, e1, en1), (s2, _, en2) = mentions[a], mentions[b]
        return en1.attr == en2.attr and ctx.clause(s1) == ctx.clause(s2) and bool(_INDIFF_LIST_RE.match(text[e1:s2]))

    for i in range(1, len(mentions)):
        if flags[i - 1] and not flags[i] and linked(i - 1, i):
            flags[i] = True
    for i in range(len(mentions) - 2, -1, -1):
        if flags[i + 1] and not flags[i] and linked(i, i + 1):
            flags[i] = True
    return flags


# ---- product names: "the Acer Pathway Chromebook 11", "HP Envy x360" ---------------------------

_NAME_TOKEN_RE = re.compile(r"[ \-](?:[A-Z0-9][\w+\-]*|[a-z]{1,3}\d[\w\-]*)(?![\w'])")
_NAME_STOP = frozenset(grammar_words("names", "name_stop"))


def _name_runs(text: str, mentions) -> list[tuple[int, int, int]]:
    """Product names the text spells out: a capitalised brand followed by capitalised or model
    words ("Acer Pathway Chromebook 11", "HP Envy x360", "Samsung Galaxy A54 5G"), as
    (start, end of the brand word, end of the name)."""
    runs = []
    for s, e, entry in mentions:
        if entry.attr != "brand" or not text[s].isupper():
            continue
        end = e
        while True:
            m = _NAME_TOKEN_RE.match(text, end)
            if not m or m.group(0)[1:].lower() in _NAME_STOP:
                break
            end = m.end()
        if end > e:
            first = re.match(r"\S+", text[s:e])  # "HP Spectre" (merged) -> the brand word is "HP"
            runs.append((s, s + first.end(), end))
    return runs


def _in_product_name(ctx: _Ctx, runs, mentions, s: int, e: int, attr: str) -> bool:
    """True when the mention ``text[s:e]`` is part of a product's name rather than a wish: it
    sits inside a name picked with "I'll take the ..." (any attribute), or a word the lexicon
    does not know, or a line word, stands between the brand and it ("Acer Pathway Chromebook 11",
    "HP Spectre x360"; but "a Lenovo Windows laptop" and "Apple MacBook" keep their readings)."""
    text = ctx.text
    for rs, be, re_ in runs:
        if not (be <= s and e <= re_):
            continue
        cs, _ = ctx.clause(rs)
        if _DECISION_RE.search(text, max(cs, rs - 45), rs):
            return True
        if attr in ("brand", "line"):
            return False
        for m in re.finditer(r"[^\s\-]+", text[be:s]):
            ts, te = be + m.start(), be + m.end()
            if m.group(0).isdigit():
                continue
            inside = [en for ms, me, en in mentions if ms <= ts and te <= me]
            if not inside or inside[0].attr in ("brand", "line"):
                return True
        return False
    return False


def _extract_words(ctx: _Ctx, mentions):
    text, lex = ctx.text, ctx.lex
    mentions = _merge_adjacent(text, mentions)
    # decide polarity / indifference per mention, then chain same-attribute mentions into lists
    items = []  # (s, e, entry, negated, cs, ce, rejected)
    covered = _indifferent_flags(ctx, mentions)
    runs = _name_runs(text, mentions) if not ctx.shouting else []
    prev_end = 0
    for k, (s, e, entry) in enumerate(mentions):
        cs, ce = ctx.clause(s)
        lo = max(cs, prev_end)
        prev_end = e
        if covered[k] or (runs and _in_product_name(ctx, runs, mentions, s, e, entry.attr)):
            continue
        if _owned(text, s, cs):
            # what they have is a fact; what they had and disliked is a rejection
            if entry.kind != "default" and _disliked_owned(ctx, s, cs, ce):
                items.append((s, e, entry, _fact_polarity(text, s, lo), cs, ce, True))
            continue
        if _product_fact(text, s, cs, ctx.brand_spans):
            # a shown product's property: nothing, unless the shopper turns it down
            if entry.kind != "default" and _rejected_fact(text, s, e, cs):
                items.append((s, e, entry, _fact_polarity(text, s, lo), cs, ce, True))
            continue
        neg = _negated(text, s, lo, e)
        if entry.attr in ("brand", "line") and _THE_BEFORE_RE.search(text, max(cs, s - 12), s) and (
                neg or _FACT_AFTER_RE.match(text, e, ce)) and not _SERIES_AFTER_RE.match(text, e, ce):
            continue  # "not the XPS", "the ThinkPad has no touchscreen": a shown product, not a brand wish
        items.append((s, e, entry, neg, cs, ce, False))

    used = [False] * len(items)
    for i, (s, e, entry, neg, cs, ce, rejected) in enumerate(items):
        if used[i]:
            continue
        used[i] = True
        if entry.kind == "default":
            if not neg:
                ctx.add(entry.attr, entry.op, entry.value, s, e, vague=True)
            continue
        if entry.kind == "bool":
            ctx.add(entry.attr, "==", (not entry.value) if neg else entry.value, s, e)
            if not rejected:
                for k, v in entry.implies:
                    _emit_implied(ctx, k, v, neg, s, e)
            continue
        # enum: gather a list "A, B or C" of the same attribute
        group = [(s, e, entry)]
        seps = []
        j, last_e = i + 1, e
        while j < len(items):
            s2, e2, entry2, _, _, _, rejected2 = items[j]
            if entry2.kind != "enum" or entry2.attr != entry.attr or s2 >= ce or rejected2 != rejected:
                break
            m = _LIST_CONNECT_RE.match(text[last_e:s2])
            if not m:
                break
            group.append((s2, e2, entry2))
            seps.append("comma" if m.group("sep").strip() == "," else ("space" if not m.group("sep").strip() else "word"))
            used[j] = True
            last_e = e2
            j += 1
        # a bare comma only continues a list that ends with "or"/"and" ("A, B or C")
        if "comma" in seps or "space" in seps:
            cut = len(group)
            for k, sep in enumerate(seps):
                if sep == "space" or (sep == "comma" and "word" not in seps[k + 1:]):
                    cut = k + 1
                    break
            for k in range(cut, len(group)):
                # release the rest for their own reading
                idx = items.index(next(it for it in items if it[0] == group[k][0]))
                used[idx] = False
            group = group[:cut]
        values: set = set()
        for _, _, en in group:
            values |= set(en.values)
        gs, ge = group[0][0], group[-1][1]
        values = _ordered_expand(lex, entry.attr, values, text, gs, ge, cs, ce)
        single_multi = len(group) == 1 and len(entry.values) > 1
        _emit_enum(ctx, entry.attr, values, neg, single_multi, gs, ge)
        if len(group) == 1 and not rejected:
            for k, v in entry.implies:
                _emit_implied(ctx, k, v, neg, s, e)


def _emit_implied(ctx: _Ctx, attr: str, value, neg: bool, s: int, e: int):
    if isinstance(value, bool):
        ctx.add(attr, "==", (not value) if neg else value, s, e)
    else:
        _emit_enum(ctx, attr, set(value), neg, False, s, e)


_LINE_NAME = r"[A-Z][\w+\-]*(?:\s+[A-Z0-9][\w+\-]*){0,2}"
_LINE_RE = re.compile(
    rf"(?i:(?<![\w])(?:{alternation(grammar_words('names', 'line_openers'))})\s+)"
    rf"(?P<names>{_LINE_NAME}(?:(?i:\s*,\s*or\s+|\s*,\s*|\s+or\s+|\s+and\s+)"
    rf"(?i:the\s+)?{_LINE_NAME})*)\s+(?i:{alternation(grammar_words('names', 'line_words'))})(?![\w])"
)
_LINE_SPLIT_RE = re.compile(r"\s*,\s*or\s+|\s*,\s*|\s+or\s+|\s+and\s+", re.I)
_LINE_STOP = frozenset(grammar_words("names", "line_stop"))


def _extract_lines(ctx: _Ctx):
    if ctx.lex.spec("line") is None:
        return
    for m in _LINE_RE.finditer(ctx.text):
        names = [re.sub(r"^(?i:the)\s+", "", n).strip() for n in _LINE_SPLIT_RE.split(m.group("names"))]
        names = [n for n in names if n and n.lower() not in _LINE_STOP]
        if not names:
            continue
        s, e = m.start("names"), m.end()
        cs, ce = ctx.clause(s)
        if indifferent(ctx.lex, ctx.text, s, cs, e, ce):
            continue
        neg = _negated(ctx.text, s, cs, e) or _negated(ctx.text, m.start(), cs, e)
        if len(names) == 1:
            ctx.add("line", "!=" if neg else "==", names[0], s, e)
        else:
            ctx.add("line", "not_in" if neg else "in", names, s, e)


def _bind_attribute(ctx: _Ctx, unit: str | None, value: float, gs: int, ge: int, cs: int, ce: int):
    """(attribute, end of a keyword written after the number) for a number group."""
    lex, text = ctx.lex, ctx.text
    compat = _UNIT_ATTRS.get(unit) if unit else None
    # a keyword right after: "16GB of RAM", "15 inch screen"
    for ks, ke, attr in ctx.kw_spans:
        if ks < ge:
            continue
        if ks > ce or ks - ge > 40:
            break
        if _AFTER_KW_FILL_RE.match(text[ge:ks]):
            if (compat is None or attr in compat) and _plausible(lex, attr, _convert(value, unit, attr)):
                return attr, ke
        break
    # a keyword right before: "RAM of at least 16", "budget is 650" (a bare number not across a comma)
    for ks, ke, attr in reversed(ctx.kw_spans):
        if ke > gs:
            continue
        if ks < cs or gs - ke > 60:
            break
        gap = text[ke:gs]
        if _BEFORE_KW_FILL_RE.match(gap) and not (unit is None and "," in gap.strip(" :")):
            if (compat is None or attr in compat) and _plausible(lex, attr, _convert(value, unit, attr)):
                return attr, None
        break
    return None, None


def _unit_default(lex: Lexicon, unit: str, value: float) -> str | None:
    has = lambda a: lex.spec(a) is not None  # noqa: E731
    if unit == "money":
        return "price"
    if unit == "gb":
        if not has("ram_gb"):
            return "storage_gb" if has("storage_gb") else None
        ram_max = 64 if lex.category == "laptops" else (lex.spec("ram_gb").max or 16)
        return "ram_gb" if value <= ram_max else "storage_gb"
    if unit == "tb":
        return "storage_gb" if has("storage_gb") else None
    if unit == "inch":
        return "screen_in" if has("screen_in") else None
    if unit in ("kg", "g", "oz", "lb", "pounds"):
        if unit == "pounds" and (value > 15 or not has("weight_kg")):
            return "price" if value >= 5 else None
        return "weight_kg" if has("weight_kg") else ("weight_g" if has("weight_g") else None)
    if unit == "hours":
        return "battery_hours" if has("battery_hours") else None
    if unit == "mah":
        return "battery_mah" if has("battery_mah") else None
    if unit == "mp":
        return "camera_mp" if has("camera_mp") else None
    return None


def _extract_numbers(ctx: _Ctx):
    text, lex = ctx.text, ctx.lex
    qtys = _scan_quantities(ctx.masked, lex, ctx.kw_spans)
    # join "600 and 900", "600-900", "16 or 32 GB"
    groups: list[tuple[list[_Qty], str]] = []
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

    prev_end = 0
    for group, kind in groups:
        gs, ge = group[0].start, group[-1].end
        cs, ce = ctx.clause(gs)
        units = {q.unit for q in group if q.unit}
        unit = units.pop() if len(units) == 1 else (None if not units else group[-1].unit)
        values = [q.value for q in group]
        attr, kw_end = _bind_attribute(ctx, unit, values[0], gs, ge, cs, ce)
        lo = max(cs, prev_end)
        prev_end = ge
        if _OWNED_NUM_RE.search(text, cs, gs):
            continue  # "my old laptop has 8GB" describes what they have, not what they want
        too = _too_direction(text, gs, kw_end if kw_end is not None else ge, cs, ce) if kind == "single" else None
        if not too and _product_fact(text, gs, cs, ctx.brand_spans) and not _POST_CMP_RE.match(text, ge, ce):
            continue  # "the XPS costs $1,299" describes a product
        if _DELTA_BEFORE_RE.search(text, max(cs, gs - 30), gs) or (
                _DELTA_AFTER_RE.match(text, group[-1].end if not group[-1].plus else ge + 1)
                and not _POST_CMP_RE.match(text, ge, ce)):
            continue
        pre = _PRE_CMP_RE.search(text, max(lo, gs - 60), gs)
        post = _POST_CMP_RE.match(text, ge, ce)
        if not post and kw_end is not None:
            post = _POST_CMP_RE.match(text, kw_end, ce)
        cmp = None
        if group[-1].plus:
            cmp = "ge"
        elif post and post.lastgroup in ("ge", "le", "lt", "eq"):
            cmp = post.lastgroup
        elif pre and pre.lastgroup:
            cmp = pre.lastgroup
        elif post:
            cmp = post.lastgroup
        if too and cmp in (None, "approx"):
            cmp = too  # "the 13-inch one is a bit small" -> > 13; "too heavy at 2 kg" -> < 2
        if attr is None and unit is not None:
            attr = _unit_default(lex, unit, values[0])
        if attr is None and unit is None:
            v0 = max(values)
            window = text[max(lo, gs - 25):gs]
            screen = lex.spec("screen_in")
            if screen is not None and screen.min <= v0 <= screen.max and (_ADJ_BIG_RE.search(window) or _ADJ_SMALL_RE.search(window)):
                attr = "screen_in"
            else:
                price = lex.spec("price")
                ok = v0 >= max(20.0, (price.min or 0) * 0.25)
                ctxword = _PRICE_CTX_RE.search(text, max(cs, gs - 40), min(ce, ge + 25))
                if ok and (cmp in ("le", "lt", "approx") or kind != "single" or ctxword):
                    attr = "price"
        if attr is None:
            continue
        conv = [_convert(v, unit, attr) for v in values]
        if not all(_plausible(lex, attr, v) for v in conv):
            continue
        s = pre.start() if (pre and cmp == pre.lastgroup) else gs
        if post and cmp == post.lastgroup:
            e = post.end()
        elif group[-1].plus:
            e = ge + 1
        else:
            e = kw_end if kw_end is not None else ge
        e = max(e, ge)
        _emit_numbers(ctx, attr, conv, kind, cmp, s, e, cs, ce, gs)


def _emit_numbers(ctx: _Ctx, attr: str, conv: list[float], kind: str, cmp: str | None, s: int, e: int,
                  cs: int, ce: int, gs: int):
    lex, text = ctx.lex, ctx.text
    spec = lex.spec(attr)
    r = lambda v: _round_value(attr, v)  # noqa: E731
    lo_v, hi_v = min(conv), max(conv)
    if kind == "range":
        ctx.add(attr, ">=", r(lo_v), s, e)
        if attr == "screen_in" and float(hi_v).is_integer():
            ctx.add(attr, "<", r(hi_v + 1), s, e)
        else:
            ctx.add(attr, "<=", r(hi_v), s, e)
        return
    ops = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "=="}
    if cmp in ops:
        op = ops[cmp]
        v = lo_v if op in (">=", ">") else hi_v
        ctx.add(attr, op, r(v), s, e)
        return
    # no explicit comparator: the attribute's usual reading
    if attr == "price":
        v = _price_around(hi_v) if cmp == "approx" else hi_v
        ctx.add(attr, "<=", r(v), s, e)
        return
    if attr == "screen_in":
        window = text[max(cs, gs - 25):gs]
        if _ADJ_BIG_RE.search(window):
            ctx.add(attr, ">=", r(lo_v), s, e)
        elif _ADJ_SMALL_RE.search(window):
            if float(hi_v).is_integer():
                ctx.add(attr, "<", r(hi_v + 1), s, e)
            else:
                ctx.add(attr, "<=", r(hi_v), s, e)
        elif len(conv) == 1 and not float(lo_v).is_integer():
            ctx.add(attr, "==", r(lo_v), s, e)
        else:
            ctx.add(attr, ">=", r(math.floor(lo_v)), s, e)
            top = hi_v + 1 if float(hi_v).is_integer() else math.floor(hi_v) + 1
            ctx.add(attr, "<", r(top), s, e)
        return
    if spec is not None and spec.higher_is_better is False:
        ctx.add(attr, "<=", r(hi_v), s, e)
    else:
        ctx.add(attr, ">=", r(lo_v), s, e)


def _postprocess(items: list[tuple[Extracted, bool]]) -> list[Extracted]:
    explicit = {x.attribute for x, vague in items if not vague}
    seen: dict[tuple, int] = {}
    out: list[Extracted] = []
    for x, vague in sorted(items, key=lambda t: (t[0].start, t[0].end)):
        if vague and x.attribute in explicit:
            continue
        key = (x.attribute, x.op, tuple(x.value) if isinstance(x.value, list) else x.value)
        if key in seen:
            k = seen[key]
            if out[k].strength is None and x.strength is not None:
                out[k] = dataclasses.replace(out[k], strength=x.strength)
            continue
        seen[key] = len(out)
        out.append(x)
    return out


_NAME_SPACING = re.compile(r"[\s\-]+")


@functools.lru_cache(maxsize=100_000)
def _flat(text: str) -> str:
    return _NAME_SPACING.sub(" ", text.translate(_TRANS).lower())


# "smaller then 15 inches": the common misspelling of a comparison's "than"
_THEN_RE = re.compile(
    rf"(?<![\w'])({alternation(grammar_words('text', 'then_misspelt_after'))}) then(?![\w'])", re.I)


def spelled_names(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The ``names`` that ``text`` spells out, compared as ``extract_criteria(product_names=...)``
    matches them (case, dashes, quotes and spacing aside); a quick filter before masking."""
    flat = _flat(text)
    return tuple(n for n in names if _flat(n) in flat)


@functools.lru_cache(maxsize=64)
def _names_re(names: tuple[str, ...]) -> re.Pattern | None:
    alts = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not alts:
        return None
    parts = [r"[\s\-]+".join(re.escape(w) for w in re.split(r"[\s\-]+", a.translate(_TRANS))) for a in alts]
    return re.compile(rf"(?<![\w])(?:{'|'.join(parts)})(?![\w])", re.I)


def normalise(text: str) -> str:
    """``text`` as extraction reads it: typographic quotes and dashes straightened (same length)."""
    return text.translate(_TRANS)


def mask_names(text: str, names: Iterable[str]) -> str:
    """``text`` with every spelled-out occurrence of ``names`` blanked (same length), as
    ``extract_criteria(product_names=...)`` masks them."""
    found = spelled_names(text, names) if names else ()
    rx = _names_re(tuple(found)) if found else None
    return rx.sub(lambda m: " " * (m.end() - m.start()), text) if rx is not None else text


def _shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 8 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


def extract_criteria(text: str, category: str, product_names: Iterable[str] | None = None) -> list[Extracted]:
    """Every criterion that ``text`` states for a product of ``category``, in text order.

    See the module docstring for the readings. Returns an empty list for small talk.
    ``product_names`` (optional, e.g. the catalog names shown to the shopper) are masked where the
    text spells them out (case and spacing aside): nothing inside such a name is read as a
    criterion. Without it, only the built-in product-name rule applies.
    """
    if not text or not text.strip():
        return []
    lex = lexicon(category)
    norm = _THEN_RE.sub(r"\1 than", text.translate(_TRANS))  # same length: spans stay valid
    name_spans: list[tuple[int, int]] = []
    if product_names:
        rx = _names_re(tuple(product_names) if not isinstance(product_names, str) else (product_names,))
        if rx is not None:
            name_spans = [(m.start(), m.end()) for m in rx.finditer(norm)]
    kw_spans = []
    if lex.keywords_re is not None:
        kw_spans = [(m.start(), m.end(), lex.keyword_attr[m.lastgroup]) for m in lex.keywords_re.finditer(norm)]
    mentions = _vocab_mentions(_Ctx(norm, norm, lex, [0], [], kw_spans)) if lex.vocab_re is not None else []
    masked_chars = list(norm)
    for s, e, _ in mentions:
        if any(ch.isdigit() for ch in norm[s:e]):
            masked_chars[s:e] = " " * (e - s)
    for s, e in name_spans:
        masked_chars[s:e] = " " * (e - s)
    if name_spans:
        inside = lambda s, e: any(ns < e and s < ne for ns, ne in name_spans)  # noqa: E731
        mentions = [m for m in mentions if not inside(m[0], m[1])]
        kw_spans = [k for k in kw_spans if not inside(k[0], k[1])]
    masked = "".join(masked_chars)
    masked = _MASK_RE.sub(lambda m: " " * (m.end() - m.start()), masked)
    ctx = _Ctx(norm, masked, lex, _clauses(norm), _find_cues(norm), kw_spans,
               brand_spans=[(s, e) for s, e, en in mentions if en.attr == "brand" or ("brand", ) == tuple(k for k, _ in en.implies)[:1]],
               shouting=_shouting(norm))
    _extract_words(ctx, mentions)
    _extract_lines(ctx)
    _extract_numbers(ctx)
    return _postprocess(ctx.with_strengths())


_USE_FILLERS = alternation(grammar_words("negation", "use_fillers"), r"\s+")
_USE_NEG_RE = re.compile(
    rf"(?<![\w'])(?:{alternation(grammar_words('negation', 'use_before'))})\s+(?:{_USE_FILLERS})?$", re.I)


def extract_uses(text: str, category: str) -> list[str]:
    """The uses the shopper names ("for gaming and school" -> ``["gaming", "school"]``), from the
    lexicon's small vocabulary, in order of first mention; negated ones ("I don't game") are left out."""
    if not text:
        return []
    lex = lexicon(category)
    norm = text.translate(_TRANS)
    starts = _clauses(norm)
    out: list[str] = []
    for m in lex.uses_re.finditer(norm):
        name = lex.use_names[m.lastgroup]
        if name in out:
            continue
        cs, _ = _clause_bounds(starts, m.start(), len(norm))
        if _negated(norm, m.start(), cs, m.end()) or _USE_NEG_RE.search(norm, max(cs, m.start() - 30), m.start()):
            continue
        out.append(name)
    return out
