"""``summary.json``: the typed result of scoring a run (``salessim eval`` writes it; the report,
the terminal summary and sweeps read it by attribute).

Aggregates are means with percentile-bootstrap 95% intervals (:class:`Interval`). The parts whose
shape belongs to one metric family (lexical figures, judge agreement, human-reference gaps) are
kept as mappings and documented where they are computed; everything else is typed here, and
:meth:`RunSummary.load` fails with one line naming the field when a file does not fit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salessim.errors import SalesSimError, pydantic_error_lines


class Interval(BaseModel):
    """A mean with its bootstrap 95% interval over ``n`` values (None when n is 0)."""

    model_config = ConfigDict(extra="forbid")

    mean: float | None = None
    low: float | None = None
    high: float | None = None
    n: int = 0


class MetricSummary(Interval):
    """One metric over a run: the interval of its values and how many episodes it did not score."""

    not_scored: int = 0


class Consistency(BaseModel):
    """Agreement across repeated trials of the same persona (``--episodes-per-persona`` > 1)."""

    model_config = ConfigDict(extra="forbid")

    personas: int
    same_decision: float
    same_alignment: float
    mean_within_std: float


class DecisionAlignmentSummary(BaseModel):
    """Decision alignment overall, graded, by slice, and its failure kinds."""

    model_config = ConfigDict(extra="forbid")

    overall: MetricSummary
    graded: Interval
    by_category: dict[str, Interval] = Field(default_factory=dict)
    by_archetype: dict[str, Interval] = Field(default_factory=dict)
    by_agent: dict[str, Interval] = Field(default_factory=dict)
    by_big_five: dict[str, dict[str, Interval]] = Field(default_factory=dict)
    failures: dict[str, int] = Field(default_factory=dict)
    consistency: Consistency | None = None


class RoleUsage(BaseModel):
    """Token usage, cost and transport retries of one role summed over a run."""

    model_config = ConfigDict(extra="allow")

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cached_calls: int = 0
    retries: int = 0


class LogAgreement(BaseModel):
    """Agreement of the disclosure detector with an imported simulator's log of handed preferences."""

    model_config = ConfigDict(extra="forbid")

    episodes: int
    support: float | None = None
    support_n: int = 0
    coverage: float | None = None
    coverage_n: int = 0


class RunSummary(BaseModel):
    """What ``summary.json`` holds (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    episodes: int
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)
    terminations: dict[str, int] = Field(default_factory=dict)
    usage: dict[str, RoleUsage] = Field(default_factory=dict)
    decision_alignment: DecisionAlignmentSummary | None = None
    lexical: dict[str, Any] | None = None
    disclosure_by_turn: dict[str, Interval | dict[str, Any]] = Field(default_factory=dict)
    disclosure_vs_log: LogAgreement | None = None
    judges: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None
    skipped: dict[str, str] = Field(default_factory=dict)
    judges_carried_over: list[str] = Field(default_factory=list)
    reference: dict[str, Any] | None = None
    run_id: str | None = None
    shopper: dict[str, Any] = Field(default_factory=dict)
    agent: dict[str, Any] = Field(default_factory=dict)
    episodes_planned: int | None = None
    torn_lines_dropped: int = 0

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of metric ``name`` (None when the run did not score it)."""
        return self.metrics.get(name)

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to ``summary.json`` (unset optional parts left out)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)

    @classmethod
    def load(cls, path: str | Path) -> "RunSummary":
        """Read and validate ``summary.json``."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SalesSimError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})",
                                hint=f"Re-score the run: salessim eval {path.parent}") from None
        return cls.parse(data, where=str(path))

    @classmethod
    def parse(cls, data: Any, *, where: str = "summary.json") -> "RunSummary":
        """Validate a summary object; one line naming the fields that do not fit."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            lines = pydantic_error_lines(exc, where)
            raise SalesSimError("; ".join(lines[:4]) + (f"; ... and {len(lines) - 4} more" if len(lines) > 4 else ""),
                                hint="Re-score the run with this version: salessim eval RUN_DIR") from None
