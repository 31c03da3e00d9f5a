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
import re
from functools import lru_cache
from typing import Any

from salessim.constraints import is_valid, max_utility, satisfies, utility
from salessim.schema import CategorySchema, Criterion, Message, ParticipantInfo, Persona, Product, ShopperAction
from salessim.shoppers._data import agent_cues, shopper_text
from salessim.shoppers.flaws import Flaws, coerce_flaws
from salessim.shoppers.presets import Preset, load_preset
from salessim.shoppers.voice import Voice, cap_first
from salessim.sim.participants import Observation, ShopperStep, State

__all__ = ["ScriptedShopper", "make_scripted_shopper"]

_EPS = 1e-9
_SENTENCE = re.compile(r"[^.!?]*\?")


@lru_cache(maxsize=16384)
def _extract(text: str, category: str) -> tuple:
    """The NLU's criteria in ``text`` (memoised: phrasings and fixed lines recur across episodes)."""
    from salessim import nlu

    return tuple(nlu.extract_criteria(text, category))


def _has_cue(text: str, cues) -> bool:
    return any(c in text for c in cues)


def _fallback_phrasing(c: Criterion, voice: Voice) -> str:
    """A plain statement of ``c`` from the data file, for personas without phrasings."""
    table = shopper_text()["fallback_phrasing"]
    value = ", ".join(c.value) if isinstance(c.value, list) else c.value
    return table[c.kind].format(label=voice.label(c.attribute), op=table["ops"][c.op], value=value)


