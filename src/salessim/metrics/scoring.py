"""Score episodes with the registered metrics and aggregate the scores into a summary."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from salessim.api.summary import (
    Consistency,
    DecisionAlignmentSummary,
    Interval,
    MetricSummary,
    RoleUsage,
    RunSummary,
    TurnMean,
)
from salessim.metrics.diversity import run_lexical_summary
from salessim.metrics.judges import JUDGE_NAMES, judge_summary
from salessim.metrics.registry import Metric, get_metrics
from salessim.metrics.stats import bootstrap_ci
from salessim.schema import (
    LEVELS,
    TRAITS,
    Episode,
    EpisodeScores,
    MetricResult,
    Persona,
    Usage,
)


def score_episode(episode: Episode, persona: Persona | None, store, metrics: list[Metric]) -> EpisodeScores:
    """All metric results of one episode. A missing persona gives unscored (None) results."""
    scores = EpisodeScores(episode_id=episode.id, persona_id=episode.persona_id,
                           category=episode.category, archetype=episode.archetype)
    for metric in metrics:
        if persona is None:
            result = MetricResult(metric=metric.name, version=metric.version, value=None,
                                  explanation=f"persona {episode.persona_id} not found")
        else:
            result = metric.compute(episode, persona, store)
        scores.results[metric.name] = result
    return scores


def score_episodes(episodes: Iterable[Episode], personas: dict[str, Persona], store,
                   metric_names: list[str] | None = None) -> list[EpisodeScores]:
    """Score every episode (personas looked up by id)."""
    metrics = get_metrics(metric_names)
    return [score_episode(ep, personas.get(ep.persona_id), store, metrics) for ep in episodes]


def _ci(values: list[float]) -> Interval:
    if not values:
        return Interval()
    mean, low, high = bootstrap_ci(values)
    return Interval(mean=round(float(mean), 4), low=round(float(low), 4), high=round(float(high), 4), n=len(values))


def summarize(episodes: list[Episode], scores: list[EpisodeScores],
              personas: dict[str, Persona] | None = None) -> RunSummary:
    """Aggregate: per metric mean with bootstrap 95% interval; decision alignment by category,
    archetype, agent strategy and (with ``personas``) Big-Five level; failure kinds; consistency
    across repeated trials of a persona; terminations; and the run-level figures
    (:func:`_add_run_level`). :func:`salessim.metrics.run.score_run` adds the run's identity."""
    by_id = {s.episode_id: s for s in scores}
    metric_names = sorted({name for s in scores for name in s.results})
    metrics: dict[str, MetricSummary] = {}
    for name in metric_names:
        vals = [s.results[name].value for s in scores if name in s.results and s.results[name].value is not None]
        metrics[name] = MetricSummary(**_ci(vals).model_dump(),
                                      not_scored=sum(1 for s in scores
                                                     if name in s.results and s.results[name].value is None))
    summary = RunSummary(episodes=len(episodes), metrics=metrics,
                         terminations=dict(Counter(ep.termination for ep in episodes).most_common()),
                         usage=usage_totals(episodes))

    da = "decision_alignment"
    if da in metric_names:
        slices: dict[str, dict[str, list[float]]] = {"category": defaultdict(list), "archetype": defaultdict(list),
                                                     "agent": defaultdict(list)}
        by_trait: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        graded: list[float] = []
        failures: Counter = Counter()
        for ep in episodes:
            s = by_id.get(ep.id)
            r = s.results.get(da) if s else None
            if r is None or r.value is None:
                continue
            slices["category"][ep.category].append(r.value)
            slices["archetype"][ep.archetype].append(r.value)
            slices["agent"][ep.agent.kind].append(r.value)
            persona = (personas or {}).get(ep.persona_id)
            if persona is not None:
                for trait in TRAITS:
                    by_trait[trait][getattr(persona.big_five, trait)].append(r.value)
            graded.append(float(r.details.get("graded", r.value)))
            if r.details.get("failure"):
                failures[r.details["failure"]] += 1
        summary.decision_alignment = DecisionAlignmentSummary(
            overall=metrics[da],
            graded=_ci(graded),
            by_category={k: _ci(v) for k, v in sorted(slices["category"].items())},
            by_archetype={k: _ci(v) for k, v in sorted(slices["archetype"].items())},
            by_agent={k: _ci(v) for k, v in sorted(slices["agent"].items())},
            by_big_five={t: {lvl: _ci(by_trait[t][lvl]) for lvl in LEVELS if by_trait[t].get(lvl)}
                         for t in TRAITS if t in by_trait},
            failures=dict(failures.most_common()),
            consistency=trial_consistency(episodes, by_id),
        )
    _add_run_level(summary, episodes, scores, metric_names)
    return summary


