"""UserGRPO rewards: one function per objective, each a thin wrapper over the metrics code.

Every reward scores one finished episode (the whole multi-turn completion) and is in [0, 1],
higher is better; ``None`` means "does not apply to this episode" (TRL turns it into NaN and
leaves it out of that objective's group statistics).

==========================  ================================================================
reward                      definition
==========================  ================================================================
decision_alignment          :func:`salessim.metrics.decision.compute` value (0/1), or the graded
                            variant 1 - regret with ``graded=True``, with one rule on leaving: a
                            leave scores only when the shopper stated every dealbreaker before
                            (or while) leaving, and never when no product was presented at all.
                            The metric alone scores any leave 1 when no valid product was
                            *presented*, and the shopper controls what is presented: as a reward
                            that is found within ~20 GRPO steps (walk out at once, or keep the
                            dealbreakers to yourself and leave after the first, unsuited,
                            recommendation). The rule asks for what the persona-faithful scripted
                            shopper does: say what you cannot accept, then leave. None on
                            infrastructure faults (not the policy's doing).
dealbreaker_disclosure      :mod:`salessim.metrics.dealbreaker_disclosure` value: share of the
                            at-stake dealbreakers stated by the shopper's reply to the first
                            product breaking them. None when nothing was at stake.
overdisclosure              1 - the mean of two figures of :mod:`salessim.metrics.overdisclosure`:
                            its value (share of the persona's criteria unloaded in the first turn)
                            and ``multi_turn_share`` (share of turns disclosing >= 2 new criteria).
conversation_quality        (distinct-2 of the shopper's turns within the episode + 1 - its
                            highest bag-of-words cosine similarity to an episode of *another*
                            persona in the same batch) / 2, times 1 - the share of turns that
                            repeat an earlier turn word for word. The cross-persona term is what
                            "lexical diversity against the persona set" means inside one batch;
                            it is left out when the batch holds one persona only.
format_validity             share of the shopper's actions that parsed without ``format_error``.
==========================  ================================================================

:func:`make_reward_functions` binds them to a store and the personas and returns TRL-style
callables ``f(prompts, completions, completion_ids, episode=[...], persona_id=[...], **kw)``,
each named after its objective (TRL logs ``rewards/<name>/mean``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from salessim.metrics import dealbreaker_disclosure as dealbreaker_metric
from salessim.metrics import decision
from salessim.metrics import overdisclosure as overdisclosure_metric
from salessim.metrics.episode_view import (
    criteria_disclosed,
    presented_names,
    shopper_turns,
)
from salessim.metrics.lexical import distinct_n
from salessim.metrics.text import tokenize
from salessim.schema import Episode, Persona

__all__ = [
    "REWARD_FUNCTIONS", "conversation_quality", "dealbreaker_disclosure", "decision_alignment",
    "format_validity", "left_before_presentation", "make_reward_functions", "overdisclosure",
    "unstated_dealbreakers",
]


def _as_episode(ep: Episode | dict) -> Episode:
    return ep if isinstance(ep, Episode) else Episode.model_validate(ep)


def decision_alignment(episode: Episode, persona: Persona, store, graded: bool = False) -> float | None:
    """Decision alignment of the episode (binary, or 1 - regret when ``graded``)."""

    r = decision.compute(episode, persona, store)
    if r.value is None:
        return None
    if episode.decision.type == "leave" and (left_before_presentation(episode)
                                              or unstated_dealbreakers(episode, persona, store)):
        return 0.0
    return float(r.details.get("graded", r.value)) if graded else float(r.value)


def left_before_presentation(episode: Episode) -> bool:
    """True when the shopper left before any product was presented (a walk-out without evidence)."""
    return episode.decision.type == "leave" and not episode.presented_product_ids


def unstated_dealbreakers(episode: Episode, persona: Persona, store=None) -> list[str]:
    """Keys of the persona's dealbreakers that no shopper turn of the episode states (per the
    metrics' reading of shopper text, :func:`salessim.metrics.episode_view.criteria_disclosed`;
    with ``store``, spelled-out names of presented products are not read as criteria)."""

    dealbreakers = persona.dealbreakers
    names = presented_names(episode, store) if store is not None else ()
    stated: set[int] = set()
    for turn in shopper_turns(episode):
        stated.update(criteria_disclosed(dealbreakers, turn.text, persona.category, names))
    return [d.key for k, d in enumerate(dealbreakers) if k not in stated]


def dealbreaker_disclosure(episode: Episode, persona: Persona, store) -> float | None:
    """Timely dealbreaker disclosure (None when no dealbreaker was at stake)."""

    r = dealbreaker_metric.compute(episode, persona, store)
    return None if r.value is None else float(r.value)


def overdisclosure(episode: Episode, persona: Persona, store) -> float | None:
    """1 - the share of criteria unloaded in the first shopper turn."""

    r = overdisclosure_metric.compute(episode, persona, store)
    if r.value is None:
        return None
    return 1.0 - (float(r.value) + float(r.details.get("multi_turn_share", r.value))) / 2


def format_validity(episode: Episode, persona: Persona | None = None, store=None) -> float | None:
    """Share of shopper actions that parsed cleanly."""
    acts = [m for m in episode.messages if m.role == "shopper"]
    if not acts:
        return None
    bad = sum(1 for m in acts if "format_error" in m.flags)
    return 1.0 - bad / len(acts)


@lru_cache(maxsize=4096)
def _bag(texts: tuple[str, ...]) -> Counter:
    """Bag of words of ``texts`` (cached: each episode is compared with every other of its batch;
    treat the result as read-only)."""

    c: Counter = Counter()
    for t in texts:
        c.update(tokenize(t))
    return c


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def conversation_quality(episode: Episode, others: Sequence[Sequence[str]] = ()) -> float | None:
    """Lexical quality of the shopper's turns (see the module table); ``others`` = the shopper
    turns of episodes of other personas."""

    texts = [t for t in episode.shopper_texts() if t.strip()]
    if not texts:
        return 0.0
    toks = [tokenize(t) for t in texts]
    if not any(toks):
        return 0.0
    d2 = distinct_n(toks, 2) if any(len(t) > 1 for t in toks) else distinct_n(toks, 1)
    norm = [" ".join(t) for t in toks]
    repeats = sum(1 for i, t in enumerate(norm) if t and t in norm[:i]) / len(norm)
    parts = [d2]
    if others:
        mine = _bag(tuple(texts))
        parts.append(1.0 - max(_cosine(mine, _bag(tuple(o))) for o in others))
    return (sum(parts) / len(parts)) * (1.0 - repeats)


REWARD_FUNCTIONS: dict[str, Callable[..., float | None]] = {
    "decision_alignment": decision_alignment,
    "dealbreaker_disclosure": dealbreaker_disclosure,
    "overdisclosure": overdisclosure,
    "conversation_quality": conversation_quality,
    "format_validity": format_validity,
}


def make_reward_functions(store, personas: dict[str, Persona], weights: dict[str, float],
                          graded_decision: bool = False) -> tuple[list[Callable], list[float]]:
    """TRL reward callables for the objectives with a weight in ``weights`` (in the order of
    :data:`REWARD_FUNCTIONS`) and their weights. The rollout must pass ``episode`` and
    ``persona_id`` as extra fields."""
    funcs: list[Callable] = []
    ws: list[float] = []

    def _bind(name: str) -> Callable:
        def reward(prompts=None, completions=None, completion_ids=None, *, episode=None, persona_id=None,
                   **_: Any) -> list[float | None]:
            if episode is None or persona_id is None:
                raise ValueError(f"reward {name}: the rollout must return 'episode' and 'persona_id' fields")
            eps = [_as_episode(e) for e in episode]
            out: list[float | None] = []
            if name == "conversation_quality":
                texts_by_persona: dict[str, list[list[str]]] = {}
                for e, pid in zip(eps, persona_id):
                    texts_by_persona.setdefault(pid, []).append(e.shopper_texts())
                for e, pid in zip(eps, persona_id):
                    others = [t for p, ts in texts_by_persona.items() if p != pid for t in ts]
                    out.append(conversation_quality(e, others))
                return out
            for e, pid in zip(eps, persona_id):
                persona = personas[pid]
                if name == "decision_alignment":
                    out.append(decision_alignment(e, persona, store, graded_decision))
                elif name == "format_validity":
                    out.append(format_validity(e))
                else:
                    out.append(REWARD_FUNCTIONS[name](e, persona, store))
            return out

        reward.__name__ = name
        reward.__qualname__ = name
        return reward

    for name in REWARD_FUNCTIONS:
        w = weights.get(name, 0.0)
        if w:
            funcs.append(_bind(name))
            ws.append(float(w))
    return funcs, ws
