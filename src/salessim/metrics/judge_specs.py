"""The four LLM judges of :mod:`salessim.metrics.judges` as data: each one's prompt, answer
schema, label order and scoring (:class:`JudgeSpec`), and the registry's metric objects, which
score nothing without a judge model and say why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from salessim.api.metric import Metric
from salessim.metrics.judge_prompts import outcome_text, preferences_text, products_text
from salessim.metrics.judge_verdicts import (
    ComprehensionVerdict,
    DecisionVerdict,
    NaturalnessVerdict,
    TraitVerdict,
)
from salessim.schema import TRAITS, Episode, MetricResult, Persona

SKIP_REASON = "skipped: no judge model configured (pass --judge-model M to `salessim eval`)"


def _bucket(level: str) -> str:
    return {"Extreme Low": "low", "Low": "low", "Medium": "medium", "High": "high", "Extreme High": "high"}[level]


@dataclass(frozen=True)
class JudgeSpec:
    """One judge metric: its prompt, answer schema, label order and scoring."""

    name: str
    version: str
    description: str
    prompt: str
    verdict: type[BaseModel]
    labels: tuple[str, ...]
    variables: Callable[[Episode, Persona, Any, str], dict[str, str]]
    aspects: Callable[[BaseModel], dict[str, tuple[str, str]]]
    score: Callable[[dict[str, dict], Persona], tuple[float, dict, str]]


def _single(v: BaseModel) -> dict[str, tuple[str, str]]:
    return {"label": (v.label, v.justification)}  # type: ignore[attr-defined]


def _traits(v: BaseModel) -> dict[str, tuple[str, str]]:
    return {t: (getattr(v, t).label, getattr(v, t).justification) for t in TRAITS}


def _score_traits(votes: dict[str, dict], persona: Persona) -> tuple[float, dict, str]:
    traits = {}
    for t in TRAITS:
        level = getattr(persona.big_five, t)
        target = _bucket(level)
        vote = votes[t]
        traits[t] = {"target_level": level, "target": target, "judged": vote["label"],
                     "agreement": vote["agreement"], "match": vote["label"] == target}
    matched = sum(1 for r in traits.values() if r["match"])
    miss = [f"{t} judged {r['judged']} (target {r['target']})" for t, r in traits.items() if not r["match"]]
    why = f"{matched}/5 traits match" + ("; " + "; ".join(miss) if miss else "")
    return matched / 5, {"traits": traits}, why


def _score_map(mapping: dict[str, float], what: str) -> Callable[[dict[str, dict], Persona], tuple[float, dict, str]]:
    def score(votes: dict[str, dict], persona: Persona) -> tuple[float, dict, str]:
        label = votes["label"]["label"]
        return mapping[label], {"label": label}, f"{what}: {label} (agreement {votes['label']['agreement']:.2f})"
    return score


JUDGE_METRICS: tuple[JudgeSpec, ...] = (
    JudgeSpec(
        "trait_fidelity", "1.0", "LLM judge: share of Big-Five traits whose level the shopper shows (blind judge)",
        "trait_fidelity", TraitVerdict, ("medium", "low", "high"),
        lambda ep, p, store, tr: {"transcript": tr}, _traits, _score_traits),
    JudgeSpec(
        "comprehension_realism", "1.0", "LLM judge: the shopper's understanding fits its knowledge level",
        "comprehension", ComprehensionVerdict, ("realistic", "too_expert", "too_naive"),
        lambda ep, p, store, tr: {"transcript": tr, "knowledge_level": p.profile.knowledge_level},
        _single, _score_map({"realistic": 1.0, "too_expert": 0.0, "too_naive": 0.0}, "comprehension")),
    JudgeSpec(
        "naturalness", "1.0", "LLM judge: the shopper reads like a real person",
        "naturalness", NaturalnessVerdict, ("somewhat_natural", "natural", "unnatural"),
        lambda ep, p, store, tr: {"transcript": tr}, _single,
        _score_map({"natural": 1.0, "somewhat_natural": 0.5, "unnatural": 0.0}, "naturalness")),
    JudgeSpec(
        "judge_decision_alignment", "1.0", "LLM judge: the final decision fits the free-text preferences",
        "decision_alignment", DecisionVerdict, ("misaligned", "aligned"),
        lambda ep, p, store, tr: {"transcript": tr, "preferences": preferences_text(ep, p),
                                  "products": products_text(ep, store), "outcome": outcome_text(ep, store)},
        _single, _score_map({"aligned": 1.0, "misaligned": 0.0}, "decision")),
)
JUDGE_NAMES: tuple[str, ...] = tuple(s.name for s in JUDGE_METRICS)
SPECS = {s.name: s for s in JUDGE_METRICS}


def unconfigured_compute(name: str) -> Callable[[Episode, Persona, Any], MetricResult]:
    """The registry's compute for judge ``name`` when no judge model is configured: a None
    result that says why."""
    spec = SPECS[name]

    def compute(episode: Episode, persona: Persona, store) -> MetricResult:
        return MetricResult(metric=spec.name, version=spec.version, value=None, explanation=SKIP_REASON,
                            details={"skipped": "no judge model"})

    compute.__doc__ = f"{spec.name} without a judge model: not scored ({SKIP_REASON})."
    return compute


def _registry_metric(name: str) -> Metric:
    spec = SPECS[name]
    return Metric(spec.name, spec.version, unconfigured_compute(name), spec.description, default=False)


# what the registry holds: judges run through `salessim eval --judge-model`, never by default
TRAIT_FIDELITY = _registry_metric("trait_fidelity")
COMPREHENSION_REALISM = _registry_metric("comprehension_realism")
NATURALNESS = _registry_metric("naturalness")
JUDGE_DECISION_ALIGNMENT = _registry_metric("judge_decision_alignment")