class _Context:
    """Everything derived from one persona that does not change during an episode (cached)."""

    def __init__(self, persona: Persona, schema: CategorySchema | None, nlu, preset: Preset | None = None):
        self.persona = persona
        self.schema = schema
        self.preset = preset or Preset()
        self.voice = Voice(persona, schema, self.preset)
        self.criteria = list(persona.criteria)
        data = shopper_text()
        cues = data["question_cues"]
        self.uses_cues = [c.lower() for c in cues["uses"]]
        attr_cues: dict[str, list[str]] = {}
        for spec in (schema.attributes if schema else []):
            words = {spec.name.replace("_", " ").lower(), *(s.lower() for s in spec.synonyms)}
            attr_cues[spec.name] = sorted(words)
        for attr, words in (cues["attributes"].get(persona.category) or {}).items():
            attr_cues.setdefault(attr, [])
            attr_cues[attr] = sorted({*attr_cues[attr], *(w.lower() for w in words)})
        self.attr_patterns = [(attr, re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True)) + r")(?![\w])"))
                              for attr, ws in attr_cues.items() if ws]
        agent = agent_cues()
        self.push_cues = [c.lower() for c in agent.get("push_cues", [])]
        self.nothing_cues = sorted({*(c.lower() for c in data["nothing_fits_cues"]),
                                    *(c.lower() for c in agent.get("nothing_fits_cues", []))})
        self.jargon = list((data.get("jargon") or {}).get(persona.category, []))
        self.jargon_patterns = [(t, re.compile(r"(?<![\w])" + re.escape(t.lower()) + r"(?![\w])")) for t in self.jargon]
        # does the goal or the uses text state one of the persona's criteria?
        self.goal_discloses = False
        self.uses_disclose = False
        if nlu is not None:
            try:
                self.goal_discloses = self._discloses(nlu, persona.goal)
                self.uses_disclose = self._discloses(nlu, ", ".join(persona.uses))
            except Exception:  # noqa: BLE001 - wording only; never break an episode on it
                self.goal_discloses = False
        self.nlu = nlu
        self._phrasings: dict[tuple[int, int], list[str]] = {}
        # attributes the persona may be heard talking about: its criteria, what its own goal,
        # background and uses speak of, and brands (product names carry them)
        known = {c.attribute for c in self.criteria} | {"brand", "line"}
        if nlu is not None:
            for text in (persona.goal, persona.profile.background, ", ".join(persona.uses)):
                try:
                    known |= {x.attribute for x in _extract(text, persona.category)}
                except Exception:  # noqa: BLE001
                    pass
        self.known_attributes = frozenset(known)

    def _discloses(self, nlu, text: str) -> bool:
        if not text.strip():
            return False
        extracted = _extract(text, self.persona.category)
        return any(nlu.disclosed(c, extracted) for c in self.criteria)

    def phrasings(self, index: int, seed: int) -> list[str]:
        """The persona's phrasings of criterion ``index`` (generated by the NLU when it has none),
        keeping those the NLU reads back as that criterion when there are any (so a statement the
        shopper makes is one a reader can understand)."""
        key = (index, seed if not self.criteria[index].phrasings else 0)
        cached = self._phrasings.get(key)
        if cached is None:
            texts = self._raw_phrasings(index, seed)
            readable = [t for t in texts if self.reads_as(t, index)]
            cached = self._phrasings[key] = readable or texts
        return cached

    def reads_as(self, text: str, index: int) -> bool:
        """True when the NLU reads criterion ``index`` in ``text`` (always True without an NLU)."""
        if self.nlu is None:
            return True
        try:
            return bool(self.nlu.disclosed(self.criteria[index], _extract(text, self.persona.category)))
        except Exception:  # noqa: BLE001
            return True

    def _raw_phrasings(self, index: int, seed: int) -> list[str]:
        c = self.criteria[index]
        if c.phrasings:
            return list(c.phrasings)
        if self.nlu is not None:
            try:
                from salessim.nlu import phrase

                rng = random.Random(f"salessim-shopper-phrase/{seed}/{index}")
                texts = phrase.phrasings(c, self.persona.category, self.persona.profile.knowledge_level, rng, n=3)
                texts = [t for t in texts if isinstance(t, str) and t.strip()]
                if texts:
                    return texts
            except Exception:  # noqa: BLE001 - fall back to a plain sentence
                pass
        return [_fallback_phrasing(c, self.voice)]

    def asked_attributes(self, text: str) -> list[str]:
        """Attributes the agent's questions in ``text`` ask about (in order of appearance)."""
        found: list[tuple[int, str]] = []
        for sentence in _SENTENCE.findall(text.lower()):
            offset = text.lower().find(sentence)
            for attr, pattern in self.attr_patterns:
                m = pattern.search(sentence)
                if m:
                    found.append((offset + m.start(), attr))
        found.sort()
        return list(dict.fromkeys(a for _, a in found))


class _Draw(random.Random):
    """A seeded generator whose ``choice`` among text pieces avoids the pieces this episode has
    already used (kept in ``used``, part of the state), so a persona does not repeat itself."""

    used: list[str]
    MEMORY = 80

    def choice(self, seq):
        """A random element of ``seq``, preferring text pieces not used yet in this episode."""
        if len(seq) > 1 and isinstance(seq[0], str):
            fresh = [x for x in seq if x not in self.used]
            pick = super().choice(fresh or seq)
            if pick:
                self.used.append(pick)
                del self.used[: max(0, len(self.used) - self.MEMORY)]
            return pick
        return super().choice(seq)


# contexts depend only on the persona and the schema, so shopper instances share them
_SHARED_CONTEXTS: dict[tuple[str, int, str], _Context] = {}


