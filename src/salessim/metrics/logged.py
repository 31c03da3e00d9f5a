"""Agreement between the disclosure detector and a simulator's own log of the preferences it had
been handed (the ``preferences_used`` field of the paper's rollouts, imported as the derived
``handed_questions`` of each shopper message and ``criteria_questions`` of the episode).

The log is a free, second reference for the detector, not a gold standard: a shopper may be
handed a preference and never mention it, and it may mention something it was never handed. Two
figures, over the episodes that carry the log, at topic level
(:func:`salessim.metrics.episode_view.criteria_disclosed_at`):

- ``support`` = of the (turn, criterion attribute) disclosures the detector finds, on attributes
  whose question the log ever mentions, the share made at or after the turn the question was first
  handed (a disclosure before the simulator knew the preference is suspect);
- ``coverage`` = of the criteria attributes handed during the episode, the share the detector
  finds disclosed at the turn they were handed or later.
"""

from __future__ import annotations

from salessim.metrics.episode_view import (
    criteria_disclosed_at,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, Persona


def _first_handed(episode: Episode, persona: Persona) -> dict[str, int] | None:
    """Criterion attribute -> shopper turn number at which its question was first handed; None
    when the episode has no log."""
    questions = episode.shopper.params.get("criteria_questions") or {}
    by_question: dict[str, set[str]] = {}
    for c in persona.criteria:
        for q in questions.get(c.key, []):
            by_question.setdefault(q, set()).add(c.attribute)
    logged = False
    first: dict[str, int] = {}
    for turn in shopper_turns(episode):
        handed = episode.messages[turn.index].meta.get("handed_questions")
        if handed is None:
            continue
        logged = True
        for q in handed:
            for attr in by_question.get(q, ()):
                first.setdefault(attr, turn.number)
    return first if logged else None


def logged_agreement(episodes: list[Episode], personas: dict[str, Persona], store) -> dict | None:
    """``{"episodes", "support", "coverage", ...}`` over the episodes that carry a log (see the
    module docstring), or None when none does."""
    n_eps = 0
    sup_hits = sup_all = cov_hits = cov_all = 0
    for ep in episodes:
        persona = personas.get(ep.persona_id)
        if persona is None or not persona.criteria:
            continue
        first = _first_handed(ep, persona)
        if first is None:
            continue
        n_eps += 1
        logged_attrs = set(first)
        names = presented_names(ep, store)
        disclosed_at: dict[str, list[int]] = {}
        for turn in shopper_turns(ep):
            ks = criteria_disclosed_at("topic", persona.criteria, turn.text, persona.category, names)
            for attr in {persona.criteria[k].attribute for k in ks}:
                disclosed_at.setdefault(attr, []).append(turn.number)
        for attr, numbers in disclosed_at.items():
            if attr not in logged_attrs:
                continue
            for n in numbers:
                sup_all += 1
                sup_hits += int(n >= first[attr])
        for attr, t0 in first.items():
            cov_all += 1
            cov_hits += int(any(n >= t0 for n in disclosed_at.get(attr, [])))
    if not n_eps:
        return None
    return {
        "episodes": n_eps,
        "support": round(sup_hits / sup_all, 4) if sup_all else None,
        "support_n": sup_all,
        "coverage": round(cov_hits / cov_all, 4) if cov_all else None,
        "coverage_n": cov_all,
    }
