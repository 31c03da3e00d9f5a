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
_BUILTINS_LOADED = False


def register(metric: Metric) -> Metric:
    """Add a metric to the registry. A registration of a name already registered replaces it;
    a user's metric of a built-in's name replaces the built-in, even when registered before the
    built-ins were first loaded."""
    _REGISTRY[metric.name] = metric
    return metric


def _ensure_builtin() -> None:
    """Load the built-in metrics once, in their order, under what users registered: a user's
    metric of a built-in's name takes the built-in's place, other user metrics follow."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    user = dict(_REGISTRY)
    _REGISTRY.clear()
    try:
        _register_builtins()
    except BaseException:  # a broken built-in fails every call, and the user's metrics stay
        _REGISTRY.clear()
        _REGISTRY.update(user)
        raise
    merged = {name: user.get(name, metric) for name, metric in _REGISTRY.items()}
    merged.update((name, metric) for name, metric in user.items() if name not in merged)
    _REGISTRY.clear()
    _REGISTRY.update(merged)
    _BUILTINS_LOADED = True


def _register_builtins() -> None:
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
