"""Dealbreaker disclosure: does the shopper say what it cannot accept, in time?

Two levels, two metrics: ``dealbreaker_disclosure`` counts a dealbreaker as stated when a turn
states its value or direction (:func:`salessim.nlu.disclosed`); ``dealbreaker_disclosure_topic``
also when a turn makes its attribute known without a value ("I have a strict budget", "it has to
run Mac software": :mod:`salessim.nlu.topics`). Everything else is the same.

Definition (deterministic; conventions on turns, message indices and "presented" in
:mod:`salessim.metrics.episode_view`):

- For each dealbreaker d of the persona: ``stated_at`` = index of the first shopper turn whose
  text discloses d at the metric's level, or None; ``first_violating_presented_at`` =
  index of the first message presenting a product (of the persona's category) that breaks d, or
  None.
- d is **at stake** when a product breaking it was presented. Its **deadline** is the shopper's
  reaction to that presentation: the first shopper turn after it (a shopper cannot speak before
  the agent's message that shows the product, so "at the latest when it was presented" means "in
  the turn that answers it"). When no shopper turn follows (the episode ended, or the shopper
  bought or left silently), the deadline is the presentation itself.
- d is **timely** when it is at stake and ``stated_at <= deadline``.
- value = timely / at-stake dealbreakers, in [0, 1]. Higher is better.
- None when the persona has no dealbreakers, when no presented product broke any of them
  (nothing was at stake: the episode cannot tell), or when the episode ended by an
  infrastructure fault.

details: ``per_dealbreaker`` (key, stated_at, stated_at_turn, first_violating_presented_at,
violating_product, deadline, at_stake, timely), ``at_stake``, ``timely``, and ``stated_share``
(share of ALL dealbreakers stated at any time, at stake or not).
"""

from __future__ import annotations

from salessim.api.metric import Metric
from salessim.constraints import satisfies
from salessim.metrics.episode_view import (
    criteria_disclosed_at,
    presentations,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, MetricResult, Persona

NAME = "dealbreaker_disclosure"
VERSION = "1.1"
DESCRIPTION = "share of at-stake dealbreakers the shopper stated by its reply to the first product breaking them"
TOPIC_NAME = "dealbreaker_disclosure_topic"
TOPIC_VERSION = "1.0"
TOPIC_DESCRIPTION = "dealbreaker disclosure where making the dealbreaker's topic known counts (no value needed)"


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode at value level (see the module docstring)."""
    return _score(episode, persona, store, "value")


def compute_topic(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode at topic level (see the module docstring)."""
    return _score(episode, persona, store, "topic")


def _score(episode: Episode, persona: Persona, store, level: str) -> MetricResult:
    metric = METRIC if level == "value" else TOPIC_METRIC
    dealbreakers = persona.dealbreakers
    if not dealbreakers:
        return metric.result(value=None,
                             explanation="the persona has no dealbreakers")
    if (skipped := metric.skip_failed(episode)) is not None:
        return skipped
    turns = shopper_turns(episode)
    names = presented_names(episode, store)
    stated_at: dict[int, tuple[int, int]] = {}
    for turn in turns:
        for k in criteria_disclosed_at(level, dealbreakers, turn.text, persona.category, names):
            stated_at.setdefault(k, (turn.index, turn.number))

    catalog = store.catalog
    first_violation: dict[int, tuple[int, str]] = {}
    for index, pid, _how in presentations(episode):
        product = catalog.get(pid)
        if product is None or product.category != persona.category:
            continue
        for k, d in enumerate(dealbreakers):
            if k not in first_violation and not satisfies(product, d):
                first_violation[k] = (index, pid)

    rows = []
    at_stake = timely = 0
    for k, d in enumerate(dealbreakers):
        s = stated_at.get(k)
        v = first_violation.get(k)
        deadline = None
        ok = None
        if v is not None:
            at_stake += 1
            deadline = next((t.index for t in turns if t.index > v[0]), v[0])
            ok = s is not None and s[0] <= deadline
            timely += int(ok)
        rows.append({
            "key": d.key,
            "stated_at": s[0] if s else None,
            "stated_at_turn": s[1] if s else None,
            "first_violating_presented_at": v[0] if v else None,
            "violating_product": v[1] if v else None,
            "deadline": deadline,
            "at_stake": v is not None,
            "timely": ok,
        })
    details = {
        "level": level,
        "per_dealbreaker": rows,
        "dealbreakers": len(dealbreakers),
        "at_stake": at_stake,
        "timely": timely,
        "stated_share": round(len(stated_at) / len(dealbreakers), 6),
    }
    if at_stake == 0:
        return metric.result(value=None, details=details,
                             explanation="no presented product broke a dealbreaker: nothing was at stake")
    late = [r["key"] for r in rows if r["at_stake"] and not r["timely"]]
    why = f"{timely}/{at_stake} at-stake dealbreaker(s) stated in time"
    if late:
        why += "; late or never: " + ", ".join(late)
    return metric.result(value=round(timely / at_stake, 6), details=details,
                         explanation=why)


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
TOPIC_METRIC = Metric(TOPIC_NAME, TOPIC_VERSION, compute_topic, TOPIC_DESCRIPTION)
