"""The sweep leaderboard: shoppers ranked by decision alignment, per (agent, split), with bootstrap
intervals and the paired difference of each shopper from the reference shopper on the same personas.

How the figures are made (the same for every metric):

- Within a cell, a metric's value is scored per episode (``scores.jsonl``; an episode where the
  metric does not apply has none). The episodes of one shopper against one agent on one split are
  pooled over the sweep's seeds and trials, then averaged **per persona** first.
- A shopper's figure is the mean of its persona means, with a 95% percentile-bootstrap interval
  that resamples personas (:func:`salessim.metrics.stats.bootstrap_ci`, 2,000 resamples, seed 0).
  Resampling personas rather than episodes keeps repeated trials of one persona from narrowing the
  interval as if they were independent. With one trial and one seed this is the episode bootstrap of
  a run's summary.
- The paired difference ``shopper - reference`` is taken over the personas both were scored on:
  the mean of the per-persona differences with a bootstrap interval over personas
  (:func:`salessim.metrics.stats.bootstrap_diff_ci`, ``paired=True``), so persona-to-persona
  variation cancels. ``leaderboard.json`` holds it for every pair of shoppers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from salessim.api.rundir import RunDir, write_json_atomic
from salessim.metrics.stats import bootstrap_ci, bootstrap_diff_ci
from salessim.sweep.manifest import (
    LEADERBOARD_JSON,
    LEADERBOARD_MD,
    read_manifest,
    sweep_cell_dirs,
)

__all__ = ["SweepBoard", "build_sweep_leaderboard", "write_leaderboard"]

HEADLINE = "decision_alignment"
GRADED = "decision_alignment_graded"
#: Columns of the terminal table besides decision alignment (when the sweep scored them).
TERMINAL_METRICS = ("dealbreaker_disclosure", "overdisclosure", "persuasion", "lexical_diversity")


def _interval(values: list[float]) -> dict:

    if not values:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean, low, high = bootstrap_ci(values)
    return {"mean": round(mean, 4), "low": round(low, 4), "high": round(high, 4), "n": len(values)}


def _diff(a: dict[str, float], b: dict[str, float]) -> dict:

    shared = [k for k in a if k in b]
    if not shared:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean, low, high = bootstrap_diff_ci({k: a[k] for k in shared}, {k: b[k] for k in shared}, paired=True)
    return {"mean": round(mean, 4), "low": round(low, 4), "high": round(high, 4), "n": len(shared)}


@dataclass
class BoardRow:
    """One shopper against one agent on one split: its cells, episodes, and each metric's mean
    [interval] over personas (``metrics``), and its paired difference from the reference (``diff``)."""

    shopper: str
    cells: list[str]
    episodes: int
    personas: int
    metrics: dict[str, dict]
    diff: dict[str, dict] = field(default_factory=dict)


@dataclass
class BoardGroup:
    """The shoppers of one (agent, split), ranked by decision alignment."""

    agent: str
    split: str
    rows: list[BoardRow]
    pairwise: list[dict] = field(default_factory=list)


@dataclass
class SweepBoard:
    """The leaderboard of a sweep (see the module docstring)."""

    name: str
    reference: str
    metrics: list[str]
    groups: list[BoardGroup]
    cells: list[dict]
    incomplete: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "sweep": self.name,
            "reference_shopper": self.reference,
            "method": "per-persona means (seeds and trials pooled); 95% percentile bootstrap over personas, "
                      "2000 resamples, seed 0; differences paired by persona",
            "metrics": self.metrics,
            "groups": [{"agent": g.agent, "split": g.split,
                        "rows": [{"rank": i, "shopper": r.shopper, "cells": r.cells, "episodes": r.episodes,
                                  "personas": r.personas, "metrics": r.metrics,
                                  f"diff_vs_{self.reference}": r.diff} for i, r in enumerate(g.rows, 1)],
                        "pairwise_decision_alignment": g.pairwise} for g in self.groups],
            "cells": self.cells,
            "incomplete_cells": self.incomplete,
        }

    def to_markdown(self) -> str:
        def cell(entry: dict | None, signed: bool = False) -> str:
            if not entry or entry.get("mean") is None:
                return "-"
            fmt = "{:+.3f}" if signed else "{:.3f}"
            text = fmt.format(entry["mean"])
            if entry.get("low") is not None:
                text += f" [{fmt.format(entry['low'])}, {fmt.format(entry['high'])}]"
            return text

        lines = [f"# Sweep `{self.name}`", "",
                 "Mean [95% bootstrap interval over personas]; Δ = paired difference from the reference "
                 f"shopper `{self.reference}` on the same personas.", ""]
        for g in self.groups:
            lines += [f"## agent `{g.agent}`, split `{g.split}`", ""]
            header = ["#", "shopper", "episodes", *self.metrics, f"Δ {HEADLINE}"]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join(["---:", "---", "---:"] + ["---:"] * (len(self.metrics) + 1)) + "|")
            for i, r in enumerate(g.rows, 1):
                row = [str(i), r.shopper, str(r.episodes), *(cell(r.metrics.get(m)) for m in self.metrics),
                       cell(r.diff.get(HEADLINE), signed=True) if r.shopper != self.reference else "(reference)"]
                lines.append("| " + " | ".join(row) + " |")
            lines.append("")
        lines += ["## cells", "", "| cell | shopper vs agent | episodes | decision alignment |", "|---|---|---:|---:|"]
        for c in self.cells:
            da = c.get("decision_alignment")
            lines.append(f"| {c['id']} | {c['shopper']} vs {c['agent']} | {c['episodes']} | "
                         f"{'-' if da is None else f'{da:.3f}'} |")
        if self.incomplete:
            lines += ["", "Not complete (left out): " + ", ".join(self.incomplete)]
        return "\n".join(lines) + "\n"

    def to_rich(self) -> list:
        """One rich table per (agent, split); every name is escaped."""
        def fmt(entry: dict | None, signed: bool = False, interval: bool = True) -> str:
            if not entry or entry.get("mean") is None:
                return "-"
            f = "{:+.3f}" if signed else "{:.3f}"
            text = f.format(entry["mean"])
            if interval and entry.get("low") is not None:
                text += f" [{f.format(entry['low'])}, {f.format(entry['high'])}]"
            return text

        extra = [m for m in TERMINAL_METRICS if m in self.metrics]
        tables = []
        for g in self.groups:
            t = Table(title=escape(f"sweep {self.name}: agent {g.agent}, split {g.split}"),
                      caption=escape(f"decision alignment: mean [95% bootstrap CI over personas]; Δ: paired by persona "
                                     f"against {self.reference}; other columns: means (intervals in leaderboard.md)"))
            t.add_column("#", justify="right")
            t.add_column("shopper")
            t.add_column("n", justify="right")
            t.add_column("decision alignment", justify="right")
            t.add_column(escape(f"Δ vs {self.reference}"), justify="right")
            for m in extra:
                t.add_column(escape(m), justify="right")
            for i, r in enumerate(g.rows, 1):
                delta = "(reference)" if r.shopper == self.reference else fmt(r.diff.get(HEADLINE), signed=True)
                t.add_row(str(i), escape(r.shopper), str(r.episodes), escape(fmt(r.metrics.get(HEADLINE))),
                          escape(delta), *(escape(fmt(r.metrics.get(m), interval=False)) for m in extra))
            tables.append(t)
        return tables


def _persona_values(cell_dir: Path) -> tuple[dict[str, dict[str, list[float]]], int]:
    """``{metric: {persona_id: [values]}}`` from a cell's scores.jsonl (graded decision alignment
    from the headline metric's details), and the number of episodes scored."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    scores = RunDir(cell_dir).read_scores()
    for s in scores:
        for name, r in s.results.items():
            if r.value is None or (isinstance(r.value, float) and math.isnan(r.value)):
                continue
            values[name][s.persona_id].append(float(r.value))
            if name == HEADLINE:
                values[GRADED][s.persona_id].append(float(r.details.get("graded", r.value)))
    return values, len(scores)


