"""Metrics: pure functions of (episode, persona, store) -> MetricResult, plus aggregation.

Deterministic metrics (computed by ``salessim run`` and ``salessim eval``; each module's docstring
holds the final definition):

- ``decision_alignment`` (:mod:`~salessim.metrics.decision`) -- the headline metric;
- ``dealbreaker_disclosure`` (:mod:`~salessim.metrics.dealbreaker_disclosure`);
- ``overdisclosure`` (:mod:`~salessim.metrics.overdisclosure`);
- ``lexical_diversity`` (:mod:`~salessim.metrics.diversity`; pooled run-level figures in
  ``RunSummary.lexical``);
- ``persuasion`` (:mod:`~salessim.metrics.persuasion`) and ``drift`` (:mod:`~salessim.metrics.drift`);
- ``simulator_errors`` (:mod:`~salessim.metrics.sim_errors`);
- ``ideal_match`` and ``sell`` (:mod:`~salessim.metrics.ideal_match`, :mod:`~salessim.metrics.sell`),
  the sales-agent side.

LLM-judge metrics (only with ``salessim eval --judge-model``; :mod:`~salessim.metrics.judges`):
``trait_fidelity``, ``comprehension_realism``, ``naturalness``, ``judge_decision_alignment``.

Human reference comparison: :mod:`~salessim.metrics.reference` (``salessim eval --reference``).
"""

from salessim.metrics.registry import Metric, all_metrics, get_metrics, register
from salessim.metrics.scoring import score_episode, score_episodes, summarize

__all__ = ["Metric", "all_metrics", "get_metrics", "register", "score_episode", "score_episodes", "summarize"]
