"""How the scripted sales agent (:mod:`salessim.agents.scripted`) words its replies: questions,
answers from the buying guide, product lines with reasons from their attributes (look-alike
variants share a line), and what it needs when nothing fits. The wording is in
``data/agents/scripted.yaml``; choices are drawn from the agent's seeded ``rng``."""

from __future__ import annotations

import random
import re
from typing import Any

from salessim.agents import understanding as u
from salessim.agents._data import AgentContext
from salessim.schema import Criterion, Product

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def fmt(value: Any) -> str:
    """A value as the agent says it (``16.0`` -> ``16``, ``usb_c`` -> ``usb c``)."""
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value).replace("_", " ")


def variants(products: list[Product]) -> list[list[Product]]:
    """Products grouped by what the agent can see (name, price and card attributes), in order."""
    groups: dict[tuple, list[Product]] = {}
    for p in products:
        key = (p.name, tuple(sorted((k, str(v)) for k, v in p.attributes.items())))
        groups.setdefault(key, []).append(p)
    return list(groups.values())


def guide_answer(ctx: AgentContext, rng: random.Random, purposes, results) -> str:
    """A short answer from the first buying-guide section retrieved for this reply ("" when no
    guide lookup was made)."""
    for cid, purpose in purposes.items():
        if purpose["kind"] != "guide":
            continue
        res = results.get(cid)
        sections = (res.content or {}).get("sections") if res is not None and not res.error else None
        if not sections:
            return rng.choice(ctx.text["guide_none"])
        sentences = [s for s in _SENTENCE_END.split(str(sections[0].get("text", "")).strip()) if s]
        snippet = " ".join(sentences[:2]).strip()
        if not snippet:
            return rng.choice(ctx.text["guide_none"])
        return rng.choice(ctx.text["guide_answer"]).format(snippet=snippet)
    return ""


def question(ctx: AgentContext, attr: str, rng: random.Random) -> str:
    """The clarifying question about ``attr``."""
    asks = ctx.text["ask"]
    if attr in asks:
        return rng.choice(asks[attr])
    label = ctx.labels.get(attr, attr.replace("_", " "))
    return rng.choice(asks["default"]).format(label=label)


def reasons(ctx: AgentContext, p: Product, crits: list[Criterion]) -> str:
    """Up to three facts about ``p``: the stated criteria it meets first, then the category's usual
    attributes (never price, nor what only its looks show)."""
    facts_table = ctx.text["facts"].get(ctx.category, {})
    attrs: list[str] = []
    for c in crits:
        if c.attribute not in ctx.visual and c.attribute != "price" and u.check(p, c):
            attrs.append(c.attribute)
    for a in ctx.ask_order:
        if a != "price" and a not in attrs:
            attrs.append(a)
    facts = []
    for a in attrs:
        if a in ctx.visual or a not in p.attributes or a not in facts_table:
            continue
        entry = facts_table[a]
        v = p.attributes[a]
        if isinstance(entry, dict):
            facts.append(entry["yes" if v else "no"])
        else:
            facts.append(entry.format(v=fmt(v)))
        if len(facts) >= 3:
            break
    return ", ".join(facts) if facts else ctx.text["reasons_none"]


def items(ctx: AgentContext, picks: list[Product], crits: list[Criterion], rng: random.Random) -> list[str]:
    """One line per distinct product; variants that differ only in looks share a line."""
    lines = []
    for group in variants(picks):
        p = group[0]
        key = "item" if len(group) == 1 else "item_variants"
        lines.append(rng.choice(ctx.text[key]).format(name=p.name, price=fmt(p.price), n=len(group),
                                                      reasons=reasons(ctx, p, crits)))
    return lines


def needs(ctx: AgentContext, dbs: list[Criterion]) -> str:
    """The stated dealbreakers ``dbs`` in words, for "nothing fits" replies."""
    t = ctx.text
    parts = []
    for c in dbs:
        label = t["labels_short"].get(c.attribute, c.attribute.replace("_", " "))
        spec = ctx.schema.attribute(c.attribute)
        if spec is not None and spec.type == "bool":
            want = bool(c.value) if c.op == "==" else not bool(c.value)
            parts.append(t["need_bool"]["yes" if want else "no"].format(label=label))
            continue
        unit = t["units"].get(c.attribute, "")
        if isinstance(c.value, list):
            v = " or ".join(str(x) for x in c.value)
        elif unit == "$":
            v = f"${fmt(c.value)}"
        else:
            v = f"{fmt(c.value)}{unit}"
        parts.append(t["need"][c.op].format(label=label, v=v))
    if not parts:
        return t["needs_none"]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
