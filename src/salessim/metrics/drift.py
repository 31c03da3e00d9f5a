"""Persona drift: criteria the shopper states that contradict its own persona.

Definition (deterministic):

- Every shopper turn is read with :func:`salessim.nlu.extract_criteria`; the **stated criteria**
  are the distinct extracted items of the episode (by attribute, operator and value).
- A stated item **contradicts** the persona when :func:`salessim.nlu.contradicts` says so for at
  least one persona criterion (e.g. the persona's dealbreaker is ``os == macOS`` and the shopper
  says "I want Windows"; its budget is ``price <= 800`` and it says "up to 1500 is fine").
- value = contradicting stated items / stated items, in [0, 1]; lower is better. details carry
  the ``count`` of contradicting items, the persona criteria contradicted and where.
- None when the shopper stated no criterion at all, or when the episode ended by an
  infrastructure fault.
"""

from __future__ import annotations

from salessim.api.metric import Metric
from salessim.metrics.episode_view import (
    contradicted,
    extract,
    item_key,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, MetricResult, Persona

NAME = "drift"
VERSION = "1.1"
DESCRIPTION = "share of the criteria the shopper stated that contradict its persona"


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if (skipped := METRIC.skip_failed(episode)) is not None:
        return skipped
    stated: dict[str, int] = {}
    bad: dict[str, dict] = {}
    names = presented_names(episode, store)
    for turn in shopper_turns(episode):
        for item in extract(turn.text, persona.category, names):
            key = item_key(item)
            stated.setdefault(key, turn.number)
            if key in bad:
                continue
            hits = contradicted(persona.criteria, item)
            if hits:
                bad[key] = {"stated": key, "turn": turn.number, "contradicts": [persona.criteria[k].key for k in hits]}
    if not stated:
        return METRIC.result(value=None,
                             explanation="the shopper stated no criterion")
    details = {"stated": len(stated), "count": len(bad), "contradictions": list(bad.values()),
               "contradicted_criteria": sorted({k for b in bad.values() for k in b["contradicts"]})}
    value = len(bad) / len(stated)
    why = (f"{len(bad)}/{len(stated)} stated criteria contradict the persona"
           + (": " + "; ".join(f"{b['stated']} vs {', '.join(b['contradicts'])}" for b in bad.values()) if bad else ""))
    return METRIC.result(value=round(value, 6), details=details, explanation=why)


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
