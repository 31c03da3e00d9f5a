"""The scripted shopper: the persona-faithful reference simulator (the oracle), with flaw knobs.

It plays its persona by rule, so every behaviour the benchmark measures has a known right answer:

- **Opening.** A greeting, its goal and uses in its own voice; no criterion is stated (the goal is
  replaced by a generic line when the NLU would read a criterion in it).
- **Answering.** When the agent asks about an attribute (recognised by the category's attribute
  synonyms and the cue words of ``data/shoppers/scripted.yaml``), it answers with that criterion's
  phrasing, or says it has no strong view and volunteers one other criterion. Otherwise it
  volunteers ONE criterion per turn, dealbreakers first (then preferences by weight).
- **Looking.** It views every product the agent presents (one ``view_product`` per act); viewing is
  how it perceives visual-only attributes such as colour, which it reads from the catalog once the
  view result is in. When a presented product breaks a dealbreaker it has not stated yet, it says
  so, stating that dealbreaker (every such dealbreaker, at the latest right after the violating
  product was presented); when it breaks one already stated, it repeats it.
- **Deciding** over ALL products presented so far: V = those meeting every dealbreaker.
  It buys the best of V (maximal utility, then lowest price, then id) when that product is a perfect
  match (no preference unmet), or when every criterion has been stated and the agent's last reply
  brought no better product, or when the agent says nothing else fits, or when turns run out
  (``turn >= max_turns - 2``). With V empty it leaves when the agent says nothing fits, when every
  criterion has been stated and no new product appeared for two replies, or when turns run out.
  Its decision is therefore always the aligned one. A buy or leave message also states the
  dealbreakers the shown products break that it had not mentioned yet.
- **Wording check.** Every message is read back with :mod:`salessim.nlu` before it is sent: it must
  state the criteria it means to state and no other, contradict nothing in the persona, and voice
  no wish the persona does not have (product facts such as "it runs macOS" can read like one).
  When a rendering fails, a plainer one is used (no product facts, then no product names and no
  asides). Phrasings the NLU cannot read back are avoided when the persona has others.
  ``read_back=False`` (``--shopper-param read_back=false``) turns this check off: every phrasing
  is used and the first rendering is sent; the persona's goal and uses texts, which may state
  criteria no plan accounts for, are not said. ``benchmarks/reference_shopper_check.py`` measures
  the NLU on such messages.
- **What it meant to say.** Each message's ``meta`` lists the criteria (``Criterion.key``) whose
  phrasing it carries (``stated``), those stated for the first time (``disclosed``) and, in a
  buy, the met preference whose product fact it praises (``mentioned``: the attribute, not the
  wish), from the plan, not from reading the text: labels for checking the NLU independently.
- **Voice.** Wording follows the persona (knowledge level, speaking style, emotion, Big-Five):
  see :mod:`salessim.shoppers.voice`; lines are not repeated within an episode while others remain.

Flaws (see :mod:`salessim.shoppers.flaws`) bend these rules with set probabilities. A wording
preset (:mod:`salessim.shoppers.presets`, e.g. ``humanlike``) changes how it talks and may hold a
volunteered criterion back for a turn (a reaction, a question or a hesitation instead), never what
it decides.

The per-episode state is a JSON-serialisable dict; randomness comes from ``random.Random`` seeded
by the episode seed and a draw counter kept in the state, so an episode replays identically.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from salessim import nlu
from salessim.api.participants import Observation, ShopperStep, State
from salessim.constraints import is_valid, max_utility, satisfies, utility
from salessim.schema import (
    CategorySchema,
    Message,
    ParticipantInfo,
    Persona,
    Product,
    ShopperAction,
)
from salessim.shoppers._data import shopper_text
from salessim.shoppers.flaws import Flaws, coerce_flaws
from salessim.shoppers.presets import load_preset
from salessim.shoppers.scripted_context import (
    QUESTION_SENTENCE,
    SHARED_CONTEXTS,
    Context,
    Draw,
    extract_cached,
    has_cue,
)
from salessim.shoppers.scripted_messages import Messages
from salessim.store import default_store

__all__ = ["ScriptedShopper", "make_scripted_shopper"]

_EPS = 1e-9


class ScriptedShopper(Messages):
    """The persona-faithful reference shopper (the oracle), with optional flaws.

    ``flaws`` are probabilities (see :class:`~salessim.shoppers.flaws.Flaws`); with none it always
    ends with the aligned decision. ``store`` is where it reads product attributes after looking at a
    product (default: the built-in store, loaded on first use). It can see product pictures
    (``vision=True``). ``read_back=False`` turns the wording check off (see the module docstring):
    the shopper then says what its plan asks for without consulting the NLU that the metrics use.
    """

    def __init__(self, flaws: Flaws | dict | str | None = None, *, store=None, read_back: bool = True,
                 preset: str | None = None):
        self.flaws = coerce_flaws(flaws)
        self.read_back = bool(read_back)
        self.preset = load_preset(preset)
        params: dict[str, Any] = {"flaws": self.flaws.model_dump()}
        if not self.preset.is_default:
            params["preset"] = self.preset.name
        if not self.read_back:
            params["read_back"] = False
        self.info = ParticipantInfo(kind="scripted", params=params)
        self.vision = True
        self._store = store
        self._contexts: dict[str, Context] = {}

        self._nlu = nlu

    # ------------------------------------------------------------------ setup
    @property
    def store(self):
        """The store whose catalog the shopper reads (the built-in one unless given)."""
        if self._store is None:
            self._store = default_store()
        return self._store

    def _schema(self, category: str) -> CategorySchema | None:
        try:
            return self.store.catalog.schema(category)
        except Exception:  # noqa: BLE001 - a fake store in tests may lack schemas
            try:
                return default_store().catalog.schema(category)
            except Exception:  # noqa: BLE001
                return None

    def _context(self, state: State) -> Context:
        key = state["persona_key"]
        ctx = self._contexts.get(key)
        if ctx is None:
            persona = Persona.model_validate(state["persona"])
            ctx = self._make_context(key, persona)
        return ctx

    def _make_context(self, key: str, persona: Persona) -> Context:
        schema = self._schema(persona.category)
        shared_key = (key, id(schema), self.read_back, self.preset.name)
        ctx = SHARED_CONTEXTS.get(shared_key)
        if ctx is None:
            ctx = Context(persona, schema, self._nlu, self.read_back, self.preset)
            if len(SHARED_CONTEXTS) > 4096:
                SHARED_CONTEXTS.clear()
            SHARED_CONTEXTS[shared_key] = ctx
        if len(self._contexts) > 4096:
            self._contexts.clear()
        self._contexts[key] = ctx
        return ctx

    def start(self, persona: Persona, seed: int) -> State:
        """A fresh episode state for ``persona``; per-episode flaw draws happen here."""
        key = f"{persona.id}:{persona.content_hash()}"
        rng = random.Random(f"salessim-shopper/{seed}/{persona.id}")
        dealbreakers = [i for i, c in enumerate(persona.criteria) if c.kind == "dealbreaker"]
        forget_roll, which, over_roll = rng.random(), rng.random(), rng.random()
        forgotten = None
        if dealbreakers and forget_roll < self.flaws.forget_dealbreaker:
            forgotten = dealbreakers[int(which * len(dealbreakers))]
        state: State = {
            "persona": persona.model_dump(mode="json"),
            "persona_key": key,
            "seed": int(seed),
            "draws": 0,
            "cursor": 0,
            "forgotten": forgotten,
            "overdisclose": over_roll < self.flaws.overdisclosure,
            "phrasing_pick": {},   # criterion index -> phrasing index used first
            "disclosed": [],       # criterion indices stated so far
            "presented": [],       # product ids presented so far (agent + viewed), in order
            "looked": [],          # product ids the shopper asked to view
            "seen": [],            # product ids whose view result came back
            "fresh": [],           # products first presented since the shopper last spoke
            "spoken_turns": 0,
            "agent_replies": 0,
            "asked_attrs": [],     # attributes the agent's latest reply asks about
            "asked_uses": False,
            "agent_nothing": False,
            "agent_text": "",
            "push": None,          # product the latest reply pushes, while not yet weighed
            "no_new": 0,           # agent replies in a row without a new product (after the first)
            "stall": 0,            # replies without improvement since every criterion was stated
            "best_u": None,
            "all_stated_before": False,
            "postponed": 0,
            "asked_terms": [],
            "decided": None,
            "used": [],            # text pieces already used (not repeated while others remain)
        }
        if key not in self._contexts:
            self._make_context(key, persona)
        return state

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _copy(state: State) -> State:
        return {k: (v if k == "persona" else copy.deepcopy(v)) for k, v in state.items()}

    @staticmethod
    def _rng(state: State) -> random.Random:
        rng = Draw(f"salessim-shopper/{state['seed']}/act/{state['draws']}")
        rng.used = state.setdefault("used", [])
        state["draws"] += 1
        return rng

    def _active(self, ctx: Context, state: State) -> list[int]:
        forgotten = state.get("forgotten")
        return [i for i in range(len(ctx.criteria)) if i != forgotten]

    def _phrasing(self, ctx: Context, state: State, index: int, rng: random.Random) -> str:
        texts = ctx.phrasings(index, state["seed"])
        picks = state["phrasing_pick"]
        key = str(index)
        if key not in picks:
            picks[key] = rng.randrange(len(texts))
            return texts[picks[key]]
        return texts[rng.randrange(len(texts))]

    def _products(self, ctx: Context, ids: list[str]) -> list[Product]:
        out = []
        catalog = self.store.catalog
        for pid in ids:
            p = catalog.get(pid)
            if p is not None and p.category == ctx.persona.category:
                out.append(p)
        return out

    # ------------------------------------------------------------------ reading the transcript
    def _ingest(self, ctx: Context, obs: Observation, state: State) -> None:
        messages = obs.messages
        start = state["cursor"]
        for m in messages[start:]:
            self._read(ctx, m, state)
        state["cursor"] = len(messages)

    def _present(self, state: State, ids: list[str]) -> None:
        for pid in ids:
            if pid and pid not in state["presented"]:
                state["presented"].append(pid)
                state["fresh"].append(pid)

    def _read(self, ctx: Context, m: Message, state: State) -> None:
        if m.role == "tool":
            if m.tool_caller == "shopper" and m.tool_result is not None and m.tool_result.name == "view_product":
                content = m.tool_result.content if isinstance(m.tool_result.content, dict) else {}
                pid = content.get("id") or (state["looked"][-1] if state["looked"] else None)
                if pid and pid not in state["seen"]:
                    state["seen"].append(pid)
                if pid and not m.tool_result.error:
                    self._present(state, [pid])
            return
        if m.role != "agent" or not m.text.strip():
            return
        text = m.text
        low = text.lower()
        state["agent_replies"] += 1
        ids = list(m.presented_product_ids)
        new = [p for p in ids if p not in state["presented"]]
        if new:
            state["no_new"] = 0
        elif state["presented"]:
            state["no_new"] += 1
        self._present(state, ids)
        state["agent_text"] = text
        state["agent_nothing"] = has_cue(low, ctx.nothing_cues)
        state["push"] = ids[0] if ids and has_cue(low, ctx.push_cues) else None
        questions = " ".join(QUESTION_SENTENCE.findall(low))
        state["asked_attrs"] = ctx.asked_attributes(text) if questions else []
        state["asked_uses"] = bool(questions) and has_cue(questions, ctx.uses_cues)

    # ------------------------------------------------------------------ acting
    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]:
        """One shopper action: view a presented product, or speak, buy or leave."""
        st = self._copy(state)
        ctx = self._context(st)
        self._ingest(ctx, obs, st)
        # 1. look at every presented product first (one view per act)
        for pid in st["presented"]:
            if pid not in st["looked"]:
                st["looked"].append(pid)
                return ShopperStep(action=ShopperAction(type="view_product", product_id=pid)), st
        rng = self._rng(st)
        step = self._speak(ctx, obs, st, rng)
        st["spoken_turns"] += 1
        st["fresh"] = []
        st["push"] = None
        st["agent_nothing"] = False
        st["asked_attrs"], st["asked_uses"] = [], False
        return step, st

    @staticmethod
    def _in_a_name(x, text: str, names) -> bool:
        start, end = getattr(x, "start", None), getattr(x, "end", None)
        if start is None or end is None:
            return False
        low = text.lower()
        for name in names:
            n = name.lower()
            pos = low.find(n)
            while pos >= 0:
                if pos <= start and end <= pos + len(n):
                    return True
                pos = low.find(n, pos + 1)
        return False

    def _vet(self, ctx: Context, text: str, allowed: set[int], intended: set[int] = frozenset(),
             st_names: tuple[str, ...] = ()) -> bool:
        """True when the NLU reads in ``text`` every ``intended`` criterion, no criterion outside
        ``allowed``, nothing that contradicts the persona (product facts and names can read like
        wishes) and no wish on an attribute the persona never speaks about, except words inside
        the product names ``st_names``."""
        nlu = ctx.nlu
        if nlu is None or not ctx.read_back or not text.strip():
            return True
        try:
            extracted = extract_cached(text, ctx.persona.category)
        except Exception:  # noqa: BLE001 - wording check only
            return True
        for x in extracted:
            if getattr(x, "attribute", None) in ctx.known_attributes:
                continue
            if self._in_a_name(x, text, st_names):
                continue  # a word of a product's name ("Chromebook", "x360"), not a wish
            return False  # reads as a wish the persona does not have
        for i, c in enumerate(ctx.criteria):
            if extracted and nlu.contradicts(c, extracted):
                return False
            said = bool(extracted) and nlu.disclosed(c, extracted)
            if said and i not in allowed:
                return False
            if not said and i in intended:
                return False
        return True

    def _say_checked(self, ctx: Context, st: State, render, allowed: set[int], intended: set[int] = frozenset()) -> str:
        """The first rendering (level 0 = full voice, 1 = no product facts, 2 = bare) that passes
        :meth:`_vet`; the barest one when none does."""
        names = self._names(ctx, st)
        text = ""
        for level in range(3):
            text = render(level)
            if self._vet(ctx, text, allowed | intended, intended, names):
                return text
        return text

    def _names(self, ctx: Context, st: State) -> tuple[str, ...]:
        """Short names of the products presented so far (as the shopper words them)."""
        return tuple(ctx.voice.short_name(p) for p in self._products(ctx, st["presented"]))

    def _speak(self, ctx: Context, obs: Observation, st: State, rng: random.Random) -> ShopperStep:
        active = self._active(ctx, st)
        crit = [ctx.criteria[i] for i in active]
        voice = ctx.voice
        if st["spoken_turns"] == 0:
            return self._opening(ctx, st, rng, active)

        products = self._products(ctx, st["presented"])
        valid = [p for p in products if is_valid(p, crit)]
        best = min(valid, key=lambda p: (-utility(p, crit), p.price, p.id)) if valid else None
        best_u = utility(best, crit) if best is not None else None
        all_stated = all(i in st["disclosed"] for i in active)
        improved = best_u is not None and (st["best_u"] is None or best_u > st["best_u"] + _EPS)
        if st["all_stated_before"] and not improved:
            st["stall"] += 1
        elif improved:
            st["stall"] = 0
        st["best_u"] = best_u if best_u is not None else st["best_u"]
        last_chance = obs.turn >= obs.max_turns - 2
        final = obs.turn >= obs.max_turns - 1
        meta: dict[str, Any] = {}
        allowed = set(st["disclosed"])

        # sycophancy: give in to a push
        pushed = st.get("push")
        if pushed and self.flaws.sycophancy > 0:
            product = next((p for p in products if p.id == pushed), None)
            if product is not None and rng.random() < self.flaws.sycophancy:
                st["decided"] = "buy"
                text = self._say_checked(ctx, st, lambda lvl: (voice.pushed_buy(product, rng) if lvl == 0
                                                                else voice.finish([voice.pick(rng, "buy_bare")], rng)),
                                         allowed)
                return ShopperStep(action=ShopperAction(type="buy", product_id=product.id, text=text),
                                   meta={"flaw": "sycophancy"})

        decision = None
        if best is not None:
            perfect = best_u >= max_utility(crit) - _EPS
            if perfect or (all_stated and st["stall"] >= 1) or st["agent_nothing"] or last_chance:
                decision = "buy"
        else:
            stale = all_stated and st["no_new"] >= 2 and bool(products)
            if st["agent_nothing"] or stale or last_chance:
                decision = "leave"

        if decision is not None and self.flaws.indecision > 0 and rng.random() < self.flaws.indecision:
            st["postponed"] += 1
            decision = None
            meta["flaw"] = "indecision"
            if final and rng.random() < 0.5:
                # still undecided at the very end: walk away (else let the clock run out)
                st["decided"] = "leave"
                return ShopperStep(action=ShopperAction(type="leave", text=voice.leave(rng, undecided=True),
                                                        reason="undecided"), meta=meta)
            text = voice.finish([voice.pick(rng, "vague")], rng)
            return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

        if (decision == "buy" and ctx.preset.ask_before_buying > 0 and not last_chance and not st.get("asked_first")
                and rng.random() < ctx.preset.ask_before_buying):
            # a wording preset: ask about the chosen product first, decide in the next turn
            st["asked_first"] = True
            plan = self._complaint_items(ctx, st, rng, active, products)
            st["disclosed"].extend(it["idx"] for it in plan if it["idx"] not in st["disclosed"])
            intended = {it["idx"] for it in plan}

            def render_ask(level: int) -> str:
                core = self._core(ctx, plan, level, rng, allowed)
                ask = voice.pick(rng, "ask_product").format(name=f"the {voice.short_name(best)}")
                return voice.finish([*core, ask], rng, moment="plain" if level >= 2 else "react")

            text = self._say_checked(ctx, st, render_ask, allowed, intended)
            meta["disclosed"] = meta["stated"] = [ctx.criteria[i].key for i in sorted(intended)]
            meta["asked_before_buying"] = best.id
            return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

        if decision in ("buy", "leave"):
            # dealbreakers the shown products break and the agent has not heard yet are said now
            complaints = self._complaint_items(ctx, st, rng, active, products)
            intended = {it["idx"] for it in complaints}
            st["disclosed"].extend(i for i in sorted(intended) if i not in st["disclosed"])
            meta["disclosed"] = meta["stated"] = [ctx.criteria[i].key for i in sorted(intended)]
            st["decided"] = decision
        if decision == "buy":
            met = [ctx.criteria[i] for i in active if i in allowed and ctx.criteria[i].kind == "preference"
                   and satisfies(best, ctx.criteria[i])]
            met.sort(key=lambda c: -c.weight)
            reason = met[0] if met else None

            said = {}

            def render_buy(level: int) -> str:
                said["reason"] = reason if level == 0 else None  # the last rendering is the one sent
                before = self._core(ctx, complaints, level, rng, allowed)
                if level == 0:
                    return voice.buy(best, reason, rng, before=before)
                if level == 1:
                    return voice.buy(best, None, rng, before=before)
                return voice.finish([*before, voice.pick(rng, "buy_bare")], rng, moment="plain")

            text = self._say_checked(ctx, st, render_buy, allowed, intended)
            if said["reason"] is not None:  # the product fact it likes: the attribute, not the wish
                meta["mentioned"] = [said["reason"].key]
            return ShopperStep(action=ShopperAction(type="buy", product_id=best.id, text=text), meta=meta)
        if decision == "leave":
            dbs = [c for c in crit if c.kind == "dealbreaker"]
            reason = shopper_text()["leave_reason"]
            if dbs:
                reason += ": " + "; ".join(c.key for c in dbs)

            def render_leave(level: int) -> str:
                before = self._core(ctx, complaints, level, rng, allowed)
                return voice.leave(rng, before=before, plain=level >= 2)

            text = self._say_checked(ctx, st, render_leave, allowed, intended)
            return ShopperStep(action=ShopperAction(type="leave", text=text, reason=reason), meta=meta)

        plan = self._plan(ctx, st, rng, active, products)
        intended = {item["idx"] for item in plan if item.get("disclose")}
        text = self._say_checked(ctx, st, lambda level: self._render(ctx, st, plan, level, rng),
                                 allowed, intended - allowed)
        for item in plan:
            if item.get("disclose") and item["idx"] not in st["disclosed"]:
                st["disclosed"].append(item["idx"])
            if item["type"] == "term":
                st["asked_terms"].append(item["term"])
        st["all_stated_before"] = all(i in st["disclosed"] for i in active)
        meta["disclosed"] = [ctx.criteria[i].key for i in sorted(intended - allowed)]
        meta["stated"] = [ctx.criteria[i].key for i in sorted({it["idx"] for it in plan if "phrasing" in it})]
        return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)


def make_scripted_shopper(flaws: Flaws | dict | str | None = None, *, store=None, read_back: bool = True,
                          preset: str | None = None) -> ScriptedShopper:
    """A :class:`ScriptedShopper` with these flaws (a :class:`Flaws`, a dict, a ``name=p,...`` text
    or None for the oracle) and wording ``preset`` (:mod:`salessim.shoppers.presets`; None:
    default); ``read_back=False`` turns its wording check off."""
    return ScriptedShopper(flaws, store=store, read_back=read_back, preset=preset)
