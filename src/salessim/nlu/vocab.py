"""Words: the vocabulary of the lexicon found in text and read as enum and yes/no criteria.

:func:`vocab_mentions` finds the phrases of ``data/nlu/lexicon.yaml`` (brands, colours, operating
systems, "dedicated graphics", "lightweight", ...); :func:`extract_words` reads them with their
polarity (:mod:`salessim.nlu.polarity`), joins lists ("Lenovo or HP", "A, B or C"), expands
ordered enums ("at least an i5") and drops words inside product names ("Acer Pathway Chromebook
11"); :func:`extract_lines` reads product lines ("the ThinkPad series"). The readings are
documented under "Words", "Product names" and "Rejections" in :mod:`salessim.nlu.extract`; the
list and name words are data (``lists`` and ``names`` in ``data/nlu/grammar.yaml``).
"""

from __future__ import annotations

import re

from salessim.nlu.lexicon import Lexicon, VocabEntry, grammar_alternation, grammar_words
from salessim.nlu.polarity import (
    FACT_AFTER_RE,
    SERIES_AFTER_RE,
    THE_BEFORE_RE,
    fact_polarity,
    indifferent,
    is_disliked_owned,
    is_negated,
    is_owned,
    is_picked,
    is_product_fact,
    is_rejected_fact,
)
from salessim.nlu.quantities import POST_CMP_RE, PRE_CMP_RE
from salessim.nlu.reading import ReadingContext

_ARTICLES = grammar_alternation("lists", "articles")
_CONNECTORS = grammar_alternation("lists", "connectors")
# what joins the values of one list: "A, B or C", "A/B", "A or maybe B"
_LIST_CONNECT_RE = re.compile(
    rf"^\s*(?P<sep>,\s*(?:(?:{_CONNECTORS})\s+)?|(?:{_CONNECTORS}|/|&)\s*|\s)\s*"
    rf"(?:(?:{grammar_alternation('lists', 'hedges')})\s+)?(?:(?:{_ARTICLES})\s+)?$",
    re.I,
)
# what joins the values one indifference cue covers as a whole: "Windows vs Mac"
_INDIFF_LIST_RE = re.compile(
    rf"^[\s,]*(?:(?:{grammar_alternation('lists', 'indifference_connectors')})[\s,]+)?(?:(?:{_ARTICLES})\s+)?$", re.I)
_NAME_TOKEN_RE = re.compile(r"[ \-](?:[A-Z0-9][\w+\-]*|[a-z]{1,3}\d[\w\-]*)(?![\w'])")
_NAME_STOP = frozenset(grammar_words("names", "name_stop"))
_LINE_NAME = r"[A-Z][\w+\-]*(?:\s+[A-Z0-9][\w+\-]*){0,2}"
_LINE_RE = re.compile(
    rf"(?i:(?<![\w])(?:{grammar_alternation('names', 'line_openers')})\s+)"
    rf"(?P<names>{_LINE_NAME}(?:(?i:\s*,\s*or\s+|\s*,\s*|\s+or\s+|\s+and\s+)"
    rf"(?i:the\s+)?{_LINE_NAME})*)\s+(?i:{grammar_alternation('names', 'line_words')})(?![\w])"
)
_LINE_SPLIT_RE = re.compile(r"\s*,\s*or\s+|\s*,\s*|\s+or\s+|\s+and\s+", re.I)
_LINE_STOP = frozenset(grammar_words("names", "line_stop"))


def vocab_mentions(lex: Lexicon, text: str) -> list[tuple[int, int, VocabEntry]]:
    """The lexicon phrases that ``text`` mentions, as ``(start, end, entry)`` in text order; where a
    case-sensitive phrase overlaps another, the earlier (then longer) one is kept."""
    found = []
    for rx in (lex.vocab_re, lex.vocab_cs_re):
        if rx is None:
            continue
        for m in rx.finditer(text):
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
    pre = PRE_CMP_RE.search(text, max(cs, s - 30), s)
    if pre and (pre.group("ge") or pre.group("gt")):
        direction = "up"
    elif pre and (pre.group("le") or pre.group("lt")):
        direction = "down"
    post = POST_CMP_RE.match(text, e, ce)
    if post and post.group("ge"):
        direction = "up"
    elif post and post.group("le"):
        direction = "down"
    if direction is None:
        return values
    i = order.index(next(iter(values)))
    return set(order[i:]) if direction == "up" else set(order[: i + 1])


def _emit_enum(ctx: ReadingContext, attr: str, values: set, negated: bool, single_entry_multi: bool, s: int, e: int):
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


def _indifferent_flags(ctx: ReadingContext, mentions) -> list[bool]:
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


def _in_product_name(ctx: ReadingContext, runs, mentions, s: int, e: int, attr: str) -> bool:
    """True when the mention ``text[s:e]`` is part of a product's name rather than a wish: it
    sits inside a name picked with "I'll take the ..." (any attribute), or a word the lexicon
    does not know, or a line word, stands between the brand and it ("Acer Pathway Chromebook 11",
    "HP Spectre x360"; but "a Lenovo Windows laptop" and "Apple MacBook" keep their readings)."""
    text = ctx.text
    for rs, be, re_ in runs:
        if not (be <= s and e <= re_):
            continue
        cs, _ = ctx.clause(rs)
        if is_picked(text, rs, cs):
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


def extract_words(ctx: ReadingContext, mentions):
    """Read the lexicon ``mentions`` (:func:`vocab_mentions`) of ``ctx`` into criteria: polarity, lists,
    ordered enums, implied criteria, product names and rejections (see "Words" in
    :mod:`salessim.nlu.extract`)."""
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
        if is_owned(text, s, cs):
            # what they have is a fact; what they had and disliked is a rejection
            if entry.kind != "default" and is_disliked_owned(text, ctx.clause_starts, s, cs, ce):
                items.append((s, e, entry, fact_polarity(text, s, lo), cs, ce, True))
            continue
        if is_product_fact(text, s, cs, ctx.brand_spans):
            # a shown product's property: nothing, unless the shopper turns it down
            if entry.kind != "default" and is_rejected_fact(text, s, e, cs):
                items.append((s, e, entry, fact_polarity(text, s, lo), cs, ce, True))
            continue
        neg = is_negated(text, s, lo, e)
        if entry.attr in ("brand", "line") and THE_BEFORE_RE.search(text, max(cs, s - 12), s) and (
                neg or FACT_AFTER_RE.match(text, e, ce)) and not SERIES_AFTER_RE.match(text, e, ce):
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
            joiner = m.group("sep").strip()
            seps.append("comma" if joiner == "," else ("space" if not joiner else "word"))
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


def _emit_implied(ctx: ReadingContext, attr: str, value, neg: bool, s: int, e: int):
    if isinstance(value, bool):
        ctx.add(attr, "==", (not value) if neg else value, s, e)
    else:
        _emit_enum(ctx, attr, set(value), neg, False, s, e)


def extract_lines(ctx: ReadingContext):
    """Read the product lines ``ctx`` names ("the ThinkPad or XPS line", "not the Galaxy series")
    into ``line`` criteria, when the category has that attribute."""
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
        neg = is_negated(ctx.text, s, cs, e) or is_negated(ctx.text, m.start(), cs, e)
        if len(names) == 1:
            ctx.add("line", "!=" if neg else "==", names[0], s, e)
        else:
            ctx.add("line", "not_in" if neg else "in", names, s, e)
