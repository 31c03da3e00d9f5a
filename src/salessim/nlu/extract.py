"""Read shopping criteria out of a shopper's free text (rule-based, precompiled regexes, no models).

``extract_criteria("I need 16 gigs and nothing over a grand", "laptops")`` returns
``ram_gb >= 16 (must)`` and ``price <= 1000 (must)``. The category vocabulary (brands, values,
vague words, uses) lives in ``data/nlu/lexicon.yaml``, the grammar's cue words (strength,
negation, ownership, rejections, comparators, units, ...) in ``data/nlu/grammar.yaml``; how they
combine lives in code: text preparation and clauses in :mod:`~salessim.nlu.text`, strength cues in
:mod:`~salessim.nlu.strength`, negation, ownership, product facts, rejections and indifference in
:mod:`~salessim.nlu.polarity`, quantities and comparators in :mod:`~salessim.nlu.quantities`,
their binding to attributes in :mod:`~salessim.nlu.numbers`, the lexicon's words in
:mod:`~salessim.nlu.vocab`, the result type in :mod:`~salessim.nlu.reading`; this module puts them
together. Documented readings (the rules a caller can rely on):

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

import dataclasses
from collections.abc import Iterable

from salessim.nlu.lexicon import lexicon
from salessim.nlu.numbers import extract_numbers
from salessim.nlu.polarity import indifferent, is_negated, is_use_negated
from salessim.nlu.quantities import mask_non_quantities
from salessim.nlu.reading import Extracted, ReadingContext
from salessim.nlu.strength import Strength, find_cues
from salessim.nlu.text import (
    clause_bounds,
    clause_starts,
    correct_then,
    mask_names,
    names_re,
    normalise,
    shouting,
    spelled_names,
)
from salessim.nlu.vocab import extract_lines, extract_words, vocab_mentions

# the public API; Extracted, Strength, indifferent, mask_names, normalise and spelled_names live in
# the modules above and are re-exported here, where callers import them (salessim.nlu,
# salessim.metrics.episode_view)
__all__ = [
    "Extracted", "Strength", "extract_criteria", "extract_uses", "indifferent", "mask_names", "normalise",
    "spelled_names",
]


def _postprocess(items: list[tuple[Extracted, bool]]) -> list[Extracted]:
    """The readings in text order, without duplicates (a duplicate lends its strength to the first)
    and without a vague default where the text gives a number for the same attribute."""
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
    norm = correct_then(normalise(text))  # same length: spans stay valid
    name_spans: list[tuple[int, int]] = []
    if product_names:
        rx = names_re(tuple(product_names) if not isinstance(product_names, str) else (product_names,))
        if rx is not None:
            name_spans = [(m.start(), m.end()) for m in rx.finditer(norm)]
    kw_spans = []
    if lex.keywords_re is not None:
        kw_spans = [(m.start(), m.end(), lex.keyword_attr[m.lastgroup]) for m in lex.keywords_re.finditer(norm)]
    mentions = vocab_mentions(lex, norm) if lex.vocab_re is not None else []
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
    masked = mask_non_quantities(masked)
    brand_spans = [(s, e) for s, e, en in mentions
                   if en.attr == "brand" or ("brand", ) == tuple(k for k, _ in en.implies)[:1]]
    ctx = ReadingContext(norm, masked, lex, clause_starts(norm), find_cues(norm), kw_spans,
                         brand_spans=brand_spans, shouting=shouting(norm))
    extract_words(ctx, mentions)
    extract_lines(ctx)
    extract_numbers(ctx)
    return _postprocess(ctx.with_strengths())


def extract_uses(text: str, category: str) -> list[str]:
    """The uses the shopper names ("for gaming and school" -> ``["gaming", "school"]``), from the
    lexicon's small vocabulary, in order of first mention; negated ones ("I don't game") are left out."""
    if not text:
        return []
    lex = lexicon(category)
    norm = normalise(text)
    starts = clause_starts(norm)
    out: list[str] = []
    for m in lex.uses_re.finditer(norm):
        name = lex.use_names[m.lastgroup]
        if name in out:
            continue
        cs, _ = clause_bounds(starts, m.start(), len(norm))
        if is_negated(norm, m.start(), cs, m.end()) or is_use_negated(norm, m.start(), cs):
            continue
        out.append(name)
    return out
