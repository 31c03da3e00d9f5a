"""SFT data: scripted-shopper transcripts turned into the shopper model's own chat format.

:func:`generate_scripted_episodes` plays the scripted shopper on training personas against the
configured sales agents (scripted and pushy mixed) with **flaw knobs drawn per episode** from the
config's ``flaw_mix`` (e.g. 40% oracle, 30% sycophantic, 30% overdisclosing), so the policy that
imitates them starts imperfect in the ways LLM shoppers are.

:func:`episode_to_transcript` renders one episode exactly as :class:`~salessim.shoppers.hf.HFShopper`
would have seen it (same persona text, user messages, product references) and writes the scripted
shopper's actions as protocol targets (:func:`compact_target`): ``VIEW``/``BUY``/``LEAVE`` with
local product references; ``SAY`` with every sentence that states one of the persona's criteria
(read by :func:`salessim.metrics.episode_view.criteria_disclosed`, the same reading the metrics
use) replaced by the criterion references ``cN``, and the other sentences kept up to
``say_words`` words (with ``refs_only``: only the references, or, for an utterance stating no
criterion, its first sentence cut to ``say_words`` words). With ``drop_views`` the shopper's VIEW actions and their results are left out
(with per-criterion marks on the product cards a view tells a text-only model nothing new).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import Any

from salessim.local.chat import TokenTranscript
from salessim.local.render import (
    _SENTENCE_SPLIT,
    OPENING,
    ProductRefs,
    RenderConfig,
    format_action,
    render_env,
    render_persona,
)
from salessim.metrics.episode_view import criteria_disclosed
from salessim.schema import Episode, Message, Persona
from salessim.schema.run import AgentConfig
from salessim.shoppers import make_scripted_shopper
from salessim.sim.factory import make_agent
from salessim.sim.orchestrator import EpisodeLimits, run_episode
from salessim.train.config import FlawMixItem

__all__ = ["compact_target", "episode_to_transcript", "generate_scripted_episodes", "transcript_lines"]



def _disclosed(persona: Persona, text: str) -> list[int]:
    try:
        return criteria_disclosed(persona.criteria, text, persona.category)
    except Exception:  # noqa: BLE001 - the NLU is best effort here; the meta keys are the fallback
        return []


def compact_target(text: str, persona: Persona, disclosed_keys: Sequence[str] = (), say_words: int | None = 12,
                   refs_only: bool = False) -> str:
    """The SAY text of a scripted utterance for a small model (see the module docstring). With
    ``refs_only``, an utterance that states criteria becomes just their references, and one that
    states none its first sentence cut to ``say_words`` words."""
    sentences = [s for s in _SENTENCE_SPLIT.split(" ".join(text.split())) if s]
    if refs_only:
        refs = compact_target(text, persona, disclosed_keys, say_words=0)
        if refs != "hmm.":
            return refs
        words = sentences[0].split() if sentences else ["hmm."]
        return " ".join(words[: say_words or len(words)])
    out: list[str] = []
    free = 0
    stated: list[int] = []
    for sentence in sentences:
        ks = [k for k in _disclosed(persona, sentence) if k not in stated]
        if ks:
            stated += ks
            out.append(" ".join(f"c{k + 1}" for k in ks))
            continue
        words = sentence.split()
        if say_words is not None and free + len(words) > say_words:
            room = say_words - free
            if room >= 3 and not out:
                out.append(" ".join(words[:room]))
                free += room
            continue
        out.append(sentence)
        free += len(words)
    keys = {c.key: i for i, c in enumerate(persona.criteria)}
    for key in disclosed_keys:  # stated per the scripted shopper, not found sentence by sentence
        k = keys.get(key)
        if k is not None and k not in stated:
            stated.append(k)
            out.append(f"c{k + 1}")
    return " ".join(out).strip() or "hmm."


def _is_view(m: Message) -> bool:
    return m.role == "shopper" and m.action is not None and m.action.type == "view_product"


def episode_to_transcript(episode: Episode, persona: Persona, tokenizer, catalog, render: RenderConfig,
                          *, say_words: int | None = 12, drop_views: bool = True, refs_only: bool = False,
                          template_kwargs: dict[str, Any] | None = None) -> TokenTranscript:
    """The shopper model's chat for ``episode`` with the scripted actions as targets (mask 1)."""
    t = TokenTranscript(tokenizer, template_kwargs)
    t.start(render_persona(persona, render), OPENING)
    refs = ProductRefs()
    pending: list[Message] = []
    pending_view: str | None = None
    acted = False
    for m in episode.messages:
        if m.role == "shopper":
            if drop_views and _is_view(m):
                continue
            if pending or acted:
                t.add_env(render_env(pending, persona, refs, catalog, render, vision=False,
                                     pending_view=pending_view))
            pending = []
            action = m.action
            if action is None:
                continue
            t.add_policy_text(_target(m, persona, refs, render, say_words, refs_only))
            pending_view = action.product_id if action.type == "view_product" else None
            acted = True
        elif m.role == "agent" and m.text.strip():
            pending.append(m)
        elif m.role == "tool" and m.tool_caller == "shopper" and not drop_views:
            pending.append(m)
    return t


