"""Metric results, stored apart from episodes so re-scoring never re-simulates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MetricResult(BaseModel):
    """The score of one metric on one episode. ``value`` is None when the metric does not apply
    (``explanation`` says why)."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    version: str
    value: float | None
    details: dict[str, Any] = Field(default_factory=dict)
    explanation: str = ""
    cost_usd: float = 0.0


class EpisodeScores(BaseModel):
    """All metric results of one episode: one line of ``scores.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    episode_id: str
    persona_id: str
    category: str
    archetype: str = ""
    results: dict[str, MetricResult] = Field(default_factory=dict)
