"""The sections of the HTML report rendered in Python, every run text escaped: the leaderboard
table, the plots (metric intervals, profile per run, failure kinds, criteria disclosed by turn),
the decision-alignment slices, terminations and the run-level figures of each summary."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from salessim.api.summary import Interval
from salessim.metrics.reference import reference_rows
from salessim.report import svg
from salessim.report.htmlkit import cap_text, esc, finite
from salessim.report.leaderboard import (
    HEADLINE,
    Leaderboard,
    RunData,
    format_cell,
    interval_entry,
)

_FAILURE_ORDER = ("aligned", "bought_dealbreaker_violation", "bought_suboptimal", "left_with_valid_option",
                  "no_decision", "invalid_action")


def leaderboard_html(lb: Leaderboard, colors: list[str]) -> str:
    head = "".join(f'<th class="num">{esc(m)}</th>' for m in lb.metrics)
    rows = []
    for i, row in enumerate(lb.rows):
        cells = "".join(f'<td class="num">{esc(lb.cell(row, m))}</td>' for m in lb.metrics)
        rows.append(
            f'<tr class="lb-row" data-run="{i}"><td class="num">'
            f'<span class="swatch" style="background:{esc(colors[i])}"></span>{i + 1}</td>'
            f'<td class="run" title="{esc(row.path)}">{esc(row.label)}<div class="help">{esc(row.run_id)}</div></td>'
            f'<td class="num">{row.episodes}</td>{cells}</tr>')
    return (f'<div class="table-wrap"><table class="leaderboard" id="leaderboard-table"><thead><tr>'
            f'<th class="num">#</th><th>run</th><th class="num">n</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _figure(svg_text: str, caption: str = "", cls: str = "plot") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="{cls}">{svg_text}{cap}</figure>'


def _unit_range(lb: Leaderboard, metric: str) -> bool:
    vals = [v for row in lb.rows for k in ("mean", "low", "high")
            if (v := (row.metrics.get(metric) or {}).get(k)) is not None]
    return bool(vals) and all(-1e-9 <= v <= 1 + 1e-9 for v in vals)


def _metric_bars(lb: Leaderboard, metrics: list[str], colors: list[str]) -> str:
    labels = [row.label for row in lb.rows]
    figs = []
    for m in metrics:
        entries = [row.metrics.get(m) or {} for row in lb.rows]
        chart = svg.interval_bars(
            m, labels, [e.get("mean") for e in entries], [e.get("low") for e in entries],
            [e.get("high") for e in entries], colors, y_max=1.0 if _unit_range(lb, m) else None)
        figs.append(_figure(chart))
    return ('<h3>Metrics with 95% intervals</h3><p class="help">One chart per metric; one bar per run '
            '(numbered as in the leaderboard), whiskers show the bootstrap 95% interval.</p>'
            f'<div class="plots-grid" id="metric-bars">{"".join(figs)}</div>')


def _profile(lb: Leaderboard, metrics: list[str], colors: list[str]) -> str:
    if not metrics or not lb.rows:
        return ""
    axis, scaled = [], []
    series_vals: list[list[float | None]] = [[] for _ in lb.rows]
    for m in metrics:
        means = [(row.metrics.get(m) or {}).get("mean") for row in lb.rows]
        if _unit_range(lb, m):
            axis.append(m)
            norm = means
        else:
            top = max((abs(v) for v in means if v is not None), default=0.0)
            axis.append(m + " *")
            scaled.append(m)
            norm = [None if v is None or top == 0 else v / top for v in means]
        for i, v in enumerate(norm):
            series_vals[i].append(v)
    series = [svg.Series(f"{i + 1}: {row.label}", colors[i], series_vals[i]) for i, row in enumerate(lb.rows)]
    chart = svg.profile_chart("Profile per run across metrics", axis, series)
    legend = svg.legend([(f"{i + 1}: {row.label}", colors[i]) for i, row in enumerate(lb.rows)])
    caption = "Means on a common 0-1 axis. Metrics already in [0, 1] are drawn as they are"
    caption += (f"; metrics marked * ({', '.join(scaled)}) are divided by their largest run mean."
                if scaled else ".")
    caption += " Check each metric's direction: for some, lower is better (e.g. overdisclosure)."
    return "<h3>Profile per run</h3>" + _figure(chart + legend, caption)


def _failure_breakdown(runs: list[RunData], lb: Leaderboard) -> str:
    counts: list[Counter] = []
    for run in runs:
        da = run.summary.decision_alignment
        headline = run.summary.metrics.get(HEADLINE)
        overall = da.overall if da else headline
        failures = Counter({str(k): int(v) for k, v in (da.failures if da else {}).items()})
        c = Counter(failures)
        n = overall.n if overall else 0
        c["aligned"] = max(0, n - sum(failures.values()))
        not_scored = headline.not_scored if headline else 0
        if not_scored:
            c["not scored"] = not_scored
        counts.append(c)
    if not any(sum(c.values()) for c in counts):
        return ('<h3>Failure kinds</h3><p class="note">No run has decision-alignment scores, so the '
                'failure-kind breakdown is omitted.</p>')
    kinds = {k for c in counts for k in c if c[k]}
    segments = [k for k in _FAILURE_ORDER if k in kinds]
    segments += sorted(kinds - set(segments) - {"not scored"})
    if "not scored" in kinds:
        segments.append("not scored")
    seg_colors = {"aligned": "#009E73", "bought_dealbreaker_violation": "#D55E00", "bought_suboptimal": "#E69F00",
                  "left_with_valid_option": "#CC79A7", "no_decision": "#56B4E9", "invalid_action": "#000000",
                  "not scored": "#BBBBBB"}
    extra = iter(("#0072B2", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F"))
    colors = [seg_colors.get(s) or next(extra, "#999999") for s in segments]
    chart = svg.stacked_bars("Decision outcome per run", [f"run {i + 1}" for i in range(len(runs))],
                             segments, [[c.get(s, 0) for s in segments] for c in counts], colors)
    legend = svg.legend(list(zip(segments, colors)))
    return ("<h3>Failure kinds</h3>" +
            _figure(chart + legend, "Share of scored episodes per decision-alignment outcome "
                    "(aligned or the failure kind); hover a segment for its count.", "plot failure-plot"))


def _per_turn_value(item: Any) -> float | None:
    """A number out of one ``details["per_turn"]`` entry: a number, a bool, a list (its length) or a
    dict with a count-like field."""
    if isinstance(item, bool):
        return float(item)
    if isinstance(item, (int, float)):
        return finite(item)
    if isinstance(item, (list, tuple)):
        return float(len(item))
    if isinstance(item, dict):
        for key in ("count", "n", "value", "disclosed", "criteria"):
            if key in item:
                return _per_turn_value(item[key])
    return None


def _per_turn(runs: list[RunData], colors: list[str]) -> str:
    # metric -> run index -> turn index -> values
    table: dict[str, dict[int, dict[int, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for ri, run in enumerate(runs):
        for s in run.scores:
            for name, result in s.results.items():
                if result.value is None or not isinstance(result.details, dict):
                    continue
                per_turn = result.details.get("per_turn")
                if not isinstance(per_turn, list):
                    continue
                for ti, item in enumerate(per_turn):
                    v = _per_turn_value(item)
                    if v is not None:
                        table[name][ri][ti].append(v)
    head = "<h3>Criteria disclosed by turn number</h3>"
    if not table:
        return (head + '<p class="note" id="per-turn-note">No metric in these runs records per-turn values '
                '(a list in its details under "per_turn"), so this plot is omitted.</p>')
    figs = []
    for name in sorted(table):
        by_run = table[name]
        n_turns = max((max(t) + 1 for t in by_run.values() if t), default=0)
        series = []
        for ri, run in enumerate(runs):
            turns = by_run.get(ri, {})
            vals = [(sum(turns[t]) / len(turns[t])) if turns.get(t) else None for t in range(n_turns)]
            series.append(svg.Series(f"run {ri + 1}", colors[ri], vals))
        chart = svg.line_chart(f"{name}: mean per shopper turn", series, x_label="shopper turn",
                               y_label="mean per episode")
        figs.append(_figure(chart, f"Mean of details.per_turn of {name} over the episodes that reached each "
                                   "turn; one line per run (colours as in the leaderboard)."))
    return head + "".join(figs)


def plots_html(runs: list[RunData], lb: Leaderboard, colors: list[str]) -> str:
    plotted = [m for m in lb.metrics if any((row.metrics.get(m) or {}).get("mean") is not None for row in lb.rows)]
    unscored = [m for m in lb.metrics if m not in plotted]
    note = ""
    if unscored:
        note = (f'<p class="note" id="unscored-note">Not plotted, no run has a value for: {esc(", ".join(unscored))} '
                "(see each episode's explanation for why).</p>")
    if not plotted:
        return note + '<p class="note">The runs have no metric values to plot.</p>' + _failure_breakdown(runs, lb)
    return (_metric_bars(lb, plotted, colors) + note + _profile(lb, plotted, colors) + _failure_breakdown(runs, lb) +
            _per_turn(runs, colors))


def _slice_map(run: RunData, key: str) -> dict[str, Interval]:
    """One slice of a run's decision alignment as {name: interval}; Big-Five slices are
    flattened to "trait: level"."""
    da = run.summary.decision_alignment
    if da is None:
        return {}
    if key != "by_big_five":
        return getattr(da, key)
    return {f"{trait}: {level}": ci for trait, levels in da.by_big_five.items() for level, ci in levels.items()}


def slices_html(runs: list[RunData]) -> str:
    parts = []
    for key, title in (("by_category", "category"), ("by_archetype", "archetype"), ("by_agent", "agent strategy"),
                       ("by_big_five", "Big-Five level")):
        names = sorted({n for r in runs for n in _slice_map(r, key)})
        if not names:
            continue
        head = "".join(f'<th class="num">run {i + 1}</th>' for i in range(len(runs)))
        body = []
        for name in names:
            cells = "".join(
                f'<td class="num">{esc(format_cell(interval_entry(_slice_map(r, key).get(name))))}'
                f'{esc(_slice_n(r, key, name))}</td>' for r in runs)
            body.append(f"<tr><td>{esc(name)}</td>{cells}</tr>")
        parts.append(f"<h3>Decision alignment by {title}</h3><div class=\"table-wrap\"><table class=\"slices\">"
                     f"<thead><tr><th>{title}</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
    terms = sorted({t for r in runs for t in r.summary.terminations})
    if terms:
        head = "".join(f'<th class="num">run {i + 1}</th>' for i in range(len(runs)))
        body = "".join(f"<tr><td>{esc(t)}</td>" + "".join(
            f'<td class="num">{r.summary.terminations.get(t, 0)}</td>' for r in runs) + "</tr>"
            for t in terms)
        parts.append(f'<h3>Terminations</h3><div class="table-wrap"><table class="slices"><thead><tr>'
                     f"<th>termination</th>{head}</tr></thead><tbody>{body}</tbody></table></div>")
    parts.append(_reference_html(runs))
    parts.append(_run_level_html(runs))
    return "".join(parts) or '<p class="note">No slices: the runs have no decision-alignment scores.</p>'


_SUMMARY_KEYS_SHOWN_ELSEWHERE = {"episodes", "metrics", "terminations", "decision_alignment", "run_id", "shopper",
                                 "agent", "episodes_planned", "disclosure_by_turn", "reference"}
_MAX_RUN_LEVEL_ROWS = 300


def _ref_num(v: Any) -> str:
    v = finite(v)
    return "-" if v is None else f"{v:.3f}"


def _reference_html(runs: list[RunData]) -> str:
    """Per run scored with ``salessim eval --reference``: every simulator-vs-human figure, its gap
    and the gap's bootstrap 95% interval (the rows of the terminal table)."""
    parts = []
    for i, run in enumerate(runs):
        ref = run.summary.reference
        if not isinstance(ref, dict):
            continue
        body = []
        for label, e in reference_rows(ref):
            ci = e.get("gap_ci95") or [None, None]
            interval = f" [{_ref_num(ci[0])}, {_ref_num(ci[1])}]" if finite(ci[0]) is not None else ""
            body.append(f"<tr><td>{esc(label)}</td><td class=\"num\">{_ref_num(e.get('simulator'))}</td>"
                        f"<td class=\"num\">{_ref_num(e.get('human'))}</td>"
                        f"<td class=\"num\">{esc(_ref_num(e.get('gap')) + interval)}</td></tr>")
        source = Path(str(ref.get("file") or "")).name or "reference"
        parts.append(f'<h3>Run {i + 1} vs human reference <code>{esc(source)}</code></h3>'
                     f'<p class="help">{esc(ref.get("reference_dialogues"))} human dialogues, '
                     f'{esc(ref.get("simulator_episodes"))} episodes; gap = simulator - human with a bootstrap 95% '
                     f'interval (dialogues resampled on each side).</p><div class="table-wrap">'
                     f'<table class="slices reference" data-run="{i}"><thead><tr><th>figure</th><th class="num">'
                     f'simulator</th><th class="num">human</th><th class="num">gap [95% CI]</th></tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table></div>')
    return "".join(parts)


