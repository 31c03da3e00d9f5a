"""Numbers bound to attributes: which attribute a quantity speaks about and which bound it sets.

A quantity (:mod:`salessim.nlu.quantities`) binds to an attribute through a nearby attribute word
("16 of RAM", "budget is 650"), its unit's default ("16GB" -> RAM or storage by size) or, for a
bare number, a price-like context ("can't go above 700"); numbers that describe an owned or shown
product, differences and savings are skipped. The readings are documented under "Numbers" and
"Rejections" in :mod:`salessim.nlu.extract`; the words are data (``numbers`` in
``data/nlu/grammar.yaml``).
"""

from __future__ import annotations

import math
import re

from salessim.nlu.lexicon import Lexicon, grammar_alternation
from salessim.nlu.polarity import is_owned_quantity, is_product_fact
from salessim.nlu.quantities import (
    POST_CMP_RE,
    PRE_CMP_RE,
    UNIT_ATTRIBUTES,
    group_quantities,
    scan_quantities,
)
from salessim.nlu.reading import ReadingContext

# what may stand between a number and an attribute word after it ("16GB of RAM") or before it
# ("RAM of at least 16")
_AFTER_KW_FILL_RE = re.compile(
    rf"^[\s,+\-]*(?:(?:{grammar_alternation('numbers', 'after_keyword_fillers')})(?![\w'])[\s,+\-]*){{0,4}}$",
    re.I,
)
_BEFORE_KW_FILL_RE = re.compile(
    rf"^[\s,:\-]*(?:(?:{grammar_alternation('numbers', 'before_keyword_fillers')})(?![\w'])[\s,:\-]*){{0,7}}$",
    re.I,
)
# "a big 17", "something small, 13": a bare number as a screen size class
_ADJ_TAIL = rf"\W*(?:(?:{grammar_alternation('numbers', 'size_fillers')})\W*){{0,4}}$"
_ADJ_BIG_RE = re.compile(rf"(?<![\w])(?:{grammar_alternation('numbers', 'size_big')}){_ADJ_TAIL}", re.I)
_ADJ_SMALL_RE = re.compile(rf"(?<![\w])(?:{grammar_alternation('numbers', 'size_small')}){_ADJ_TAIL}", re.I)
_PRICE_CTX_RE = re.compile(rf"(?<![\w])(?:{grammar_alternation('numbers', 'price_context')})(?![\w])", re.I)
# a difference or a saving, not a bound: "$200 more than I wanted", "saves me 200 bucks"
_DELTA_AFTER_RE = re.compile(rf"\s*(?:{grammar_alternation('numbers', 'delta_after')})(?![\w])", re.I)
_DELTA_FILLERS = grammar_alternation("numbers", "delta_fillers", r"\s+")
_DELTA_BEFORE_RE = re.compile(
    rf"(?<![\w'])(?:{grammar_alternation('numbers', 'delta_before')})\s+(?:{_DELTA_FILLERS})?[$~]?\s*$",
    re.I,
)
# a number turned down with a direction: "the 13-inch one is a bit small", "too heavy at 2 kg"
_TOO_RE = re.compile(
    rf"(?<![\w'])(?<!not )(?<!n't )(?<!never )(?:(?:{grammar_alternation('numbers', 'too_intensifiers')})\s+)?"
    rf"(?:{grammar_alternation('numbers', 'too_cues')})\s+"
    rf"(?:(?P<lt>{grammar_alternation('numbers', 'too_big')})|(?P<gt>{grammar_alternation('numbers', 'too_small')}))"
    r"(?![\w'])",
    re.I,
)
_TOO_GAP_AFTER_RE = re.compile(rf"^(?:[\s,]+|(?:{grammar_alternation('numbers', 'too_gap_after')})(?![\w']))*$", re.I)
_TOO_GAP_BEFORE_RE = re.compile(
    rf"^(?:[\s,$~]+|(?:{grammar_alternation('numbers', 'too_gap_before')})(?![\w']))*$", re.I)


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


def _bind_attribute(ctx: ReadingContext, unit: str | None, value: float, gs: int, ge: int, cs: int, ce: int):
    """(attribute, end of a keyword written after the number) for a number group."""
    lex, text = ctx.lex, ctx.text
    compat = UNIT_ATTRIBUTES.get(unit) if unit else None
    # a keyword right after: "16GB of RAM", "15 inch screen"
    for ks, ke, attr in ctx.keyword_spans:
        if ks < ge:
            continue
        if ks > ce or ks - ge > 40:
            break
        if _AFTER_KW_FILL_RE.match(text[ge:ks]):
            if (compat is None or attr in compat) and _plausible(lex, attr, _convert(value, unit, attr)):
                return attr, ke
        break
    # a keyword right before: "RAM of at least 16", "budget is 650" (a bare number not across a comma)
    for ks, ke, attr in reversed(ctx.keyword_spans):
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


def extract_numbers(ctx: ReadingContext):
    """Read every quantity of ``ctx`` bound to an attribute into ``ctx`` (see "Numbers" in
    :mod:`salessim.nlu.extract`)."""
    text, lex = ctx.text, ctx.lex
    qtys = scan_quantities(ctx.masked, lex, ctx.keyword_spans)
    groups = group_quantities(text, qtys)  # "600 and 900", "600-900", "16 or 32 GB"

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
        if is_owned_quantity(text, gs, cs):
            continue  # "my old laptop has 8GB" describes what they have, not what they want
        too = _too_direction(text, gs, kw_end if kw_end is not None else ge, cs, ce) if kind == "single" else None
        if not too and is_product_fact(text, gs, cs, ctx.brand_spans) and not POST_CMP_RE.match(text, ge, ce):
            continue  # "the XPS costs $1,299" describes a product
        if _DELTA_BEFORE_RE.search(text, max(cs, gs - 30), gs) or (
                _DELTA_AFTER_RE.match(text, group[-1].end if not group[-1].plus else ge + 1)
                and not POST_CMP_RE.match(text, ge, ce)):
            continue
        pre = PRE_CMP_RE.search(text, max(lo, gs - 60), gs)
        post = POST_CMP_RE.match(text, ge, ce)
        if not post and kw_end is not None:
            post = POST_CMP_RE.match(text, kw_end, ce)
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
            if screen is not None and screen.min <= v0 <= screen.max and (
                    _ADJ_BIG_RE.search(window) or _ADJ_SMALL_RE.search(window)):
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


def _emit_numbers(ctx: ReadingContext, attr: str, conv: list[float], kind: str, cmp: str | None, s: int, e: int,
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
