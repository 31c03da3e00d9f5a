"""Metrics: pure functions of (episode, persona, store) -> MetricResult, plus aggregation."""

from salessim.metrics.registry import Metric, all_metrics, get_metrics, register
from salessim.metrics.scoring import score_episode, score_episodes, summarize

__all__ = ["Metric", "all_metrics", "get_metrics", "register", "score_episode", "score_episodes", "summarize"]