class ScriptedShopper:
    """The persona-faithful reference shopper (the oracle), with optional flaws.

    ``flaws`` are probabilities (see :class:`~salessim.shoppers.flaws.Flaws`); with none it always
    ends with the aligned decision. ``store`` is where it reads product attributes after looking at a
    product (default: the built-in store, loaded on first use). It can see product pictures
    (``vision=True``).
    """

    def __init__(self, flaws: Flaws | dict | str | None = None, *, store=None, preset: str | None = None):
        self.flaws = coerce_flaws(flaws)
        self.preset = load_preset(preset)
        params: dict[str, Any] = {"flaws": self.flaws.model_dump()}
        if not self.preset.is_default:
            params["preset"] = self.preset.name
        self.info = ParticipantInfo(kind="scripted", params=params)
        self.vision = True
        self._store = store
        self._contexts: dict[str, _Context] = {}
        from salessim import nlu  # the text understanding (imported on use)

        self._nlu = nlu

    # ------------------------------------------------------------------ setup
    @property
    def store(self):
        """The store whose catalog the shopper reads (the built-in one unless given)."""
        if self._store is None:
            from salessim.store import default_store

            self._store = default_store()
        return self._store

    def _schema(self, category: str) -> CategorySchema | None:
        try:
            return self.store.catalog.schema(category)
        except Exception:  # noqa: BLE001 - a fake store in tests may lack schemas
            try:
                from salessim.store import default_store

                return default_store().catalog.schema(category)
            except Exception:  # noqa: BLE001
                return None

    def _context(self, state: State) -> _Context:
        key = state["persona_key"]
        ctx = self._contexts.get(key)
        if ctx is None:
            persona = Persona.model_validate(state["persona"])
            ctx = self._make_context(key, persona)
        return ctx

    def _make_context(self, key: str, persona: Persona) -> _Context:
        schema = self._schema(persona.category)
        shared_key = (key, id(schema), self.preset.name)
        ctx = _SHARED_CONTEXTS.get(shared_key)
        if ctx is None:
            ctx = _Context(persona, schema, self._nlu, self.preset)
            if len(_SHARED_CONTEXTS) > 4096:
                _SHARED_CONTEXTS.clear()
            _SHARED_CONTEXTS[shared_key] = ctx
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
        rng = _Draw(f"salessim-shopper/{state['seed']}/act/{state['draws']}")
        rng.used = state.setdefault("used", [])
        state["draws"] += 1
        return rng

    def _active(self, ctx: _Context, state: State) -> list[int]:
        forgotten = state.get("forgotten")
        return [i for i in range(len(ctx.criteria)) if i != forgotten]

    def _phrasing(self, ctx: _Context, state: State, index: int, rng: random.Random) -> str:
        texts = ctx.phrasings(index, state["seed"])
        picks = state["phrasing_pick"]
        key = str(index)
        if key not in picks:
            picks[key] = rng.randrange(len(texts))
            return texts[picks[key]]
        return texts[rng.randrange(len(texts))]

    def _products(self, ctx: _Context, ids: list[str]) -> list[Product]:
        out = []
        catalog = self.store.catalog
        for pid in ids:
            p = catalog.get(pid)
            if p is not None and p.category == ctx.persona.category:
                out.append(p)
        return out

    # ------------------------------------------------------------------ reading the transcript
    def _ingest(self, ctx: _Context, obs: Observation, state: State) -> None:
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

    def _read(self, ctx: _Context, m: Message, state: State) -> None:
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
        state["agent_nothing"] = _has_cue(low, ctx.nothing_cues)
        state["push"] = ids[0] if ids and _has_cue(low, ctx.push_cues) else None
        questions = " ".join(_SENTENCE.findall(low))
        state["asked_attrs"] = ctx.asked_attributes(text) if questions else []
        state["asked_uses"] = bool(questions) and _has_cue(questions, ctx.uses_cues)

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

    def _vet(self, ctx: _Context, text: str, allowed: set[int], intended: set[int] = frozenset(),
             st_names: tuple[str, ...] = ()) -> bool:
        """True when the NLU reads in ``text`` every ``intended`` criterion, no criterion outside
        ``allowed``, nothing that contradicts the persona (product facts and names can read like
        wishes) and no wish on an attribute the persona never speaks about, except words inside
        the product names ``st_names``."""
        nlu = ctx.nlu
        if nlu is None or not text.strip():
            return True
        try:
            extracted = _extract(text, ctx.persona.category)
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

    def _say_checked(self, ctx: _Context, st: State, render, allowed: set[int], intended: set[int] = frozenset()) -> str:
        """The first rendering (level 0 = full voice, 1 = no product facts, 2 = bare) that passes
        :meth:`_vet`; the barest one when none does."""
        names = self._names(ctx, st)
        text = ""
        for level in range(3):
            text = render(level)
            if self._vet(ctx, text, allowed | intended, intended, names):
                return text
        return text

    def _names(self, ctx: _Context, st: State) -> tuple[str, ...]:
        """Short names of the products presented so far (as the shopper words them)."""
        return tuple(ctx.voice.short_name(p) for p in self._products(ctx, st["presented"]))

    def _speak(self, ctx: _Context, obs: Observation, st: State, rng: random.Random) -> ShopperStep:
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
            meta["disclosed"] = [ctx.criteria[i].key for i in sorted(intended)]
            meta["asked_before_buying"] = best.id
            return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

        if decision in ("buy", "leave"):
            # dealbreakers the shown products break and the agent has not heard yet are said now
            complaints = self._complaint_items(ctx, st, rng, active, products)
            intended = {it["idx"] for it in complaints}
            st["disclosed"].extend(i for i in sorted(intended) if i not in st["disclosed"])
            meta["disclosed"] = [ctx.criteria[i].key for i in sorted(intended)]
            st["decided"] = decision
        if decision == "buy":
            met = [ctx.criteria[i] for i in active if i in allowed and ctx.criteria[i].kind == "preference"
                   and satisfies(best, ctx.criteria[i])]
            met.sort(key=lambda c: -c.weight)
            reason = met[0] if met else None

            def render_buy(level: int) -> str:
                before = self._core(ctx, complaints, level, rng, allowed)
                if level == 0:
                    return voice.buy(best, reason, rng, before=before)
                if level == 1:
                    return voice.buy(best, None, rng, before=before)
                return voice.finish([*before, voice.pick(rng, "buy_bare")], rng, moment="plain")

            text = self._say_checked(ctx, st, render_buy, allowed, intended)
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
        return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

    # ------------------------------------------------------------------ messages
    def _opening(self, ctx: _Context, st: State, rng: random.Random, active: list[int]) -> ShopperStep:
        phrasings: list[str] = []
        disclosed: list[int] = []
        if st["overdisclose"]:
            for i in self._reveal_order(ctx, active):
                phrasings.append(cap_first(self._phrasing(ctx, st, i, rng)))
                disclosed.append(i)
        voice = ctx.voice

        def render(level: int) -> str:
            return voice.opening(rng, goal_discloses=ctx.goal_discloses or level >= 1,
                                 uses_disclose=ctx.uses_disclose or level >= 2, phrasings=phrasings)

        text = self._say_checked(ctx, st, render, set(), set(disclosed))
        st["disclosed"].extend(i for i in disclosed if i not in st["disclosed"])
        st["all_stated_before"] = all(i in st["disclosed"] for i in active)
        meta: dict[str, Any] = {"disclosed": [ctx.criteria[i].key for i in disclosed]}
        if st["overdisclose"]:
            meta["flaw"] = "overdisclosure"
        return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

    @staticmethod
    def _reveal_order(ctx: _Context, active: list[int]) -> list[int]:
        dbs = [i for i in active if ctx.criteria[i].kind == "dealbreaker"]
        prefs = sorted((i for i in active if ctx.criteria[i].kind == "preference"),
                       key=lambda i: (-ctx.criteria[i].weight, i))
        return dbs + prefs

    def _complaint_items(self, ctx: _Context, st: State, rng: random.Random, active: list[int],
                         products: list[Product]) -> list[dict[str, Any]]:
        """One complaint per dealbreaker not stated yet that a presented product breaks (the
        product shown most recently is named)."""
        items = []
        fresh = self._products(ctx, st["fresh"])
        for i in self._reveal_order(ctx, active):
            c = ctx.criteria[i]
            if c.kind != "dealbreaker" or i in st["disclosed"]:
                continue
            culprit = next((p for p in fresh if not satisfies(p, c)), None)
            if culprit is None:
                culprit = next((p for p in products if not satisfies(p, c)), None)
            if culprit is not None:
                items.append({"type": "complaint", "idx": i, "pid": culprit.id,
                              "phrasing": self._phrasing(ctx, st, i, rng), "disclose": True})
        return items

    def _plan(self, ctx: _Context, st: State, rng: random.Random, active: list[int],
              products: list[Product]) -> list[dict[str, Any]]:
        """What to say this turn, as a list of items (rendered by :meth:`_render`)."""
        plan: list[dict[str, Any]] = []
        undisclosed = [i for i in self._reveal_order(ctx, active) if i not in st["disclosed"]]
        fresh = self._products(ctx, st["fresh"])
        planned: set[int] = set()

        def item(kind: str, **kw) -> None:
            plan.append({"type": kind, **kw})
            if kw.get("disclose"):
                planned.add(kw["idx"])

        # a. presented products that break dealbreakers not stated yet: say so, stating each
        for it in self._complaint_items(ctx, st, rng, active, products):
            item(it.pop("type"), **it)
        complained = bool(plan)
        # b. the agent asked about attributes
        answered = False
        for attr in st["asked_attrs"]:
            idx = [i for i in active if ctx.criteria[i].attribute == attr]
            if idx:
                i = idx[0]
                if i in planned:
                    answered = True
                    continue
                if not complained or i in st["disclosed"]:
                    c = ctx.criteria[i]
                    keep = ctx.preset.answer_preference
                    if (not complained and c.kind == "preference" and i not in st["disclosed"] and keep < 1.0
                            and rng.random() >= keep):
                        item("unsure")  # a wording preset: not sure yet, says nothing about it
                    else:
                        item("answer", idx=i, phrasing=self._phrasing(ctx, st, i, rng), disclose=True)
                    answered = True
                    break
            elif not complained:
                item("no_view", attr=attr)
                break
        if not complained and not answered and st["asked_uses"]:
            item("uses")
        # c. otherwise volunteer one criterion (a wording preset may hold it back for this turn)
        if not complained and not answered:
            remaining = [i for i in undisclosed if i not in planned]
            if remaining:
                i = remaining[0]
                dealbreaker = ctx.criteria[i].kind == "dealbreaker"
                chance = ctx.preset.volunteer_dealbreaker if dealbreaker else ctx.preset.volunteer_preference
                if chance < 1.0 and rng.random() >= chance:
                    item("hold", fresh=bool(fresh), shown=bool(products))
                else:
                    if fresh and rng.random() < 0.6:
                        plan.insert(0, {"type": "looked"})
                    item("reveal", idx=i, phrasing=self._phrasing(ctx, st, i, rng), disclose=True,
                         dealbreaker=dealbreaker)
        # d. nothing new to say: repeat a broken dealbreaker, then ask for other options / openly
        if not any(p["type"] in ("complaint", "answer", "reveal", "uses", "no_view", "hold", "unsure") for p in plan):
            for i in active:
                c = ctx.criteria[i]
                if c.kind != "dealbreaker" or i not in st["disclosed"]:
                    continue
                culprit = next((p for p in fresh if not satisfies(p, c)), None)
                if culprit is not None:
                    item("reminder", idx=i, pid=culprit.id, phrasing=self._phrasing(ctx, st, i, rng), disclose=True)
                    break
            item("more" if products else "open")
        # e. a novice asks what a word the agent used means
        voice = ctx.voice
        if voice.p["ask_term"] and rng.random() < voice.p["ask_term"] and len(st["asked_terms"]) < 2:
            low = st.get("agent_text", "").lower()
            for term, pattern in ctx.jargon_patterns:
                if term not in st["asked_terms"] and pattern.search(low):
                    item("term", term=term)
                    break
        return plan

    def _render(self, ctx: _Context, st: State, plan: list[dict[str, Any]], level: int,
                rng: random.Random) -> str:
        """The text of ``plan``: level 0 with product facts and asides, 1 without product facts,
        2 bare (phrasings and fixed lines only)."""
        core = self._core(ctx, plan, level, rng, set(st["disclosed"]))
        if level >= 2:
            return ctx.voice.finish(core, rng, moment="plain")
        return ctx.voice.finish(core, rng, moment="react" if st["presented"] else "mid")

    def _grievance(self, ctx: _Context, it: dict[str, Any], level: int, rng: random.Random,
                   allowed: set[int] | None) -> str:
        """A complaint or reminder about a product at ``level`` or, when the NLU would misread
        it (a product fact or name that reads like a wish), at the next plainer level."""
        voice = ctx.voice
        product = self.store.catalog.get(it["pid"])
        c = ctx.criteria[it["idx"]]
        phrasing = it["phrasing"]
        text = ""
        for lvl in range(level, 3):
            if it["type"] == "complaint":
                if lvl == 0:
                    text = voice.complaint(product, c, phrasing, rng)
                elif lvl == 1:
                    ref = voice.ref(product, rng)
                    text = voice.pick(rng, "complaint_plain").format(ref=ref, ref_cap=cap_first(ref),
                                                                     phrasing=cap_first(phrasing))
                else:
                    text = voice.pick(rng, "complaint_bare").format(phrasing=cap_first(phrasing))
            else:
                if lvl == 0:
                    text = voice.reminder(product, c, phrasing, rng)
                else:
                    text = voice.pick(rng, "reminder_bare").format(phrasing=cap_first(phrasing))
                    lvl = 2
            if allowed is None or self._vet(ctx, text, allowed | {it["idx"]}, {it["idx"]}, (voice.short_name(product),)):
                break
        return text

    def _core(self, ctx: _Context, plan: list[dict[str, Any]], level: int, rng: random.Random,
              allowed: set[int] | None = None) -> list[str]:
        """The sentences of ``plan`` at wording ``level`` (see :meth:`_render`), without asides.
        With ``allowed`` (criteria already stated), each complaint is checked on its own too."""
        voice = ctx.voice
        core: list[str] = []
        for it in plan:
            kind = it["type"]
            if kind in ("complaint", "reminder"):
                core.append(self._grievance(ctx, it, level, rng, allowed))
            elif kind == "answer":
                core.append(voice.answer(it["phrasing"], rng) if level < 2 else cap_first(it["phrasing"]))
            elif kind == "reveal":
                core.append(voice.reveal(it["phrasing"], it["dealbreaker"], rng) if level < 2
                            else cap_first(it["phrasing"]))
            elif kind == "no_view":
                core.append(voice.no_view(it["attr"], rng, safe=level >= 1))
            elif kind == "uses":
                core.append(voice.uses_answer(rng) if level < 2 else "")
            elif kind == "looked":
                core.append(voice.pick(rng, "looked") if level < 2 else "")
            elif kind == "more":
                core.append(voice.pick(rng, "more_options"))
            elif kind == "open":
                core.append(voice.pick(rng, "ask_open"))
            elif kind == "term":
                core.append(voice.ask_term(it["term"], rng) if level < 2 else "")
            elif kind == "unsure":
                core.append(voice.pick(rng, "hold_unsure"))
            elif kind == "hold":
                core.append(voice.hold(rng, products_shown=it["shown"], fresh=it["fresh"]) if level < 2
                            else voice.pick(rng, "hold_pause"))
        return core


def make_scripted_shopper(flaws: Flaws | dict | str | None = None, *, store=None,
                          preset: str | None = None) -> ScriptedShopper:
    """A :class:`ScriptedShopper` with these flaws (a :class:`Flaws`, a dict, a ``name=p,...`` text
    or None for the oracle) and wording ``preset`` (:mod:`salessim.shoppers.presets`; None: default)."""
    return ScriptedShopper(flaws, store=store, preset=preset)
