"""The metric contract: ``compute(episode, persona, store) -> MetricResult``, pure and versioned.

A :class:`Metric` is what the registry holds (built-ins and plug-ins alike): its name, version,
compute function and one-line description, and whether ``run``/``eval`` compute it by default.
Its helpers build results with its name and version, and give the common "not scored" answer for
episodes that ended by an infrastructure fault, so every metric words them the same way.

A plug-in metric may be a :class:`Metric` or a plain function with the compute signature (its
``name``/``version`` attributes are used when present): :func:`as_metric` turns either into one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salessim.errors import SalesSimError
from salessim.schema import Episode, MetricResult, Persona

ComputeFn = Callable[[Episode, Persona, Any], MetricResult]


@dataclass(frozen=True)
class Metric:
    """A metric: ``compute(episode, persona, store) -> MetricResult``."""

    name: str
    version: str
    compute: ComputeFn
    description: str
    default: bool = True  # computed by `run` and by `eval` without --metrics

    def result(self, value: float | None, explanation: str = "", details: dict | None = None,
               cost_usd: float = 0.0) -> MetricResult:
        """A result of this metric."""
        return MetricResult(metric=self.name, version=self.version, value=value, details=details or {},
                            explanation=explanation, cost_usd=cost_usd)

    def not_scored(self, why: str, details: dict | None = None) -> MetricResult:
        """A None result saying why the episode is not scored."""
        return self.result(None, why, details)

    def skip_failed(self, episode: Episode) -> MetricResult | None:
        """The not-scored result for an episode that ended by an infrastructure fault, else None."""
        if episode.infrastructure_failure:
            return self.not_scored(f"not scored: the episode ended with {episode.termination}",
                                   {"termination": episode.termination})
        return None


def as_metric(obj: Any, spec: str) -> Metric:
    """``obj`` as a :class:`Metric`: a Metric as it is; a function ``compute(episode, persona,
    store)`` with its ``name`` (default: the spec's attribute), ``version`` (default "0") and
    docstring's first line. Anything else is an error naming the spec."""
    if isinstance(obj, Metric):
        return obj
    if callable(obj) and not inspect.isclass(obj):
        params = [p for p in inspect.signature(obj).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) >= 3:
            doc = (inspect.getdoc(obj) or "").strip().splitlines()
            return Metric(name=str(getattr(obj, "name", spec.rpartition(":")[2] or spec)),
                          version=str(getattr(obj, "version", "0")), compute=obj,
                          description=doc[0] if doc else "")
    raise SalesSimError(f"{spec!r} is not a metric: expected a salessim.api.Metric or a function "
                        "compute(episode, persona, store) -> MetricResult", where="--metrics",
                        hint="See docs/architecture.md#plug-ins.")
