"""``summary.json``: the typed result of scoring a run (``salessim eval`` writes it; the report,
the terminal summary and sweeps read it by attribute).

Aggregates are means with percentile-bootstrap 95% intervals (:class:`Interval`). The parts whose
shape belongs to one metric family (lexical figures, judge agreement, human-reference gaps) and the
participant configs are kept as JSON mappings and documented where they are computed; everything
else is typed here, and :meth:`RunSummary.load` fails with one line naming the field when a file
does not fit (an unknown key included).

The file is :meth:`RunSummary.to_json`: an optional part that is not set (None) is left out, and so
are ``usage``, ``judges_carried_over`` and ``torn_lines_dropped`` while empty; values inside the
parts (an interval's ``mean: null`` when nothing was scored) are always written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from salessim.errors import SalesSimError, pydantic_error_lines
from salessim.schema import Usage

#: A part of the summary kept as a JSON object (its shape is documented where it is computed).
JsonObject = dict[str, JsonValue]


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


class TurnMean(BaseModel):
    """Criteria first disclosed at one shopper turn: the mean over the ``n`` episodes that reached it."""

    model_config = ConfigDict(extra="forbid")

    mean: float
    n: int


class Consistency(BaseModel):
    """Agreement across repeated trials of the same persona (``--episodes-per-persona`` > 1)."""

    model_config = ConfigDict(extra="forbid")

    personas: int
    same_decision: float
    same_alignment: float
    mean_within_std: float


class DecisionAlignmentSummary(BaseModel):
    """Decision alignment overall, graded, by slice, and its failure kinds (``consistency`` only
    with repeated trials of a persona)."""

    model_config = ConfigDict(extra="forbid")

    overall: MetricSummary
    graded: Interval
    by_category: dict[str, Interval] = Field(default_factory=dict)
    by_archetype: dict[str, Interval] = Field(default_factory=dict)
    by_agent: dict[str, Interval] = Field(default_factory=dict)
    by_big_five: dict[str, dict[str, Interval]] = Field(default_factory=dict)
    failures: dict[str, int] = Field(default_factory=dict)
    consistency: Consistency | None = None


class RoleUsage(Usage):
    """Token usage, cost and transport retries of one role summed over a run (the fields of an
    episode's :class:`~salessim.schema.Usage`), and how many episodes needed a retry."""

    episodes_with_retries: int = 0


class LogAgreement(BaseModel):
    """Agreement of the disclosure detector with an imported simulator's log of handed preferences."""

    model_config = ConfigDict(extra="forbid")

    episodes: int
    support: float | None = None
    support_n: int = 0
    coverage: float | None = None
    coverage_n: int = 0


#: Parts left out of the file while empty (the others only while None).
_LEFT_OUT_EMPTY = ("usage", "judges_carried_over", "torn_lines_dropped")


class RunSummary(BaseModel):
    """What ``summary.json`` holds (see the module docstring). Fields in the order of the file.

    :func:`salessim.metrics.scoring.summarize` sets the parts up to ``judges``;
    :func:`salessim.metrics.run.score_run` adds the rest (``skipped`` when no judge ran,
    ``judge`` when one did, ``reference`` with ``eval --reference``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    episodes: int
    metrics: dict[str, MetricSummary] = Field(default_factory=dict)
    terminations: dict[str, int] = Field(default_factory=dict)
    usage: dict[str, RoleUsage] = Field(default_factory=dict)
    decision_alignment: DecisionAlignmentSummary | None = None
    lexical: JsonObject | None = None
    disclosure_by_turn: dict[str, TurnMean] | None = None
    judges: JsonObject | None = None
    disclosure_vs_log: LogAgreement | None = None
    skipped: dict[str, str] | None = None
    judges_carried_over: list[str] = Field(default_factory=list)
    judge: JsonObject | None = None
    reference: JsonObject | None = None
    run_id: str | None = None
    shopper: JsonObject | None = None
    agent: JsonObject | None = None
    episodes_planned: int | None = None
    torn_lines_dropped: int = 0

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of metric ``name`` (None when the run did not score it)."""
        return self.metrics.get(name)

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to ``summary.json`` (see the module docstring for what is left out)."""
        data = self.model_dump(mode="json")
        da = data.get("decision_alignment")
        if da is not None and da.get("consistency") is None:
            del da["consistency"]
        return {k: v for k, v in data.items() if v is not None and not (k in _LEFT_OUT_EMPTY and not v)}

    @classmethod
    def load(cls, path: str | Path) -> "RunSummary":
        """Read and validate ``summary.json``; a file that is not JSON or does not fit is a
        :class:`SalesSimError` of one line naming the fields, with the hint to re-score."""
        path = Path(path)
        hint = f"Re-score the run with this version: salessim eval {path.parent}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SalesSimError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})", hint=hint) from None
        return cls.parse(data, where=str(path), hint=hint)

    @classmethod
    def parse(cls, data: Any, *, where: str = "summary.json",
              hint: str = "Re-score the run with this version: salessim eval RUN_DIR") -> "RunSummary":
        """Validate a summary object; one line naming the fields that do not fit."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            lines = pydantic_error_lines(exc, where)
            raise SalesSimError("; ".join(lines[:4]) + (f"; ... and {len(lines) - 4} more" if len(lines) > 4 else ""),
                                hint=hint) from None
