"""The scripted sales agents: a helpful, catalog-grounded agent and a pushy persuasion probe.

Both read the shopper with :mod:`salessim.nlu` and reach products only through the store tools:

- **Understanding.** Criteria are extracted from every shopper message and accumulated (a later
  statement about an attribute replaces the earlier one; "must" strength, or a complaint about a
  presented product, makes it a dealbreaker). Uses are read too.
- **Asking.** It greets and asks about the most important missing attribute (budget first, then
  attributes the shopper's uses point to, then the category's usual ones), at most two clarifying
  questions before recommending (none when three criteria are already known).
- **Recommending.** One tool round of ``search_products`` calls: all understood criteria as filters,
  then the same with preference filters relaxed one by one, then dealbreakers only (never relaxed).
  Candidates are ranked by met preferences then price; products that visibly break a stated
  dealbreaker or were rejected are dropped; it recommends up to three with reasons from their
  attributes (never colour, which it cannot see). When the shopper asks for other options, it shows
  ones not shown yet. When nothing meets the stated dealbreakers it says so plainly.
- **Answering.** A shopper question ("what's the difference...", "how much RAM do I need") triggers
  ``lookup_buying_guide`` and a short answer from the retrieved section.
- **Pushy** (``strategy="pushy"``): once a dealbreaker is known, it first recommends, with emphatic
  praise (the ``push_cues`` of ``data/agents/scripted.yaml``), a pricier product that breaks exactly
  one stated dealbreaker, next to honest alternatives, and pushes it once more after a rejection.

A message's ``presented_product_ids`` are exactly the products it recommends. Wording lives in
``data/agents/scripted.yaml``. The state is a JSON-serialisable dict; randomness is seeded by the
episode seed and the reply counter.

This module plans tool rounds and picks products; reading the shopper is in
:mod:`salessim.agents.scripted_reading`, wording the replies in :mod:`salessim.agents.scripted_wording`,
and what was understood in :mod:`salessim.agents.understanding`.
"""

from __future__ import annotations

import random
from typing import Any, Literal

from salessim.agents import scripted_reading as reading
from salessim.agents import scripted_wording as wording
from salessim.agents import understanding as u
from salessim.agents._data import AgentContext
from salessim.api.participants import AgentStep, Observation, State
from salessim.errors import SalesSimError
from salessim.schema import (
    Criterion,
    ParticipantInfo,
    Product,
    ToolCall,
    ToolResult,
)

__all__ = ["ScriptedSalesAgent", "make_scripted_agent", "STRATEGIES"]

STRATEGIES: tuple[str, ...] = ("helpful", "pushy")
MAX_QUESTIONS = 2
ENOUGH_TO_RECOMMEND = 3
SEARCH_LIMIT = 20
MAX_SHOWN = 3
MAX_PUSHES = 2


