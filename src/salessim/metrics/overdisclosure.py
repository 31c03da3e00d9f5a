"""Overdisclosure: does the shopper unload its whole shopping list at once, unlike real shoppers
who reveal needs gradually as the conversation asks for them?

Two levels, two metrics (turns as in :mod:`salessim.metrics.episode_view`):

- ``overdisclosure`` (value level): a criterion is disclosed when a turn states its value or
  direction (:func:`salessim.nlu.disclosed`). The units are the persona's criteria.
- ``overdisclosure_topic`` (topic level): a criterion's **attribute** is disclosed when a turn
  states its value or shows that the attribute matters ("I have a strict budget", "I need it
  light": :mod:`salessim.nlu.topics`). The units are the distinct attributes of the persona's
  criteria (a screen-size range is one topic, not two).

For each level:

- ``per_turn[t]`` = units disclosed for the **first time** in shopper turn t+1. Repeating one later
  does not count again.
- ``mean_per_turn`` = sum(per_turn) / number of shopper turns (units disclosed per turn).
- ``multi_turn_share`` = share of shopper turns that disclose >= 2 new units.
- ``first_turn_share`` = units disclosed in the first shopper turn / all units. The first turn
  opens the conversation before the agent has asked anything, so whatever it discloses is
  unprompted.
- **value = first_turn_share**, in [0, 1]. Lower reads as more human-like gradual disclosure; it is
  a descriptive figure (compare with the oracle and with a human reference), not a pass/fail.
- None when the persona has no criteria, when the shopper never said anything, or when the
  episode ended by an infrastructure fault.

details of both hold, for every shopper turn, ``disclosed_attributes_per_turn`` (the persona's
criterion attributes the turn discloses at topic level, first time or again) and
``value_disclosed_attributes_per_turn`` (the same at value level), so a reader can check the
detector turn by turn; ``per_turn_extracted``: new attributes stated with a value per turn
regardless of the persona (:func:`~salessim.metrics.episode_view.new_attributes_per_turn`), the
figure compared with human dialogues by ``salessim eval --reference``; the report plots
``per_turn``.
"""

from __future__ import annotations

from salessim.api.metric import Metric
from salessim.metrics.episode_view import (
    criteria_disclosed_at,
    new_attributes_per_turn,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, MetricResult, Persona

NAME = "overdisclosure"
VERSION = "1.2"
DESCRIPTION = "share of the persona's criteria disclosed (value level) unprompted in the first shopper turn"
TOPIC_NAME = "overdisclosure_topic"
TOPIC_VERSION = "1.0"
TOPIC_DESCRIPTION = "share of the persona's criterion topics made known unprompted in the first shopper turn"


def _score(episode: Episode, persona: Persona, store, level: str) -> MetricResult:
    metric = METRIC if level == "value" else TOPIC_METRIC
    if not persona.criteria:
        return metric.result(value=None, explanation="the persona has no criteria")
    if (skipped := metric.skip_failed(episode)) is not None:
        return skipped
    turns = shopper_turns(episode)
    if not turns:
        return metric.result(value=None, explanation="the shopper never said anything")
    names = presented_names(episode, store)
    criteria = persona.criteria
    units = ([c.key for c in criteria] if level == "value"
             else list(dict.fromkeys(c.attribute for c in criteria)))
    seen: set[str] = set()
    per_turn: list[int] = []
    per_turn_attrs: dict[str, list[list[str]]] = {"value": [], "topic": []}
    for turn in turns:
        found = {}
        for lv in ("value", "topic"):
            ks = criteria_disclosed_at(lv, criteria, turn.text, persona.category, names)
            found[lv] = ks
            per_turn_attrs[lv].append(list(dict.fromkeys(criteria[k].attribute for k in ks)))
        now = ({criteria[k].key for k in found["value"]} if level == "value"
               else {criteria[k].attribute for k in found["topic"]})
        per_turn.append(len(now - seen))
        seen |= now
    n_turns = len(turns)
    first_share = per_turn[0] / len(units)
    what = "criteria" if level == "value" else "criterion topics"
    details = {
        "level": level,
        "per_turn": per_turn,
        "per_turn_extracted": new_attributes_per_turn([t.text for t in turns], persona.category, names),
        "disclosed_attributes_per_turn": per_turn_attrs["topic"],
        "value_disclosed_attributes_per_turn": per_turn_attrs["value"],
        "turn_numbers": [t.number for t in turns],
        "turns": n_turns,
        "units": len(units),
        "criteria": len(criteria),
        "disclosed": len(seen),
        "mean_per_turn": round(sum(per_turn) / n_turns, 6),
        "multi_turn_share": round(sum(1 for c in per_turn if c >= 2) / n_turns, 6),
        "first_turn_share": round(first_share, 6),
    }
    return metric.result(
                         value=round(first_share, 6), details=details,
                         explanation=(f"{per_turn[0]}/{len(units)} {what} in the first turn; "
                         f"{details['mean_per_turn']:.2f} new per turn over {n_turns} turn(s)"),
                         )


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode at value level (see the module docstring)."""
    return _score(episode, persona, store, "value")


def compute_topic(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode at topic level (see the module docstring)."""
    return _score(episode, persona, store, "topic")


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
TOPIC_METRIC = Metric(TOPIC_NAME, TOPIC_VERSION, compute_topic, TOPIC_DESCRIPTION)
