"""The leaderboard: one row per run directory, one column per metric (mean with its bootstrap 95%
interval), decision alignment first. Rendered as a rich table for the terminal and as markdown.

The numbers come from each run's ``summary.json``; a run with ``scores.jsonl`` but no summary is
summarised on the fly. A run that was never scored is an error that says how to score it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape as rich_escape
from rich.table import Table

from salessim.api.rundir import SCORES, SUMMARY, RunDir
from salessim.api.summary import Interval, RunSummary
from salessim.errors import SalesSimError
from salessim.metrics.scoring import summarize
from salessim.schema import Episode, EpisodeScores

__all__ = [
    "GRADED", "HEADLINE", "Leaderboard", "LeaderboardRow", "RunData", "build_leaderboard",
    "format_cell", "interval_entry", "load_run", "run_label",
]

HEADLINE = "decision_alignment"
GRADED = "decision_alignment_graded"  # the graded variant, from summary.decision_alignment.graded


@dataclass
class RunData:
    """Everything the report reads from one run directory."""

    path: Path
    meta: dict
    summary: RunSummary
    episodes: list[Episode] = field(default_factory=list)
    scores: list[EpisodeScores] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        """The run id of run.json (the directory name when it has none)."""
        return str(self.summary.run_id or self.meta.get("run_id") or self.path.name)

    @property
    def shopper(self) -> dict:
        """The shopper config (kind, flaws, model) of the run."""
        return self.summary.shopper or (self.meta.get("config") or {}).get("shopper") or {}

    @property
    def agent(self) -> dict:
        """The sales-agent config (kind, model) of the run."""
        return self.summary.agent or (self.meta.get("config") or {}).get("agent") or {}


def load_run(path: str | Path, *, with_episodes: bool = True) -> RunData:
    """Read one run directory: run.json, summary.json and (with ``with_episodes``) the episodes and
    scores. Raises :class:`SalesSimError` for a missing or unscored run directory, and for a
    summary.json that is not valid JSON or does not fit :class:`RunSummary`."""
    rd = RunDir(path).require()
    meta = rd.read_meta()
    summary = rd.read_summary()
    has_scores = (rd.path / SCORES).is_file()
    if summary is None and not has_scores:
        raise SalesSimError(f"{rd.path} has not been scored (no {SUMMARY}, no {SCORES})",
                            hint=f"Score it first: salessim eval {rd.path}")
    episodes: list[Episode] = []
    scores: list[EpisodeScores] = []
    if with_episodes or summary is None:
        episodes = rd.read_episodes()
        try:
            scores = rd.read_scores()
        except ValueError as exc:
            raise SalesSimError(f"{rd.path / SCORES}: not a valid scores file ({str(exc).splitlines()[0]})",
                                hint=f"Re-score the run: salessim eval {rd.path}") from exc
    if summary is None:
        summary = summarize(episodes, scores)
        summary.run_id = meta.get("run_id")
    return RunData(path=rd.path, meta=meta, summary=summary, episodes=episodes, scores=scores)


def _model_name(cfg: dict) -> str | None:
    model = cfg.get("model")
    if isinstance(model, dict):
        return model.get("model")
    return model if isinstance(model, str) else None


def run_label(run: RunData) -> str:
    """A readable label of a run: shopper (model or kind, active flaws) vs agent (model or kind),
    e.g. ``scripted[sycophancy=0.8] vs pushy`` or ``llm:gpt-4o-mini vs scripted``."""
    shopper, agent = run.shopper, run.agent
    s_kind = str(shopper.get("kind") or "shopper")
    s_model = _model_name(shopper)
    left = f"{s_kind}:{s_model}" if s_model else s_kind
    flaws = {k: v for k, v in (shopper.get("flaws") or {}).items() if v}
    if flaws:
        left += "[" + ",".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
                               for k, v in sorted(flaws.items())) + "]"
    a_kind = str(agent.get("kind") or "agent")
    a_model = _model_name(agent)
    right = f"{a_kind}:{a_model}" if a_model else a_kind
    return f"{left} vs {right}"


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def interval_entry(ci: Interval | None) -> dict | None:
    """An interval of a summary as the ``{"mean", "low", "high", "n", "not_scored"}`` cell of a
    leaderboard row (non-finite numbers as None), or None."""
    if ci is None:
        return None
    return {"mean": _num(ci.mean), "low": _num(ci.low), "high": _num(ci.high), "n": ci.n,
            "not_scored": getattr(ci, "not_scored", 0)}


def _run_metrics(summary: RunSummary) -> dict[str, dict]:
    out = {name: interval_entry(ci) for name, ci in summary.metrics.items()}
    graded = interval_entry(summary.decision_alignment.graded if summary.decision_alignment else None)
    if graded is not None and graded["n"]:
        out[GRADED] = graded
    return out


def format_cell(entry: dict | None, *, episodes: int | None = None) -> str:
    """``mean [low, high]`` with 3 decimals, ``-`` when there is no value; ``(n=k)`` is added when
    the metric scored fewer episodes than the run has."""
    if not entry or entry.get("mean") is None:
        return "-"
    text = f"{entry['mean']:.3f}"
    if entry.get("low") is not None and entry.get("high") is not None:
        text += f" [{entry['low']:.3f}, {entry['high']:.3f}]"
    if episodes is not None and entry.get("n") is not None and entry["n"] < episodes:
        text += f" (n={entry['n']})"
    return text


@dataclass
class LeaderboardRow:
    """One run of the leaderboard: its label, where it lives, and each metric's mean and interval."""

    label: str
    run_id: str
    path: Path
    episodes: int
    metrics: dict[str, dict]


