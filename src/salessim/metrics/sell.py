"""Sell (sales-agent side): did the episode end in a purchase?

Definition (deterministic): value = 1 when the shopper bought a product (``decision.type ==
"buy"``), else 0 (left, ran out of turns, or tried to buy an unknown product). None when the
episode ended by an infrastructure fault. The run mean is the sell rate. Read it beside
``ideal_match`` and ``decision_alignment``: selling to an infeasible persona is not a success.
"""

from __future__ import annotations

from salessim.metrics.episode_view import is_infrastructure_failure
from salessim.schema import Episode, MetricResult, Persona

NAME = "sell"
VERSION = "1.0"
DESCRIPTION = "the shopper bought a product"


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if is_infrastructure_failure(episode):
        return MetricResult(metric=NAME, version=VERSION, value=None, details={"termination": episode.termination},
                            explanation=f"not scored: the episode ended with {episode.termination}")
    d = episode.decision
    details = {"decision": d.type, "product_id": d.product_id, "feasible": persona.feasible}
    if d.type == "buy":
        return MetricResult(metric=NAME, version=VERSION, value=1.0, details=details,
                            explanation=f"sold {d.product_id}")
    return MetricResult(metric=NAME, version=VERSION, value=0.0, details=details,
                        explanation=f"no sale ({episode.termination})")