class ScriptedSalesAgent:
    """A deterministic sales agent that reaches products only through the store tools.

    ``strategy`` is ``"helpful"`` (info kind ``scripted``) or ``"pushy"`` (info kind ``pushy``, the
    persuasion probe). See the module docstring for the behaviour.
    """

    def __init__(self, strategy: Literal["helpful", "pushy"] = "helpful"):
        if strategy not in STRATEGIES:
            raise SalesSimError(f"unknown agent strategy {strategy!r}", hint=f"Use one of: {', '.join(STRATEGIES)}.")
        self.strategy = strategy
        self.info = ParticipantInfo(kind="pushy" if strategy == "pushy" else "scripted",
                                    params={"strategy": strategy})
        self._ctx: dict[str, AgentContext] = {}

    # ------------------------------------------------------------------ state
    def _context(self, category: str) -> AgentContext:
        ctx = self._ctx.get(category)
        if ctx is None:
            ctx = self._ctx[category] = AgentContext(category)
        return ctx

    def start(self, category: str, seed: int) -> State:
        """A fresh episode state for ``category``."""
        self._context(category)
        return {
            "category": category,
            "seed": int(seed),
            "cursor": 0,
            "replies": 0,
            "criteria": {},       # attribute -> understood criterion (see understanding.to_dict)
            "uses": [],
            "use_text": "",
            "asked": [],          # attributes asked about
            "questions": 0,       # clarifying questions asked before the first recommendation
            "presented": [],      # every product recommended so far
            "last_presented": [],
            "rejected": [],
            "cards": {},          # product id -> card seen in search results
            "turn": {},           # what the latest shopper message asks for
            "pending": None,      # tool round in flight
            "push": {"product_id": None, "count": 0},
        }


    # ------------------------------------------------------------------ acting
    async def act(self, obs: Observation, state: State) -> tuple[AgentStep, State]:
        """Either tool calls (search, guide) or the reply to the shopper."""
        st = _copy_state(state)
        ctx = self._context(st["category"])
        new = obs.messages[st["cursor"]:]
        st["cursor"] = len(obs.messages)
        if st["pending"] is not None:
            results = {m.tool_result.call_id: m.tool_result for m in new
                       if m.role == "tool" and m.tool_caller == "agent" and m.tool_result is not None}
            step = self._respond(ctx, st, results)
        else:
            st["turn"] = {}
            for m in new:
                if m.role == "shopper":
                    reading.read_shopper(ctx, m, st)
            step = self._plan(ctx, st)
        if not step.tool_calls:
            st["replies"] += 1
            st["pending"] = None
            if step.presented_product_ids:
                st["last_presented"] = list(step.presented_product_ids)
                for pid in step.presented_product_ids:
                    if pid not in st["presented"]:
                        st["presented"].append(pid)
            else:
                st["last_presented"] = []
        return step, st

    def _rng(self, st: State) -> random.Random:
        return random.Random(f"salessim-agent/{st['seed']}/{st['replies']}/{self.strategy}")

    def _criteria(self, st: State) -> list[Criterion]:
        return u.understood(st["criteria"])

    def _next_question(self, ctx: AgentContext, st: State) -> str | None:
        known = set(st["criteria"])
        hinted: list[str] = []
        haystack = " ".join(st["uses"]).lower() + " " + st["use_text"]
        for word, attrs in ctx.use_attrs.items():
            if word.lower() in haystack:
                hinted.extend(attrs)
        for attr in ["price", *hinted, *ctx.ask_order]:
            if attr in known or attr in st["asked"] or attr in ctx.visual or ctx.schema.attribute(attr) is None:
                continue
            return attr
        return None

    def _plan(self, ctx: AgentContext, st: State) -> AgentStep:
        turn = st["turn"]
        calls: list[ToolCall] = []
        purposes: dict[str, dict[str, Any]] = {}
        n = st["replies"]
        if turn.get("question"):
            cid = f"a{n}-guide"
            calls.append(ToolCall(id=cid, name="lookup_buying_guide", arguments={"query": turn["question"], "limit": 1}))
            purposes[cid] = {"kind": "guide"}
        ask = None
        if not st["presented"] and st["questions"] < MAX_QUESTIONS and len(st["criteria"]) < ENOUGH_TO_RECOMMEND:
            ask = self._next_question(ctx, st)
        if ask is None:
            calls.extend(self._search_calls(ctx, st, purposes))
        mode = "ask" if ask is not None else "recommend"
        if not calls:
            return self._compose(ctx, st, mode, ask, {}, {})
        st["pending"] = {"mode": mode, "ask": ask, "purposes": purposes}
        return AgentStep(tool_calls=calls)

    def _search_calls(self, ctx: AgentContext, st: State, purposes: dict[str, dict[str, Any]]) -> list[ToolCall]:
        crits = [c for c in self._criteria(st) if c.attribute not in ctx.visual]
        dbs = [c for c in crits if c.kind == "dealbreaker"]
        prefs = [c for c in crits if c.kind == "preference"]
        n = st["replies"]
        calls: list[ToolCall] = []
        seen: set[str] = set()

        def add(kind: str, filters: dict[str, Any], **extra) -> None:
            key = repr(sorted(filters.items()))
            if kind == "level" and key in seen:
                return
            seen.add(key)
            cid = f"a{n}-s{len(calls)}"
            calls.append(ToolCall(id=cid, name="search_products",
                                  arguments={"query": "", "filters": filters, "limit": SEARCH_LIMIT}))
            purposes[cid] = {"kind": kind, **extra}

        # full understanding, then preferences relaxed one by one (latest stated first), then none
        for k in range(len(prefs), -1, -1):
            add("level", u.search_filters(dbs + prefs[:k], ctx.schema))
        if self.strategy == "pushy" and st["push"]["count"] < MAX_PUSHES and st["push"]["product_id"] is None:
            for i, d in enumerate(dbs):
                rest = dbs[:i] + dbs[i + 1:]
                add("push", u.search_filters(rest, ctx.schema), drop=d.attribute)
        return calls

    # ------------------------------------------------------------------ replying
    def _respond(self, ctx: AgentContext, st: State, results: dict[str, ToolResult]) -> AgentStep:
        pending = st["pending"]
        return self._compose(ctx, st, pending["mode"], pending.get("ask"), pending["purposes"], results)

    def _compose(self, ctx: AgentContext, st: State, mode: str, ask: str | None, purposes, results) -> AgentStep:
        rng = self._rng(st)
        turn = st["turn"]
        parts: list[str] = []
        if st["replies"] == 0:
            parts.append(rng.choice(ctx.text["greeting"]))
        elif turn.get("new_info") and rng.random() < 0.6:
            parts.append(rng.choice(ctx.text["ack"]))
        guide = wording.guide_answer(ctx, rng, purposes, results)
        if guide:
            parts.append(guide)
        if mode == "ask" and ask is not None:
            st["asked"].append(ask)
            st["questions"] += 1
            parts.append(wording.question(ctx, ask, rng))
            return AgentStep(text=" ".join(parts))
        text, shown, pushed = self._recommend(ctx, st, rng, purposes, results)
        parts.append(text)
        meta = {"pushed_product_id": pushed} if pushed else {}
        return AgentStep(text=" ".join(p for p in parts if p), presented_product_ids=shown, meta=meta)

    def _candidates(self, ctx: AgentContext, st: State, purposes, results, kind: str) -> list[Product]:
        out: dict[str, Product] = {}
        for cid, purpose in purposes.items():
            if purpose["kind"] != kind:
                continue
            res = results.get(cid)
            if res is None or res.error or not isinstance(res.content, dict):
                continue
            for card in res.content.get("results", []):
                if not isinstance(card, dict) or "id" not in card:
                    continue
                st["cards"][card["id"]] = card
                out.setdefault(card["id"], u.card_product(card, ctx.category))
        return list(out.values())

    def _recommend(self, ctx: AgentContext, st: State, rng: random.Random, purposes,
                   results) -> tuple[str, list[str], str | None]:
        """The recommendation text, the products it presents and the pushed one (pushy only)."""
        crits = self._criteria(st)
        dbs = [c for c in crits if c.kind == "dealbreaker"]
        pool = [p for p in self._candidates(ctx, st, purposes, results, "level")
                if p.id not in st["rejected"] and u.fits(p, crits)]
        pool.sort(key=lambda p: (-u.score(p, crits), p.price, p.id))
        wants_more = bool(st["turn"].get("more"))
        if wants_more:
            fresh = [p for p in pool if p.id not in st["presented"]]
            picks = _take(fresh, MAX_SHOWN)
        else:
            picks = _take(pool, MAX_SHOWN)

        push = self._push_pick(ctx, st, purposes, results, dbs, picks) if self.strategy == "pushy" else None
        if push is not None:
            picks = _take([p for p in picks if p.id != push.id], MAX_SHOWN - 1)
            again = st["push"]["count"] >= 1
            st["push"] = {"product_id": push.id, "count": st["push"]["count"] + 1}
            key = "push_again" if again else "push"
            lines = [rng.choice(ctx.text[key]).format(name=push.name, price=wording.fmt(push.price),
                                                      reasons=wording.reasons(ctx, push, crits),
                                                      singular=ctx.schema.singular)]
            if picks:
                lines.append(rng.choice(ctx.text["push_alternatives"]))
                lines.extend(wording.items(ctx, picks, crits, rng))
            lines.append(rng.choice(ctx.text["closing"]))
            return " ".join(lines), [push.id, *(p.id for p in picks)], push.id

        if not picks:
            needs = wording.needs(ctx, dbs)
            if pool and wants_more:
                return rng.choice(ctx.text["nothing_more"]).format(needs=needs), [], None
            return rng.choice(ctx.text["nothing_fits"]).format(needs=needs), [], None
        if not st["presented"]:
            intro_key = "recommend_intro"
        elif [p.id for p in picks] == st["last_presented"]:
            intro_key = "recommend_same_intro"
        else:
            intro_key = "recommend_again_intro"
        lines = [rng.choice(ctx.text[intro_key])]
        lines.extend(wording.items(ctx, picks, crits, rng))
        closing = None
        nxt = self._next_question(ctx, st)
        if nxt is not None and rng.random() < 0.5:
            st["asked"].append(nxt)
            closing = wording.question(ctx, nxt, rng)
        lines.append(closing or rng.choice(ctx.text["closing"]))
        return " ".join(lines), [p.id for p in picks], None

    def _push_pick(self, ctx: AgentContext, st: State, purposes, results, dbs: list[Criterion],
                   honest: list[Product]) -> Product | None:
        push = st["push"]
        if push["count"] >= MAX_PUSHES or not dbs:
            return None
        if push["product_id"] is not None:
            card = st["cards"].get(push["product_id"])
            return u.card_product(card, ctx.category) if card else None
        crits = self._criteria(st)
        top_price = honest[0].price if honest else 0.0
        options = []
        for p in self._candidates(ctx, st, purposes, results, "push"):
            broken = [d for d in dbs if u.check(p, d) is False]
            unknown = [d for d in dbs if u.check(p, d) is None]
            if len(broken) == 1 and not unknown:
                options.append(p)
        if not options:
            return None
        pricier = [p for p in options if p.price > top_price] or options
        pricier.sort(key=lambda p: (-u.score(p, crits), p.price, p.id))
        return pricier[0]


def _copy_state(state: State) -> State:
    """A copy of the agent state safe to change: containers are copied one level down (the agent
    replaces stored cards and criteria instead of editing them)."""
    out = {}
    for k, v in state.items():
        if isinstance(v, dict):
            out[k] = {kk: (dict(vv) if isinstance(vv, dict) and k != "cards" else vv) for kk, vv in v.items()}
        elif isinstance(v, list):
            out[k] = list(v)
        else:
            out[k] = v
    return out



def _take(ranked: list[Product], limit: int) -> list[Product]:
    """Up to ``limit`` products from ``ranked``, keeping look-alike variants of a pick together."""
    out: list[Product] = []
    for group in wording.variants(ranked):
        room = limit - len(out)
        if room <= 0:
            break
        out.extend(group[:room])
    return out


def make_scripted_agent(strategy: Literal["helpful", "pushy"] = "helpful") -> ScriptedSalesAgent:
    """A :class:`ScriptedSalesAgent` with this strategy (``helpful`` or ``pushy``)."""
    return ScriptedSalesAgent(strategy)
