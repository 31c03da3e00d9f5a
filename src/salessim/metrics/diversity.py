"""Lexical diversity of the shopper's language, per episode and pooled over a run.

Units: every count is in **tokens** of :func:`salessim.metrics.text.tokenize` (one word or one
number, lowercased, punctuation dropped). MTLD is in tokens (mean length of a segment whose
type-token ratio stays above 0.72; mean of forward and backward passes); HD-D and distinct-n are
ratios in [0, 1]. Definitions of the measures: :mod:`salessim.metrics.lexical`.

Per episode (metric ``lexical_diversity``, deterministic):

- the shopper's text = the visible text of every shopper turn, concatenated in order;
- **value = MTLD** of that text, None when it has fewer than ``MIN_TOKENS_MTLD`` (= 50) tokens
  (MTLD on shorter texts is mostly noise) or the shopper said nothing;
- details: ``tokens``, ``turns``, ``words_per_turn`` (tokens / turns), ``mtld``, ``hdd``
  (sample 42; None under 42 tokens), ``distinct_1``, ``distinct_2`` (n-grams within turns).

Per run (:func:`run_lexical_summary`, stored as ``RunSummary.lexical`` by
:func:`salessim.metrics.scoring.summarize`):

- **pooled** MTLD, HD-D, distinct-1 and distinct-2 over the shopper turns of ALL episodes at a
  fixed token budget (turns shuffled, ``POOLED_DRAWS`` draws, mean and std over draws): the
  across-persona view (a simulator whose personas all talk alike scores lower here even if each
  episode is varied). The budget is the largest of ``POOLED_BUDGETS`` the run reaches, so runs of
  similar size are compared at the same budget; the budget used is stored with the figures.
- ``cross_persona_similarity``: mean pairwise cosine similarity of the personas' bag-of-words
  vectors (all shopper turns of a persona's episodes pooled), in [0, 1]; lower = personas sound
  more different. None with fewer than two personas.
- ``words_per_turn``: the mean tokens per shopper turn over the run.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from salessim.api.metric import Metric
from salessim.metrics.episode_view import is_infrastructure_failure
from salessim.metrics.lexical import (
    cross_similarity,
    distinct_n,
    hdd,
    mtld,
    pooled_diversity,
)
from salessim.metrics.text import tokenize
from salessim.schema import Episode, MetricResult, Persona

NAME = "lexical_diversity"
VERSION = "1.0"
DESCRIPTION = "MTLD (tokens) of the shopper's text in one episode; HD-D and distinct-n in details"

MIN_TOKENS_MTLD = 50
HDD_SAMPLE = 42
POOLED_BUDGETS = (5000, 2000, 1000, 500, 200)
POOLED_DRAWS = 10
POOLED_MEASURES = ("mtld", "hdd", "distinct-1", "distinct-2")


def _round(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def text_stats(turn_texts: list[str]) -> dict[str, Any]:
    """Token counts and diversity figures of one set of turns (an episode or a dialogue)."""
    toks = [tokenize(t) for t in turn_texts]
    flat = [w for t in toks for w in t]
    n = len(flat)
    return {
        "tokens": n,
        "turns": len(turn_texts),
        "words_per_turn": _round(n / len(turn_texts)) if turn_texts else None,
        "mtld": _round(mtld(flat)) if n >= MIN_TOKENS_MTLD else None,
        "hdd": _round(hdd(flat, HDD_SAMPLE)),
        "distinct_1": _round(distinct_n(toks, 1)) if n else None,
        "distinct_2": _round(distinct_n(toks, 2)) if n else None,
    }


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    if (skipped := METRIC.skip_failed(episode)) is not None:
        return skipped
    texts = episode.shopper_texts()
    if not texts:
        return METRIC.result(value=None, explanation="the shopper never said anything")
    stats = text_stats(texts)
    if stats["mtld"] is None:
        return METRIC.result(value=None, details=stats,
                             explanation=f"too short for MTLD: {stats['tokens']} tokens (< {MIN_TOKENS_MTLD})")
    return METRIC.result(value=stats["mtld"], details=stats,
                         explanation=f"MTLD {stats['mtld']:.1f} tokens over {stats['tokens']} tokens")


def pooled_figures(texts_by_episode: list[list[str]], budget: int, draws: int = POOLED_DRAWS,
                   seed: int = 0, tokenizer=tokenize) -> dict[str, Any]:
    """Pooled MTLD / HD-D / distinct-1 / distinct-2 at ``budget`` tokens (mean and std over draws)."""
    out: dict[str, Any] = {"token_budget": budget, "draws": draws}
    for measure in POOLED_MEASURES:
        if measure == "hdd" and budget < HDD_SAMPLE:
            out[measure] = None
            continue
        r = pooled_diversity(texts_by_episode, budget, draws=draws, seed=seed, measure=measure, tokenizer=tokenizer)
        out[measure] = {"mean": _round(r["mean"]), "std": _round(r["std"])}
    return out


def run_lexical_summary(episodes: list[Episode]) -> dict[str, Any]:
    """Run-level lexical figures (see the module docstring). Infrastructure failures left out."""
    kept = [ep for ep in episodes if not is_infrastructure_failure(ep)]
    tok = lru_cache(maxsize=None)(tokenize)  # every text is read by several measures: tokenize once
    texts_by_episode = [ep.shopper_texts() for ep in kept]
    texts_by_episode = [t for t in texts_by_episode if t]
    by_persona: dict[str, list[str]] = defaultdict(list)
    for ep in kept:
        by_persona[ep.persona_id].extend(ep.shopper_texts())
    total = sum(len(tok(t)) for turns in texts_by_episode for t in turns)
    n_turns = sum(len(t) for t in texts_by_episode)
    figures: dict[str, Any] = {
        "unit": "tokens (salessim.metrics.text.tokenize); MTLD in tokens, HD-D/distinct-n ratios",
        "tokens": total,
        "turns": n_turns,
        "words_per_turn": _round(total / n_turns) if n_turns else None,
        "pooled": None,
        "cross_persona_similarity": None,
    }
    budget = next((b for b in POOLED_BUDGETS if b <= total), None)
    if budget is not None:
        figures["pooled"] = pooled_figures(texts_by_episode, budget, tokenizer=tok)
    else:
        figures["pooled_note"] = f"only {total} tokens: below the smallest pooled budget {POOLED_BUDGETS[-1]}"
    groups = [g for g in by_persona.values() if g]
    if len(groups) >= 2:
        figures["cross_persona_similarity"] = _round(cross_similarity(groups, tokenizer=tok))
        figures["personas"] = len(groups)
    return figures


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)
