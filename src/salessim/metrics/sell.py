"""Sell (sales-agent side): did the episode end in a purchase?

Definition (deterministic): value = 1 when the shopper bought a product (``decision.type ==
"buy"``), else 0 (left, ran out of turns, or tried to buy an unknown product). None when the
episode ended by an infrastructure fault. The run mean is the sell rate. Read it beside
``ideal_match`` and ``decision_alignment``: selling to an infeasible persona is not a success.
"""

from __future__ import annotations

from salessim.api.metric import Metric
from salessim.schema import Episode, MetricResult, Persona

NAME = "sell"
VERSION = "1.0"
DESCRIPTION = "the shopper bought a product"


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if (skipped := METRIC.skip_failed(episode)) is not None:
        return skipped
    d = episode.decision
    details = {"decision": d.type, "product_id": d.product_id, "feasible": persona.feasible}
    if d.type == "buy":
        return METRIC.result(value=1.0, details=details,
                             explanation=f"sold {d.product_id}")
    return METRIC.result(value=0.0, details=details,
                         explanation=f"no sale ({episode.termination})")


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