def _is_interval(v: Any) -> bool:
    return isinstance(v, dict) and "mean" in v and {"low", "high"} <= set(v)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """Scalars (and intervals) of a nested summary entry under dotted keys; lists are summarised."""
    if _is_interval(value) or not isinstance(value, (dict, list)):
        out[prefix] = value
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif all(not isinstance(v, (dict, list)) for v in value) and len(value) <= 12:
        out[prefix] = ", ".join("-" if v is None else str(v) for v in value)
    else:
        out[prefix] = f"[{len(value)} items]"


def _run_level_value(v: Any) -> str:
    if _is_interval(v):
        return format_cell({k: finite(v.get(k)) for k in ("mean", "low", "high")})
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else "-"
    return str(v)


def _run_level_html(runs: list[RunData]) -> str:
    """Run-level figures of the summaries that are not per-episode means (pooled lexical diversity,
    judge agreement, reference gaps...), one column per run, read generically."""
    flat: list[dict[str, Any]] = []
    for run in runs:
        row: dict[str, Any] = {}
        for key, value in run.summary.to_json().items():
            if key not in _SUMMARY_KEYS_SHOWN_ELSEWHERE:
                _flatten(value, key, row)
        flat.append(row)
    keys = list(dict.fromkeys(k for row in flat for k in row))
    if not keys:
        return ""
    note = ""
    if len(keys) > _MAX_RUN_LEVEL_ROWS:
        note = f'<p class="note">Showing {_MAX_RUN_LEVEL_ROWS} of {len(keys)} figures; all are in each summary.json.</p>'
        keys = keys[:_MAX_RUN_LEVEL_ROWS]
    head = "".join(f'<th class="num">run {i + 1}</th>' for i in range(len(runs)))
    body = "".join(f"<tr><td>{esc(k)}</td>" + "".join(
        f'<td class="num">{esc(cap_text(_run_level_value(row[k]), 200)) if k in row else ""}</td>' for row in flat) + "</tr>"
        for k in keys)
    return (f'<h3>Run-level figures</h3><p class="help">Figures of each summary.json that are not means over '
            f'episodes (e.g. pooled lexical diversity, judge agreement, gaps to a human reference).</p>{note}'
            f'<div class="table-wrap"><table class="slices run-level"><thead><tr><th>figure</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _slice_n(run: RunData, key: str, name: str) -> str:
    ci = _slice_map(run, key).get(name)
    return f" (n={ci.n})" if ci is not None and ci.n else ""
