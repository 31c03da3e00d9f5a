"""The metric registry: every metric is a pure function of (episode, persona, store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from salessim.errors import SalesSimError
from salessim.schema import Episode, MetricResult, Persona


@dataclass(frozen=True)
class Metric:
    """A registered metric: ``compute(episode, persona, store) -> MetricResult``."""

    name: str
    version: str
    compute: Callable[[Episode, Persona, object], MetricResult]
    description: str
    default: bool = True  # computed by `run` and by `eval` without --metrics


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Add a metric to the registry (a later registration of the same name replaces it)."""
    _REGISTRY[metric.name] = metric
    return metric


def _ensure_builtin() -> None:
    if _REGISTRY:
        return
    from salessim.metrics import (
        dealbreaker_disclosure,
        decision,
        diversity,
        drift,
        ideal_match,
        overdisclosure,
        persuasion,
        sell,
        sim_errors,
    )

    register(Metric(decision.NAME, decision.VERSION, decision.compute,
                    "chose what the persona would choose among the presented products"))
    for module in (dealbreaker_disclosure, overdisclosure, diversity, persuasion, drift, sim_errors,
                   ideal_match, sell):
        register(Metric(module.NAME, module.VERSION, module.compute, module.DESCRIPTION))
    for module in (dealbreaker_disclosure, overdisclosure):  # the topic level of disclosure
        register(Metric(module.TOPIC_NAME, module.TOPIC_VERSION, module.compute_topic, module.TOPIC_DESCRIPTION))
    from salessim.metrics import judges

    for spec in judges.JUDGE_METRICS:
        register(Metric(spec.name, spec.version, judges.unconfigured_compute(spec.name),
                        spec.description, default=False))


def all_metrics() -> dict[str, Metric]:
    """Every registered metric by name."""
    _ensure_builtin()
    return dict(_REGISTRY)


def get_metrics(names: list[str] | None = None) -> list[Metric]:
    """The metrics to compute: the defaults, or the named ones (unknown names are an error)."""
    registry = all_metrics()
    if not names:
        return [m for m in registry.values() if m.default]
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise SalesSimError(f"unknown metric(s) {', '.join(unknown)}",
                            hint=f"Known metrics: {', '.join(sorted(registry))}.")
    return [registry[n] for n in names]