def _target(m: Message, persona: Persona, refs: ProductRefs, render: RenderConfig, say_words: int | None,
            refs_only: bool = False) -> str:
    """The protocol text of a scripted shopper message. Compact style: SAY with criterion refs,
    LEAVE with the shopper's own short words (not the internal reason), BUY/VIEW with refs only."""
    action = m.action
    if render.style != "compact":
        if action.type == "buy":
            return f"{format_action(action, refs)} {' '.join(m.text.split())}".rstrip()
        if action.type == "leave":
            return f"LEAVE {' '.join((m.text or action.reason or '').split())}".rstrip()
        return format_action(action, refs)
    if action.type == "say":
        return format_action(action, refs, say=compact_target(m.text, persona, m.meta.get("disclosed", ()), say_words,
                                                              refs_only))
    if action.type == "leave":
        first = _SENTENCE_SPLIT.split(" ".join((m.text or "nothing here fits").split()))[0]
        words = first.split()
        if refs_only:
            words = words[:say_words]
        return "LEAVE " + " ".join(words[: say_words or len(words)])
    return format_action(action.model_copy(update={"text": ""}), refs)


def transcript_lines(episodes: Sequence[Episode]) -> list[str]:
    """The texts of a set of episodes (agent and shopper lines), for tokenizer training."""
    out = []
    for ep in episodes:
        for m in ep.messages:
            if m.text.strip() and m.role in ("agent", "shopper"):
                out.append(m.text)
    return out


def _pick_flaws(mix: Sequence[FlawMixItem], rng: random.Random) -> dict[str, float]:
    return dict(rng.choices(list(mix), weights=[x.weight for x in mix])[0].flaws)


def generate_scripted_episodes(personas: Sequence[Persona], store, *, agents: dict[str, float],
                               flaw_mix: Sequence[FlawMixItem], episodes_per_persona: int, max_turns: int,
                               max_views_per_turn: int = 4, seed: int = 0,
                               progress: Callable[[int, int], None] | None = None) -> list[Episode]:
    """Scripted-shopper episodes on ``personas``, flaws and agent kind drawn per episode (seeded)."""

    rng = random.Random(seed)
    kinds = list(agents)
    agent_objs = {k: make_agent(AgentConfig(kind=k), store) for k in kinds}
    shoppers: dict[str, Any] = {}
    limits = EpisodeLimits(max_turns=max_turns, max_views_per_turn=max_views_per_turn)
    plan = []
    for persona in personas:
        for trial in range(episodes_per_persona):
            flaws = _pick_flaws(flaw_mix, rng)
            kind = rng.choices(kinds, weights=[agents[k] for k in kinds])[0]
            plan.append((persona, trial, flaws, kind, rng.randrange(2**31)))

    async def run_all():
        out = []
        for i, (persona, trial, flaws, kind, ep_seed) in enumerate(plan):
            key = repr(sorted(flaws.items()))
            if key not in shoppers:
                shoppers[key] = make_scripted_shopper(flaws, store=store)
            ep = await run_episode(persona, shoppers[key], agent_objs[kind], store, seed=ep_seed, trial=trial,
                                   limits=limits)
            out.append(ep)
            if progress:
                progress(i + 1, len(plan))
        return out

    return asyncio.run(run_all())