def _means(per_persona: dict[str, list[float]]) -> dict[str, float]:
    return {pid: sum(v) / len(v) for pid, v in per_persona.items() if v}


def build_sweep_leaderboard(sweep_dir: str | Path) -> SweepBoard:
    """The leaderboard of the complete cells of the sweep in ``sweep_dir``."""
    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    config = manifest.get("config") or {}
    reference = manifest.get("reference_shopper") or ""
    cells = sweep_cell_dirs(sweep_dir)
    shopper_order = [e["shopper"] for e, _ in cells]
    shopper_order = list(dict.fromkeys(shopper_order))
    groups_raw: dict[tuple[str, str], dict[str, list[tuple[dict, Path]]]] = defaultdict(lambda: defaultdict(list))
    incomplete = []
    cell_rows = []
    for entry, path in cells:
        if entry.get("status") != "complete":
            incomplete.append(entry["id"])
            continue
        groups_raw[(entry["agent"], entry["split"])][entry["shopper"]].append((entry, path))
    names: set[str] = set()
    groups = []
    for (agent, split), by_shopper in groups_raw.items():
        persona_means: dict[str, dict[str, dict[str, float]]] = {}
        rows = []
        for shopper in [s for s in shopper_order if s in by_shopper]:
            pooled: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
            episodes = 0
            for entry, path in by_shopper[shopper]:
                values, n = _persona_values(path)
                episodes += n
                for metric, per in values.items():
                    for pid, vals in per.items():
                        pooled[metric][pid].extend(vals)
                summary = RunDir(path).read_summary()
                headline = summary.metrics.get(HEADLINE) if summary else None
                da = headline.mean if headline else None
                cell_rows.append({"id": entry["id"], "shopper": shopper, "agent": agent, "split": split,
                                  "seed": entry.get("seed"), "episodes": n, "decision_alignment": da})
            means = {metric: _means(per) for metric, per in pooled.items()}
            persona_means[shopper] = means
            names.update(means)
            personas = len(means.get(HEADLINE) or next(iter(means.values()), {}))
            rows.append(BoardRow(shopper=shopper, cells=[e["id"] for e, _ in by_shopper[shopper]], episodes=episodes,
                                 personas=personas, metrics={m: _interval(list(v.values())) for m, v in means.items()}))
        ref = persona_means.get(reference)
        if ref is not None:
            for row in rows:
                if row.shopper != reference:
                    row.diff = {m: _diff(persona_means[row.shopper].get(m, {}), ref.get(m, {}))
                                for m in persona_means[row.shopper]}
        rows.sort(key=lambda r: -(r.metrics.get(HEADLINE, {}).get("mean") or -math.inf))
        pairwise = []
        ordered = [r.shopper for r in rows]
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                d = _diff(persona_means[a].get(HEADLINE, {}), persona_means[b].get(HEADLINE, {}))
                pairwise.append({"a": a, "b": b, "a_minus_b": d})
        groups.append(BoardGroup(agent=agent, split=split, rows=rows, pairwise=pairwise))
    first = [m for m in (HEADLINE, GRADED) if m in names]
    metrics = first + sorted(names - set(first))
    return SweepBoard(name=str(manifest.get("name") or config.get("name") or sweep_dir.name), reference=reference,
                      metrics=metrics, groups=groups, cells=cell_rows, incomplete=incomplete)


def write_leaderboard(sweep_dir: str | Path) -> SweepBoard:
    """Build the leaderboard and write ``leaderboard.json`` and ``leaderboard.md`` into the sweep."""
    board = build_sweep_leaderboard(sweep_dir)
    write_json_atomic(Path(sweep_dir) / LEADERBOARD_JSON, board.to_json())
    tmp = Path(sweep_dir) / (LEADERBOARD_MD + ".tmp")
    tmp.write_text(board.to_markdown(), encoding="utf-8")
    tmp.replace(Path(sweep_dir) / LEADERBOARD_MD)
    return board