@dataclass
class Leaderboard:
    """Rows (runs) by metric columns; ``metrics`` is the column order, decision alignment first."""

    rows: list[LeaderboardRow]
    metrics: list[str]

    def cell(self, row: LeaderboardRow, metric: str) -> str:
        """The formatted ``mean [low, high]`` of one metric of one row."""
        return format_cell(row.metrics.get(metric), episodes=row.episodes)

    def to_markdown(self) -> str:
        """A GitHub-flavoured markdown table (pipes in labels escaped)."""
        def esc(text: str) -> str:
            return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

        header = ["#", "run", "n", *self.metrics]
        lines = ["| " + " | ".join(esc(h) for h in header) + " |",
                 "|" + "|".join(["---:", "---", "---:"] + ["---:"] * len(self.metrics)) + "|"]
        for i, row in enumerate(self.rows, 1):
            cells = [str(i), esc(row.label), str(row.episodes), *(esc(self.cell(row, m)) for m in self.metrics)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("Values: mean [bootstrap 95% interval]; (n=k) when a metric scored fewer episodes than the run has.")
        return "\n".join(lines) + "\n"

    def to_rich(self) -> Table:
        """A rich table for the terminal."""

        table = Table(title=rich_escape("SalesSim leaderboard: mean [bootstrap 95% CI]"), show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("run")
        table.add_column("n", justify="right")
        for m in self.metrics:
            table.add_column(rich_escape(m), justify="right")
        for i, row in enumerate(self.rows, 1):
            table.add_row(str(i), rich_escape(row.label), str(row.episodes),
                          *(rich_escape(self.cell(row, m)) for m in self.metrics))
        return table


def _metric_order(names: set[str]) -> list[str]:
    first = [m for m in (HEADLINE, GRADED) if m in names]
    return first + sorted(names - set(first))


def build_leaderboard(runs: list[RunData]) -> Leaderboard:
    """One row per run, in the order given; labels made unique by appending the run id when two
    runs share a configuration."""
    labels = [run_label(r) for r in runs]
    for suffix in (lambda r: r.run_id, lambda r: str(r.path)):
        counts = {lab: labels.count(lab) for lab in labels}
        labels = [f"{lab} ({suffix(r)})" if counts[lab] > 1 else lab for lab, r in zip(labels, runs)]
    rows = []
    for run, label in zip(runs, labels):
        rows.append(LeaderboardRow(label=label, run_id=run.run_id, path=run.path,
                                   episodes=run.summary.episodes or len(run.episodes),
                                   metrics=_run_metrics(run.summary)))
    names = {m for row in rows for m in row.metrics}
    return Leaderboard(rows=rows, metrics=_metric_order(names))