def usage_totals(episodes: list[Episode]) -> dict[str, RoleUsage]:
    """Per role (shopper, agent): calls, cached calls, tokens, cost and transport retries summed
    over the episodes, and how many episodes needed a retry. Roles that made no call are left out."""
    totals: dict[str, dict] = {}
    for ep in episodes:
        for role, u in ep.usage.items():
            if not (u.calls or u.retries):
                continue
            t = totals.setdefault(role, dict.fromkeys(RoleUsage.model_fields, 0))
            for key in Usage.model_fields:
                t[key] += getattr(u, key)
            t["episodes_with_retries"] += 1 if u.retries else 0
    for t in totals.values():
        t["cost_usd"] = round(t["cost_usd"], 6)
    return {role: RoleUsage(**t) for role, t in totals.items()}


def trial_consistency(episodes: list[Episode], scores_by_id: dict[str, EpisodeScores]) -> Consistency | None:
    """Consistency across repeated trials of a persona (``--episodes-per-persona`` > 1).

    Over personas with at least two scored trials: ``same_decision`` = share of personas whose
    trials all ended with the same decision (same type and product); ``same_alignment`` = share
    whose trials all got the same decision-alignment value; ``mean_within_std`` = mean over
    personas of the standard deviation of their trials' values. None with no repeated persona."""
    trials: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for ep in episodes:
        s = scores_by_id.get(ep.id)
        r = s.results.get("decision_alignment") if s else None
        if r is None or r.value is None:
            continue
        trials[ep.persona_id].append((f"{ep.decision.type}:{ep.decision.product_id}", float(r.value)))
    repeated = {pid: t for pid, t in trials.items() if len(t) >= 2}
    if not repeated:
        return None
    same_decision = [len({d for d, _ in t}) == 1 for t in repeated.values()]
    same_value = [len({v for _, v in t}) == 1 for t in repeated.values()]
    stds = [float(np.std([v for _, v in t])) for t in repeated.values()]
    return Consistency(personas=len(repeated), same_decision=round(sum(same_decision) / len(repeated), 4),
                       same_alignment=round(sum(same_value) / len(repeated), 4),
                       mean_within_std=round(sum(stds) / len(stds), 4))


def disclosure_by_turn(scores: list[EpisodeScores]) -> dict[str, TurnMean]:
    """Mean number of persona criteria first disclosed at each shopper turn number (1-based),
    over the episodes scored by ``overdisclosure`` that reached that turn."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in scores:
        r = s.results.get("overdisclosure")
        if r is None or r.value is None:
            continue
        for t, count in enumerate(r.details.get("per_turn", []), start=1):
            sums[t][0] += count
            sums[t][1] += 1
    return {str(t): TurnMean(mean=round(total / n, 4), n=int(n)) for t, (total, n) in sorted(sums.items())}


def _add_run_level(summary: RunSummary, episodes: list[Episode], scores: list[EpisodeScores],
                   metric_names: list[str]) -> None:
    """Run-level figures that are not means of per-episode values: pooled lexical diversity and
    cross-persona similarity (``summary.lexical``), criteria disclosed by turn number
    (``summary.disclosure_by_turn``) and judge agreement/cost (``summary.judges``)."""
    if "lexical_diversity" in metric_names:
        summary.lexical = run_lexical_summary(episodes)
    if "overdisclosure" in metric_names:
        summary.disclosure_by_turn = disclosure_by_turn(scores)
    if any(name in metric_names for name in JUDGE_NAMES):
        summary.judges = judge_summary(scores)
