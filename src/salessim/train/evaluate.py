"""Evaluating shopper models on held-out personas: paired episodes and metric tables.

:func:`evaluate_model` plays every persona against every listed sales-agent kind (same seeds for
any model, so two models are compared on identical situations) and :func:`score` computes the
default metrics of :mod:`salessim.metrics` per episode. :func:`compare` gives, per metric, each
model's mean with a bootstrap interval and the paired difference (B - A) with its bootstrap
interval, pairing by persona (per-persona means over agents and trials), so the interval reflects
persona-to-persona variation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from salessim.metrics import get_metrics
from salessim.metrics.stats import bootstrap_ci, bootstrap_diff_ci
from salessim.schema import Episode, Persona
from salessim.train.config import EnvSection
from salessim.train.rollout import ShopperEnvironment

__all__ = ["compare", "evaluate_model", "per_persona", "score"]


def evaluate_model(model, tokenizer, store, personas: Sequence[Persona], *, render, sampling, agents: Sequence[str],
                   max_turns: int = 6, trials: int = 1, seed: int = 1234, template_kwargs=None,
                   progress: Callable[[int, int], None] | None = None) -> list[Episode]:
    """Episodes of ``model`` as the shopper for every persona x agent x trial (paired seeds)."""

    env = EnvSection(personas=None, split="test", agents={a: 1.0 for a in agents}, max_turns=max_turns)
    sim = ShopperEnvironment(store, personas, env, render, sampling, template_kwargs)
    return sim.evaluate(model, tokenizer, personas, agents, trials=trials, seed=seed, progress=progress)


def score(episodes: Sequence[Episode], personas: dict[str, Persona], store,
          metric_names: Sequence[str] | None = None) -> dict[str, dict[str, float | None]]:
    """``{metric: {episode id: value}}`` for the default metrics (or the named ones)."""

    metrics = get_metrics(list(metric_names) if metric_names else None)
    out: dict[str, dict[str, float | None]] = {m.name: {} for m in metrics}
    for ep in episodes:
        persona = personas[ep.persona_id]
        for m in metrics:
            try:
                out[m.name][ep.id] = m.compute(ep, persona, store).value
            except Exception:  # noqa: BLE001 - one metric failing must not hide the others
                out[m.name][ep.id] = None
    return out


def per_persona(values: dict[str, float | None]) -> dict[str, float]:
    """Mean per persona of ``{episode id: value}`` (ids are ``persona#agent#trial``); None skipped."""
    acc: dict[str, list[float]] = defaultdict(list)
    for eid, v in values.items():
        if v is not None:
            acc[eid.split("#", 1)[0]].append(float(v))
    return {k: sum(v) / len(v) for k, v in acc.items() if v}


def compare(a: dict[str, float | None], b: dict[str, float | None], n_boot: int = 2000,
            seed: int = 0) -> dict[str, Any]:
    """Means of A and B with bootstrap 95% intervals, and the paired difference B - A (by persona)."""

    pa, pb = per_persona(a), per_persona(b)
    va = [v for v in a.values() if v is not None]
    vb = [v for v in b.values() if v is not None]
    ca, cb = bootstrap_ci(list(pa.values()), n_boot=n_boot, seed=seed), bootstrap_ci(list(pb.values()), n_boot=n_boot, seed=seed)
    d = bootstrap_diff_ci(pb, pa, paired=True, n_boot=n_boot, seed=seed)
    return {"a": tuple(ca), "b": tuple(cb), "diff": tuple(d), "n_a": len(va), "n_b": len(vb),
            "personas": len(set(pa) & set(pb))}
