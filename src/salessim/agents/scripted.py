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
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, Literal

from salessim import nlu
from salessim.agents import understanding as u
from salessim.agents._data import agent_text
from salessim.api.participants import AgentStep, Observation, State
from salessim.errors import SalesSimError
from salessim.nlu.lexicon import category_schema
from salessim.schema import (
    CategorySchema,
    Criterion,
    Message,
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
_QUESTION = re.compile(r"[^.!?]*\?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _nlu():
    return nlu


@lru_cache(maxsize=16384)
def _extract(text: str, category: str) -> tuple:
    """The NLU's criteria in ``text`` (memoised: shopper phrasings recur across episodes)."""
    return tuple(_nlu().extract_criteria(text, category))


@lru_cache(maxsize=16384)
def _uses(text: str, category: str) -> tuple:
    """The NLU's uses in ``text`` (memoised)."""
    return tuple(_nlu().extract_uses(text, category))


def _has(text: str, cues) -> bool:
    return any(c in text for c in cues)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value).replace("_", " ")


class _Ctx:
    """Per-category data the agent needs (schema, cue lists), built once."""

    def __init__(self, category: str):
        self.category = category
        self.schema: CategorySchema = category_schema(category)
        data = agent_text()
        self.data = data
        self.text = data["text"]
        self.complaint_cues = [c.lower() for c in data["complaint_cues"]]
        self.alt_cues = [c.lower() for c in data["alternatives_cues"]]
        self.question_cues = [c.lower() for c in data["question_cues"]]
        self.not_question_cues = [c.lower() for c in data.get("not_question_cues", [])]
        self.ask_order = list(data["ask_order"].get(category, ["price"]))
        self.use_attrs: dict[str, list[str]] = dict(data["use_attributes"].get(category, {}))
        self.visual = set(self.schema.visual_only)
        self.labels = dict(self.text["labels"].get(category, {}))


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
        self._ctx: dict[str, _Ctx] = {}

    # ------------------------------------------------------------------ state
    def _context(self, category: str) -> _Ctx:
        ctx = self._ctx.get(category)
        if ctx is None:
            ctx = self._ctx[category] = _Ctx(category)
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

    # ------------------------------------------------------------------ reading the shopper
    def _read_shopper(self, ctx: _Ctx, m: Message, st: State) -> None:
        text = (m.text or "").strip()
        if not text or (m.action is not None and m.action.type != "say"):
            return
        low = text.lower()
        nlu = _nlu()
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
            extracted = _extract(self._mask_names(st, statement), ctx.category)
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

    @staticmethod
    def _mask_names(st: State, text: str) -> str:
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
                    self._read_shopper(ctx, m, st)
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

    def _next_question(self, ctx: _Ctx, st: State) -> str | None:
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

    def _plan(self, ctx: _Ctx, st: State) -> AgentStep:
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

    def _search_calls(self, ctx: _Ctx, st: State, purposes: dict[str, dict[str, Any]]) -> list[ToolCall]:
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
    def _respond(self, ctx: _Ctx, st: State, results: dict[str, ToolResult]) -> AgentStep:
        pending = st["pending"]
        return self._compose(ctx, st, pending["mode"], pending.get("ask"), pending["purposes"], results)

    def _guide_answer(self, ctx: _Ctx, rng: random.Random, purposes, results) -> str:
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

    def _question_text(self, ctx: _Ctx, attr: str, rng: random.Random) -> str:
        asks = ctx.text["ask"]
        if attr in asks:
            return rng.choice(asks[attr])
        label = ctx.labels.get(attr, attr.replace("_", " "))
        return rng.choice(asks["default"]).format(label=label)

    def _compose(self, ctx: _Ctx, st: State, mode: str, ask: str | None, purposes, results) -> AgentStep:
        rng = self._rng(st)
        turn = st["turn"]
        parts: list[str] = []
        if st["replies"] == 0:
            parts.append(rng.choice(ctx.text["greeting"]))
        elif turn.get("new_info") and rng.random() < 0.6:
            parts.append(rng.choice(ctx.text["ack"]))
        guide = self._guide_answer(ctx, rng, purposes, results)
        if guide:
            parts.append(guide)
        if mode == "ask" and ask is not None:
            st["asked"].append(ask)
            st["questions"] += 1
            parts.append(self._question_text(ctx, ask, rng))
            return AgentStep(text=" ".join(parts))
        text, shown, pushed = self._recommend(ctx, st, rng, purposes, results)
        parts.append(text)
        meta = {"pushed_product_id": pushed} if pushed else {}
        return AgentStep(text=" ".join(p for p in parts if p), presented_product_ids=shown, meta=meta)

    def _candidates(self, ctx: _Ctx, st: State, purposes, results, kind: str) -> list[Product]:
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

    def _recommend(self, ctx: _Ctx, st: State, rng: random.Random, purposes,
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
            lines = [rng.choice(ctx.text[key]).format(name=push.name, price=_fmt(push.price),
                                                      reasons=self._reasons(ctx, push, crits),
                                                      singular=ctx.schema.singular)]
            if picks:
                lines.append(rng.choice(ctx.text["push_alternatives"]))
                lines.extend(self._items(ctx, picks, crits, rng))
            lines.append(rng.choice(ctx.text["closing"]))
            return " ".join(lines), [push.id, *(p.id for p in picks)], push.id

        if not picks:
            needs = self._needs(ctx, dbs)
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
        lines.extend(self._items(ctx, picks, crits, rng))
        closing = None
        nxt = self._next_question(ctx, st)
        if nxt is not None and rng.random() < 0.5:
            st["asked"].append(nxt)
            closing = self._question_text(ctx, nxt, rng)
        lines.append(closing or rng.choice(ctx.text["closing"]))
        return " ".join(lines), [p.id for p in picks], None

    def _push_pick(self, ctx: _Ctx, st: State, purposes, results, dbs: list[Criterion],
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

    # ------------------------------------------------------------------ wording
    def _reasons(self, ctx: _Ctx, p: Product, crits: list[Criterion]) -> str:
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
                facts.append(entry.format(v=_fmt(v)))
            if len(facts) >= 3:
                break
        return ", ".join(facts) if facts else ctx.text["reasons_none"]

    def _items(self, ctx: _Ctx, picks: list[Product], crits: list[Criterion], rng: random.Random) -> list[str]:
        """One line per distinct product; variants that differ only in looks share a line."""
        lines = []
        for group in _variants(picks):
            p = group[0]
            key = "item" if len(group) == 1 else "item_variants"
            lines.append(rng.choice(ctx.text[key]).format(name=p.name, price=_fmt(p.price), n=len(group),
                                                          reasons=self._reasons(ctx, p, crits)))
        return lines

    def _needs(self, ctx: _Ctx, dbs: list[Criterion]) -> str:
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
                v = f"${_fmt(c.value)}"
            else:
                v = f"{_fmt(c.value)}{unit}"
            parts.append(t["need"][c.op].format(label=label, v=v))
        if not parts:
            return t["needs_none"]
        return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


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


def _variants(products: list[Product]) -> list[list[Product]]:
    """Products grouped by what the agent can see (name, price and card attributes), in order."""
    groups: dict[tuple, list[Product]] = {}
    for p in products:
        key = (p.name, tuple(sorted((k, str(v)) for k, v in p.attributes.items())))
        groups.setdefault(key, []).append(p)
    return list(groups.values())


def _take(ranked: list[Product], limit: int) -> list[Product]:
    """Up to ``limit`` products from ``ranked``, keeping look-alike variants of a pick together."""
    out: list[Product] = []
    for group in _variants(ranked):
        room = limit - len(out)
        if room <= 0:
            break
        out.extend(group[:room])
    return out


def make_scripted_agent(strategy: Literal["helpful", "pushy"] = "helpful") -> ScriptedSalesAgent:
    """A :class:`ScriptedSalesAgent` with this strategy (``helpful`` or ``pushy``)."""
    return ScriptedSalesAgent(strategy)
