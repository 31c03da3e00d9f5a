"""The metrics of the registry (:data:`salessim.api.registry.METRICS`): built-ins, installed
plug-ins (entry-point group ``salessim.metrics``), registered ones and ``MODULE:ATTR`` specs.

Every metric is a pure function of (episode, persona, store) wrapped as a
:class:`salessim.api.Metric`; ``run`` and ``eval`` compute the default ones, or those named.
"""

from __future__ import annotations

from salessim.api.metric import Metric, as_metric
from salessim.api.registry import METRICS
from salessim.errors import SalesSimError


def register(metric: Metric) -> Metric:
    """Add a metric under its name (a metric of a built-in's name replaces the built-in)."""
    METRICS.register(metric.name, metric)
    return metric


def load_metric(spec: str, *, where: str = "--metrics") -> Metric:
    """The metric a registry name or a ``MODULE:ATTR`` spec names."""
    return as_metric(METRICS.get(spec, where=where), spec)


def all_metrics() -> dict[str, Metric]:
    """Every metric the registry knows (built-ins first, then plug-ins and registered ones), by name."""
    out: dict[str, Metric] = {}
    for name in METRICS.names():
        metric = load_metric(name)
        out[metric.name] = metric
    return out


def get_metrics(names: list[str] | None = None) -> list[Metric]:
    """The metrics to compute: the default ones, or those named (registry names or
    ``MODULE:ATTR`` specs; an unknown or unimportable one is an error)."""
    if not names:
        return [m for m in all_metrics().values() if m.default]
    metrics = [load_metric(n) for n in names]
    seen: dict[str, str] = {}
    for spec, metric in zip(names, metrics):
        if metric.name in seen and seen[metric.name] != spec:
            raise SalesSimError(f"{seen[metric.name]!r} and {spec!r} are both named {metric.name!r}",
                                where="--metrics", hint="Give one of them another name.")
        seen[metric.name] = spec
    return metrics
