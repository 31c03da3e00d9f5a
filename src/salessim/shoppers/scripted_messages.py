"""What the scripted shopper says: its opening, and the plan of a turn (complaints about shown
products, answers, one volunteered criterion, reminders, questions) rendered at three wording
levels (full voice, no product facts, bare). A mixin of :class:`~salessim.shoppers.scripted.ScriptedShopper`,
which provides ``store``, ``_phrasing``, ``_products``, ``_vet`` and ``_say_checked``."""

from __future__ import annotations

import random
from typing import Any

from salessim.api.participants import ShopperStep, State
from salessim.constraints import satisfies
from salessim.schema import Product, ShopperAction
from salessim.shoppers.scripted_context import Context
from salessim.shoppers.voice import cap_first


class Messages:
    """The message-composing half of the scripted shopper (see the module docstring)."""

    def _opening(self, ctx: Context, st: State, rng: random.Random, active: list[int]) -> ShopperStep:
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
        keys = [ctx.criteria[i].key for i in disclosed]
        meta: dict[str, Any] = {"disclosed": keys, "stated": keys}
        if st["overdisclose"]:
            meta["flaw"] = "overdisclosure"
        return ShopperStep(action=ShopperAction(type="say", text=text), meta=meta)

    @staticmethod
    def _reveal_order(ctx: Context, active: list[int]) -> list[int]:
        dbs = [i for i in active if ctx.criteria[i].kind == "dealbreaker"]
        prefs = sorted((i for i in active if ctx.criteria[i].kind == "preference"),
                       key=lambda i: (-ctx.criteria[i].weight, i))
        return dbs + prefs

    def _complaint_items(self, ctx: Context, st: State, rng: random.Random, active: list[int],
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

    def _plan(self, ctx: Context, st: State, rng: random.Random, active: list[int],
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

    def _render(self, ctx: Context, st: State, plan: list[dict[str, Any]], level: int,
                rng: random.Random) -> str:
        """The text of ``plan``: level 0 with product facts and asides, 1 without product facts,
        2 bare (phrasings and fixed lines only)."""
        core = self._core(ctx, plan, level, rng, set(st["disclosed"]))
        if level >= 2:
            return ctx.voice.finish(core, rng, moment="plain")
        return ctx.voice.finish(core, rng, moment="react" if st["presented"] else "mid")

    def _grievance(self, ctx: Context, it: dict[str, Any], level: int, rng: random.Random,
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

    def _core(self, ctx: Context, plan: list[dict[str, Any]], level: int, rng: random.Random,
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
                core.append(voice.uses_answer(rng) if level < 2 and ctx.read_back else "")
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

