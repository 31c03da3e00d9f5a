"""How the scripted sales agent (:mod:`salessim.agents.scripted`) reads the shopper's messages:
criteria and uses through :mod:`salessim.nlu` (memoised), questions for the buying guide, complaints
about shown products, requests for other options. It updates the agent's state dict in place."""

from __future__ import annotations

import re
from functools import lru_cache

from salessim import nlu
from salessim.agents import understanding as u
from salessim.agents._data import AgentContext
from salessim.api.participants import State
from salessim.schema import Message

_QUESTION = re.compile(r"[^.!?]*\?")


@lru_cache(maxsize=16384)
def _extract(text: str, category: str) -> tuple:
    """The NLU's criteria in ``text`` (memoised: shopper phrasings recur across episodes)."""
    return tuple(nlu.extract_criteria(text, category))


@lru_cache(maxsize=16384)
def _uses(text: str, category: str) -> tuple:
    """The NLU's uses in ``text`` (memoised)."""
    return tuple(nlu.extract_uses(text, category))


def _has(text: str, cues) -> bool:
    return any(c in text for c in cues)


def read_shopper(ctx: AgentContext, m: Message, st: State) -> None:
    """Update the state ``st`` with what the shopper's ``say`` message ``m`` tells: criteria,
    uses, a question (``turn["question"]``), a complaint about shown products (which rejects the
    ones it names) and a request for other options (``turn["more"]``)."""
    text = (m.text or "").strip()
    if not text or (m.action is not None and m.action.type != "say"):
        return
    low = text.lower()
    turn = st["turn"]
    complaint = bool(st["last_presented"]) and _has(low, ctx.complaint_cues)
    questions = [q for q in _QUESTION.findall(text)
                 if _has(q.lower(), ctx.question_cues) and not _has(q.lower(), ctx.not_question_cues)]
    if questions:
        turn["question"] = questions[0].strip()
    statement = text
    for q in questions:  # "what does ChromeOS mean?" asks about ChromeOS, it does not ask for it
        statement = statement.replace(q, " ")
    try:
        extracted = _extract(mask_names(st, statement), ctx.category)
    except Exception:  # noqa: BLE001 - a reading failure leaves the understanding unchanged
        extracted = []
    changed = u.merge_statement(st["criteria"], extracted, complaint=complaint)
    if changed:
        turn["new_info"] = True
    try:
        uses = list(_uses(text, ctx.category))
    except Exception:  # noqa: BLE001
        uses = []
    for use in uses:
        name = str(use)
        if name not in st["uses"]:
            st["uses"].append(name)
    st["use_text"] = (st["use_text"] + " " + low)[-2000:]
    if complaint:
        shown = [u.card_product(st["cards"][p], ctx.category) for p in st["last_presented"] if p in st["cards"]]
        try:
            named = list(nlu.mention_products(text, shown))
        except Exception:  # noqa: BLE001
            named = []
        for pid in named:
            if pid not in st["rejected"]:
                st["rejected"].append(pid)
        turn["complaint"] = True
    if _has(low, ctx.alt_cues):
        turn["more"] = True


def mask_names(st: State, text: str) -> str:
    """``text`` with the names of products shown so far replaced by "it", so that naming a
    product ("the Apple Aerobook") is not read as a wish for its brand or size."""
    names: set[str] = set()
    for pid in st["presented"]:
        card = st["cards"].get(pid)
        if not card or not card.get("name"):
            continue
        name = str(card["name"])
        names.add(name)
        short = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
        if len(short.split()) >= 2:
            names.add(short)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), "it", text, flags=re.IGNORECASE)
    return text
