"""Overdisclosure: does the shopper unload its whole shopping list at once, unlike real shoppers
who reveal needs gradually as the conversation asks for them?

Definition (deterministic; turns as in :mod:`salessim.metrics.episode_view`):

- ``per_turn[t]`` = number of the persona's criteria (dealbreakers and preferences) disclosed for
  the **first time** in shopper turn t+1 (:func:`salessim.nlu.disclosed`). Repeating a criterion
  later does not count again.
- ``mean_per_turn`` = sum(per_turn) / number of shopper turns (criteria disclosed per turn).
- ``multi_turn_share`` = share of shopper turns that disclose >= 2 new criteria.
- ``first_turn_share`` = criteria disclosed in the first shopper turn / all persona criteria. The
  first turn opens the conversation before the agent has asked anything, so whatever it
  discloses is unprompted.
- **value = first_turn_share**, in [0, 1]. Lower reads as more human-like gradual disclosure; it is
  a descriptive figure (compare with the oracle and with a human reference), not a pass/fail.
- None when the persona has no criteria, when the shopper never said anything, or when the
  episode ended by an infrastructure fault.

details also hold ``per_turn_extracted``: new attributes stated per turn regardless of the
persona (:func:`~salessim.metrics.episode_view.new_attributes_per_turn`), the figure compared with
human dialogues by ``salessim eval --reference``; the report plots ``per_turn``.
"""

from __future__ import annotations

from salessim.metrics.episode_view import (
    criteria_disclosed,
    is_infrastructure_failure,
    new_attributes_per_turn,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, MetricResult, Persona

NAME = "overdisclosure"
VERSION = "1.1"
DESCRIPTION = "share of the persona's criteria disclosed unprompted in the first shopper turn"


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if not persona.criteria:
        return MetricResult(metric=NAME, version=VERSION, value=None, explanation="the persona has no criteria")
    if is_infrastructure_failure(episode):
        return MetricResult(metric=NAME, version=VERSION, value=None, details={"termination": episode.termination},
                            explanation=f"not scored: the episode ended with {episode.termination}")
    turns = shopper_turns(episode)
    if not turns:
        return MetricResult(metric=NAME, version=VERSION, value=None, explanation="the shopper never said anything")
    names = presented_names(episode, store)
    seen: set[int] = set()
    per_turn: list[int] = []
    for turn in turns:
        ks = set(criteria_disclosed(persona.criteria, turn.text, persona.category, names))
        per_turn.append(len(ks - seen))
        seen |= ks
    n_turns = len(turns)
    first_share = per_turn[0] / len(persona.criteria)
    details = {
        "per_turn": per_turn,
        "per_turn_extracted": new_attributes_per_turn([t.text for t in turns], persona.category, names),
        "turns": n_turns,
        "criteria": len(persona.criteria),
        "disclosed": len(seen),
        "mean_per_turn": round(sum(per_turn) / n_turns, 6),
        "multi_turn_share": round(sum(1 for c in per_turn if c >= 2) / n_turns, 6),
        "first_turn_share": round(first_share, 6),
    }
    return MetricResult(
        metric=NAME, version=VERSION, value=round(first_share, 6), details=details,
        explanation=(f"{per_turn[0]}/{len(persona.criteria)} criteria in the first turn; "
                     f"{details['mean_per_turn']:.2f} new criteria per turn over {n_turns} turn(s)"),
    )
