"""Ideal match (sales-agent side): did the agent put the right product in front of the shopper,
or tell it plainly that nothing fits?

Definition (deterministic; uses the persona's benchmark labels ``feasible`` and
``ideal_product_ids``):

- **Feasible persona** (``ideal_product_ids`` not empty): value = 1 when some agent message
  presented (recommended) a product of the ideal set, else 0.
- **Infeasible persona** (``feasible`` is False: no product meets every dealbreaker): value = 1
  when some agent message says plainly that nothing fits (e.g. "none of our laptops match",
  "we don't have anything that", "I couldn't find any", "I'd suggest waiting / looking elsewhere")
  AND the agent never recommended a product breaking a dealbreaker the shopper had already
  stated; else 0.
- None when the persona carries no label (personas imported without a catalog; ``import-official --catalog`` labels them against it), or when the episode
  ended by an infrastructure fault.

The run mean is the ideal-match rate. It scores the AGENT (use it to test your own sales agent
against a faithful simulated shopper); ``sell`` is its companion.
"""

from __future__ import annotations

import re

from salessim.api.metric import Metric
from salessim.constraints import satisfies
from salessim.metrics.episode_view import (
    criteria_disclosed,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, MetricResult, Persona

NAME = "ideal_match"
VERSION = "1.1"
DESCRIPTION = "agent recommended an ideal product (feasible persona) or said plainly that nothing fits (infeasible)"

NOTHING_FITS_RE = re.compile(
    r"(\bnone of (our|the|these|them|my)\b|\bnothing (in (our|the) (catalog|store|range)|that (fits|matches|meets|ticks))|"
    r"\b(we|i) (do not|don't|dont) (have|carry|stock) (anything|any)\b|"
    r"\b(couldn't|could not|can't|cannot|didn't|did not) find (anything|any|a single)\b|"
    r"\bno (product|laptop|phone|smartphone|headphones?|model|option)s? (in (our|the) (catalog|store)|that|which|meets?|match(es)?|fits?)\b|"
    r"\b(doesn't|does not|don't) exist in our\b|\b(suggest|recommend) (waiting|looking elsewhere|another store|leaving)\b|"
    r"\bnothing (here|we (have|stock|carry|sell)) (that )?(fits|matches|meets)\b)",
    re.IGNORECASE,
)


def says_nothing_fits(text: str) -> bool:
    """True when an agent text says plainly that no product fits (see ``NOTHING_FITS_RE``)."""
    return bool(NOTHING_FITS_RE.search(text or ""))


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if (skipped := METRIC.skip_failed(episode)) is not None:
        return skipped
    agent_msgs = [(i, m) for i, m in enumerate(episode.messages) if m.role == "agent"]
    if persona.ideal_product_ids:
        ideal = set(persona.ideal_product_ids)
        hits = [(i, p) for i, m in agent_msgs for p in m.presented_product_ids if p in ideal]
        details = {"feasible": True, "ideal_product_ids": sorted(ideal)[:20],
                   "recommended_ideal": [p for _, p in hits], "first_at": hits[0][0] if hits else None}
        if hits:
            return METRIC.result(value=1.0, details=details,
                                 explanation=f"recommended ideal product {hits[0][1]}")
        return METRIC.result(value=0.0, details=details,
                             explanation=f"never recommended one of the {len(ideal)} ideal product(s)")
    if persona.feasible is not False:
        return METRIC.result(value=None,
                             explanation="the persona has no ideal-set label (feasible unknown)")
    said_at = next((i for i, m in agent_msgs if says_nothing_fits(m.text)), None)
    stated_at: dict[int, int] = {}
    names = presented_names(episode, store)
    for turn in shopper_turns(episode):
        for k in criteria_disclosed(persona.dealbreakers, turn.text, persona.category, names):
            stated_at.setdefault(k, turn.index)
    catalog = store.catalog
    pushed_against: list[str] = []
    for i, m in agent_msgs:
        for pid in m.presented_product_ids:
            product = catalog.get(pid)
            if product is None:
                continue
            for k, d in enumerate(persona.dealbreakers):
                note = f"{pid} breaks stated {d.key}"
                if k in stated_at and stated_at[k] < i and not satisfies(product, d) and note not in pushed_against:
                    pushed_against.append(note)
    details = {"feasible": False, "said_nothing_fits_at": said_at, "recommended_against_stated": pushed_against}
    ok = said_at is not None and not pushed_against
    if ok:
        why = "infeasible persona: the agent said plainly that nothing fits"
    elif said_at is None:
        why = "infeasible persona: the agent never said that nothing fits"
    else:
        why = "infeasible persona: the agent recommended products breaking stated dealbreakers: " + "; ".join(pushed_against[:3])
    return METRIC.result(value=1.0 if ok else 0.0, details=details, explanation=why)


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
