"""The self-contained HTML report: leaderboard, plots, slices and a per-episode drill-down.

``build_report(run_dirs, out)`` writes ONE HTML file that needs nothing else: CSS and JavaScript are
inlined from the data files in ``report/templates/``, plots are inline SVG drawn in Python
(:mod:`salessim.report.svg`), product images are base64 data URLs embedded once each, and a
Content-Security-Policy forbids loading anything from elsewhere.

Safety: all run text (shopper and agent messages, persona text, explanations) is escaped with
``html.escape`` where it is rendered here, and the episode data travels as JSON in a
``<script type="application/json">`` block with every ``<``, ``>`` and ``&`` written as a ``\\u``
escape, so no text can close the block or open a comment. The page script inserts text with
``textContent`` only.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import json
import math
from collections import Counter, defaultdict
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from salessim import __version__
from salessim.errors import SalesSimError
from salessim.report import svg
from salessim.report.leaderboard import (
    HEADLINE, Leaderboard, RunData, build_leaderboard, format_cell, load_run,
)
from salessim.schema import Episode, EpisodeScores, Message

__all__ = ["MAX_EPISODES", "build_report", "embed_json", "render_report"]

MAX_EPISODES = 2000  # episodes in the drill-down, all runs together
_TEXT_CAP = 1500  # characters of one tool result / reasoning / metric details kept in the drill-down
_IMAGE_SIDE = 360  # pixels: larger product images are shrunk to fit this square before embedding
_IMAGE_BYTES = 60_000  # a larger image file is re-encoded before embedding

_FAILURE_ORDER = ("aligned", "bought_dealbreaker_violation", "bought_suboptimal", "left_with_valid_option",
                  "no_decision", "invalid_action")


# ---------------------------------------------------------------------------------------------
# small helpers


def _template(name: str) -> str:
    return resources.files("salessim.report").joinpath("templates", name).read_text(encoding="utf-8")


def embed_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the
    JavaScript line separators are written as ``\\u`` escapes, so ``</script>`` or ``<!--`` in any
    string cannot end the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _cap(text: str, limit: int = _TEXT_CAP) -> str:
    return text if len(text) <= limit else text[:limit] + f"\u2026 [{len(text) - limit} more characters]"


def _finite(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _jsonable(value: Any) -> Any:
    """Replace non-finite floats (invalid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# sections rendered in Python (escaped)


def _leaderboard_html(lb: Leaderboard, colors: list[str]) -> str:
    head = "".join(f'<th class="num">{_e(m)}</th>' for m in lb.metrics)
    rows = []
    for i, row in enumerate(lb.rows):
        cells = "".join(f'<td class="num">{_e(lb.cell(row, m))}</td>' for m in lb.metrics)
        rows.append(
            f'<tr class="lb-row" data-run="{i}"><td class="num">'
            f'<span class="swatch" style="background:{_e(colors[i])}"></span>{i + 1}</td>'
            f'<td class="run" title="{_e(row.path)}">{_e(row.label)}<div class="help">{_e(row.run_id)}</div></td>'
            f'<td class="num">{row.episodes}</td>{cells}</tr>')
    return (f'<div class="table-wrap"><table class="leaderboard" id="leaderboard-table"><thead><tr>'
            f'<th class="num">#</th><th>run</th><th class="num">n</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _figure(svg_text: str, caption: str = "", cls: str = "plot") -> str:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
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
        da = run.summary.get("decision_alignment") or {}
        overall = da.get("overall") or (run.summary.get("metrics") or {}).get(HEADLINE) or {}
        failures = Counter({str(k): int(v) for k, v in (da.get("failures") or {}).items()})
        c = Counter(failures)
        n = int(overall.get("n") or 0)
        c["aligned"] = max(0, n - sum(failures.values()))
        not_scored = int(((run.summary.get("metrics") or {}).get(HEADLINE) or {}).get("not_scored") or 0)
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
        return _finite(item)
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


def _plots_html(runs: list[RunData], lb: Leaderboard, colors: list[str]) -> str:
    plotted = [m for m in lb.metrics if any((row.metrics.get(m) or {}).get("mean") is not None for row in lb.rows)]
    unscored = [m for m in lb.metrics if m not in plotted]
    note = ""
    if unscored:
        note = (f'<p class="note" id="unscored-note">Not plotted, no run has a value for: {_e(", ".join(unscored))} '
                "(see each episode's explanation for why).</p>")
    if not plotted:
        return note + '<p class="note">The runs have no metric values to plot.</p>' + _failure_breakdown(runs, lb)
    return (_metric_bars(lb, plotted, colors) + note + _profile(lb, plotted, colors) + _failure_breakdown(runs, lb) +
            _per_turn(runs, colors))


def _slice_map(run: RunData, key: str) -> dict[str, Any]:
    """One slice of a run's decision alignment as {name: interval}; Big-Five slices are
    flattened to "trait: level"."""
    entry = (run.summary.get("decision_alignment") or {}).get(key) or {}
    if key != "by_big_five":
        return entry
    return {f"{trait}: {level}": ci for trait, levels in entry.items() for level, ci in levels.items()}


def _slices_html(runs: list[RunData]) -> str:
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
                f'<td class="num">{_e(format_cell(_slice_map(r, key).get(name)))}'
                f'{_e(_slice_n(r, key, name))}</td>' for r in runs)
            body.append(f"<tr><td>{_e(name)}</td>{cells}</tr>")
        parts.append(f"<h3>Decision alignment by {title}</h3><div class=\"table-wrap\"><table class=\"slices\">"
                     f"<thead><tr><th>{title}</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
    terms = sorted({t for r in runs for t in (r.summary.get("terminations") or {})})
    if terms:
        head = "".join(f'<th class="num">run {i + 1}</th>' for i in range(len(runs)))
        body = "".join(f"<tr><td>{_e(t)}</td>" + "".join(
            f'<td class="num">{int((r.summary.get("terminations") or {}).get(t, 0))}</td>' for r in runs) + "</tr>"
            for t in terms)
        parts.append(f'<h3>Terminations</h3><div class="table-wrap"><table class="slices"><thead><tr>'
                     f"<th>termination</th>{head}</tr></thead><tbody>{body}</tbody></table></div>")
    parts.append(_reference_html(runs))
    parts.append(_run_level_html(runs))
    return "".join(parts) or '<p class="note">No slices: the runs have no decision-alignment scores.</p>'


_SUMMARY_KEYS_SHOWN_ELSEWHERE = {"episodes", "metrics", "terminations", "decision_alignment", "run_id", "shopper",
                                 "agent", "episodes_planned", "disclosure_by_turn", "reference"}


def _ref_num(v: Any) -> str:
    v = _finite(v)
    return "-" if v is None else f"{v:.3f}"


def _reference_html(runs: list[RunData]) -> str:
    """Per run scored with ``salessim eval --reference``: every simulator-vs-human figure, its gap
    and the gap's bootstrap 95% interval (the rows of the terminal table)."""
    from salessim.metrics.reference import reference_rows

    parts = []
    for i, run in enumerate(runs):
        ref = run.summary.get("reference")
        if not isinstance(ref, dict):
            continue
        body = []
        for label, e in reference_rows(ref):
            ci = e.get("gap_ci95") or [None, None]
            interval = f" [{_ref_num(ci[0])}, {_ref_num(ci[1])}]" if _finite(ci[0]) is not None else ""
            body.append(f"<tr><td>{_e(label)}</td><td class=\"num\">{_ref_num(e.get('simulator'))}</td>"
                        f"<td class=\"num\">{_ref_num(e.get('human'))}</td>"
                        f"<td class=\"num\">{_e(_ref_num(e.get('gap')) + interval)}</td></tr>")
        source = Path(str(ref.get("file") or "")).name or "reference"
        parts.append(f'<h3>Run {i + 1} vs human reference <code>{_e(source)}</code></h3>'
                     f'<p class="help">{_e(ref.get("reference_dialogues"))} human dialogues, '
                     f'{_e(ref.get("simulator_episodes"))} episodes; gap = simulator - human with a bootstrap 95% '
                     f'interval (dialogues resampled on each side).</p><div class="table-wrap">'
                     f'<table class="slices reference" data-run="{i}"><thead><tr><th>figure</th><th class="num">'
                     f'simulator</th><th class="num">human</th><th class="num">gap [95% CI]</th></tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table></div>')
    return "".join(parts)
_MAX_RUN_LEVEL_ROWS = 300


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
        return format_cell({k: _finite(v.get(k)) for k in ("mean", "low", "high")})
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
        for key, value in run.summary.items():
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
    body = "".join(f"<tr><td>{_e(k)}</td>" + "".join(
        f'<td class="num">{_e(_cap(_run_level_value(row[k]), 200)) if k in row else ""}</td>' for row in flat) + "</tr>"
        for k in keys)
    return (f'<h3>Run-level figures</h3><p class="help">Figures of each summary.json that are not means over '
            f'episodes (e.g. pooled lexical diversity, judge agreement, gaps to a human reference).</p>{note}'
            f'<div class="table-wrap"><table class="slices run-level"><thead><tr><th>figure</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _slice_n(run: RunData, key: str, name: str) -> str:
    entry = _slice_map(run, key).get(name) or {}
    return f" (n={entry['n']})" if entry.get("n") else ""


# ---------------------------------------------------------------------------------------------
# drill-down data (rendered client-side with textContent)


def _message(m: Message) -> dict:
    out: dict[str, Any] = {"role": m.role, "text": m.text}
    if m.action is not None:
        act = {"type": m.action.type}
        if m.action.product_id:
            act["product_id"] = m.action.product_id
        if m.action.reason:
            act["reason"] = m.action.reason
        out["act"] = act
    if m.tool_calls:
        out["calls"] = [{"name": c.name, "args": _cap(json.dumps(_jsonable(c.arguments), ensure_ascii=False, default=str), 400)}
                        for c in m.tool_calls]
    if m.tool_result is not None:
        r = m.tool_result
        content = r.content if isinstance(r.content, str) else json.dumps(_jsonable(r.content), ensure_ascii=False,
                                                                          indent=1, default=str)
        out["res"] = {"name": r.name, "content": _cap(content), "error": r.error, "img": bool(r.image_png_b64)}
    if m.tool_caller:
        out["caller"] = m.tool_caller
    if m.presented_product_ids:
        out["pres"] = list(m.presented_product_ids)
    if m.flags:
        out["flags"] = list(m.flags)
    if m.reasoning:
        out["reasoning"] = _cap(m.reasoning)
    return out


def _episode_products(ep: Episode) -> list[str]:
    ids = list(ep.presented_product_ids) + list(ep.viewed_product_ids)
    if ep.decision.product_id:
        ids.append(ep.decision.product_id)
    for m in ep.messages:
        ids.extend(m.presented_product_ids)
    return list(dict.fromkeys(i for i in ids if i))


def _failure_kind(result) -> str:
    if result is None:
        return "not scored"
    if result.value is None:
        return "not scored"
    failure = result.details.get("failure") if isinstance(result.details, dict) else None
    if failure:
        return str(failure)
    return "aligned" if result.value >= 1 else "misaligned"


def _episode_entry(ri: int, ep: Episode, scores: EpisodeScores | None, persona_names: dict[str, str]) -> dict:
    results = scores.results if scores else {}
    da = results.get(HEADLINE)
    metrics = []
    for name in sorted(results, key=lambda n: (n != HEADLINE, n)):
        r = results[name]
        details = ""
        if r.details:
            details = _cap(json.dumps(_jsonable(r.details), ensure_ascii=False, default=str), 800)
        metrics.append({"name": name, "version": r.version, "value": _finite(r.value),
                        "explanation": r.explanation, "details": details})
    aligned = []
    if da is not None and isinstance(da.details, dict):
        aligned = [str(x) for x in da.details.get("aligned_product_ids") or []]
    return {
        "r": ri, "id": ep.id, "persona": ep.persona_id, "pname": persona_names.get(ep.persona_id, ""),
        "pkey": ep.persona_id, "cat": ep.category, "arch": ep.archetype, "dec": ep.decision.type,
        "pid": ep.decision.product_id or "", "fail": _failure_kind(da) if scores else "not scored",
        "da": _finite(da.value) if da is not None else None, "term": ep.termination, "turns": ep.turns,
        "msgs": [_message(m) for m in ep.messages], "prods": _episode_products(ep),
        "viewed": list(ep.viewed_product_ids), "aligned": aligned, "metrics": metrics,
    }


def _load_personas(runs: list[RunData], notes: list[str]) -> dict[str, Any]:
    """Personas by id from each run's persona file (best effort: the drill-down works without)."""
    found: dict[str, Any] = {}
    seen_sources: set[str | None] = set()
    wanted = {ep.persona_id for run in runs for ep in run.episodes}
    for run in runs:
        if wanted <= set(found):
            break
        source = (run.meta.get("config") or {}).get("personas")
        if source in seen_sources:
            continue
        seen_sources.add(source)
        try:
            from salessim.personas import load_personas

            for p in load_personas(source):
                found.setdefault(p.id, p)
        except Exception as exc:  # noqa: BLE001 - persona details are optional in the report
            why = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(". ")
            notes.append(f"Persona details of {run.run_id} are not shown: {why}.")
    return found


def _persona_entry(p) -> dict:
    bf = ", ".join(f"{t} {getattr(p.big_five, t)}" for t in type(p.big_five).model_fields)
    return {
        "name": p.profile.name, "age": p.profile.age, "background": p.profile.background, "goal": p.goal,
        "knowledge": p.profile.knowledge_level, "style": p.profile.speaking_style, "emotion": p.emotion,
        "big_five": bf, "feasible": "" if p.feasible is None else ("yes" if p.feasible else "no"),
        "criteria": [[c.describe() + (f" \u2014 \u201c{c.phrasings[0]}\u201d" if c.phrasings else ""), c.kind]
                     for c in p.criteria],
    }


def _image_data_url(png: bytes) -> str | None:
    """The image as a data URL. An image that fits ``_IMAGE_SIDE`` pixels and ``_IMAGE_BYTES`` is
    embedded as it is; a larger one is shrunk and stored as the smaller of PNG and JPEG."""
    if not png:
        return None
    mime, raw = "image/png", png
    try:
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            fits = max(im.size) <= _IMAGE_SIDE and len(png) <= _IMAGE_BYTES
            if im.format in ("PNG", "JPEG", "GIF", "WEBP"):
                mime = Image.MIME[im.format]
            if not fits:
                im.load()
                im.thumbnail((_IMAGE_SIDE, _IMAGE_SIDE))
                candidates = []
                buf = io.BytesIO()
                im.save(buf, format="PNG")
                candidates.append(("image/png", buf.getvalue()))
                if im.mode in ("RGB", "L"):
                    buf = io.BytesIO()
                    im.save(buf, format="JPEG", quality=85)
                    candidates.append(("image/jpeg", buf.getvalue()))
                mime, raw = min(candidates, key=lambda c: len(c[1]))
    except Exception:  # noqa: BLE001 - an undecodable image is embedded as it came
        mime, raw = "image/png", png
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _product_entry(product, store) -> dict:
    visual: set[str] = set()
    units: dict[str, str] = {}
    try:
        schema = store.catalog.schema(product.category)
        visual = set(schema.visual_only)
        units = {a.name: a.unit for a in schema.attributes if a.unit}
    except Exception:  # noqa: BLE001 - a store without schemas still gives names and attributes
        pass
    attrs = []
    for name, value in product.attributes.items():
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if units.get(name):
            text += f" {units[name]}"
        attrs.append([name, text, name in visual])
    attrs.sort(key=lambda a: (a[2], 0))  # visual-only last, otherwise catalog order
    return {"name": product.name, "cat": product.category, "desc": product.description, "attrs": attrs}


def _products_and_images(ids: list[str], store, notes: list[str]) -> tuple[dict, dict]:
    products: dict[str, dict] = {}
    images: dict[str, str] = {}
    if store is None:
        return products, images
    failed = 0
    for pid in ids:
        try:
            product = store.catalog.get(pid)
        except Exception:  # noqa: BLE001
            product = None
        if product is None:
            continue
        products[pid] = _product_entry(product, store)
        try:
            url = _image_data_url(store.image_png(pid))
        except Exception:  # noqa: BLE001 - the card is shown without its image
            url = None
            failed += 1
        if url:
            images[pid] = url
    if failed:
        notes.append(f"{failed} product image(s) could not be drawn and are left out.")
    return products, images


def _select_episodes(runs: list[RunData], max_episodes: int) -> tuple[list[tuple[int, Episode]], str]:
    total = sum(len(r.episodes) for r in runs)
    if total <= max_episodes:
        return [(ri, ep) for ri, r in enumerate(runs) for ep in r.episodes], ""
    # share the cap between runs; a run with fewer episodes leaves its share to the others
    quota = {ri: 0 for ri in range(len(runs))}
    left = max_episodes
    active = [ri for ri, r in enumerate(runs) if r.episodes]
    while left > 0 and active:
        share = max(1, left // len(active))
        for ri in list(active):
            take = min(share, len(runs[ri].episodes) - quota[ri], left)
            quota[ri] += take
            left -= take
            if quota[ri] >= len(runs[ri].episodes):
                active.remove(ri)
            if left <= 0:
                break
    chosen = [(ri, ep) for ri, r in enumerate(runs) for ep in r.episodes[: quota[ri]]]
    note = (f"The drill-down shows the first {len(chosen)} of {total} episodes "
            f"(at most {max_episodes}, shared between runs); the leaderboard and plots use all of them.")
    return chosen, note


# ---------------------------------------------------------------------------------------------
# public API


def render_report(runs: list[RunData], store=None, *, max_episodes: int = MAX_EPISODES,
                  title: str = "SalesSim report", notes: list[str] | None = None) -> str:
    """The report as an HTML string, from loaded runs (see :func:`build_report`)."""
    if not runs:
        raise SalesSimError("no run directory given", hint="Pass one or more run directories.")
    notes = list(notes or [])
    lb = build_leaderboard(runs)
    colors = [svg.color_for(i) for i in range(len(runs))]
    chosen, cap_note = _select_episodes(runs, max_episodes)
    persona_objs = _load_personas(runs, notes)
    personas = {pid: _persona_entry(p) for pid, p in persona_objs.items()
                if any(ep.persona_id == pid for _, ep in chosen)}
    names = {pid: p.profile.name for pid, p in persona_objs.items()}
    scores_by_run = [{s.episode_id: s for s in r.scores} for r in runs]
    entries = [_episode_entry(ri, ep, scores_by_run[ri].get(ep.id), names) for ri, ep in chosen]
    product_ids = list(dict.fromkeys(pid for e in entries for pid in e["prods"]))
    products, images = _products_and_images(product_ids, store, notes)
    if store is None and product_ids:
        notes.append("No store was available: product cards show ids only, without images.")
    data = {
        "runs": [{"label": row.label, "run_id": row.run_id, "color": colors[i]} for i, row in enumerate(lb.rows)],
        "episodes": entries, "products": products, "images": images, "personas": personas,
    }
    notes_html = "".join(f'<p class="note">{_e(n)}</p>' for n in dict.fromkeys(notes))
    fields = {
        "title": _e(title), "version": _e(__version__),
        "generated": _e(_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        "n_runs": str(len(runs)), "n_episodes": str(sum(len(r.episodes) for r in runs)),
        "css": _template("report.css"), "js": _template("report.js"),
        "leaderboard": _leaderboard_html(lb, colors), "notes": notes_html,
        "plots": _plots_html(runs, lb, colors), "slices": _slices_html(runs),
        "episodes_note": f'<p class="note" id="cap-note">{_e(cap_note)}</p>' if cap_note else "",
        "data": embed_json(_jsonable(data)),
    }
    return Template(_template("report.html")).substitute(fields)


def _default_store(notes: list[str]):
    """The built-in store, or None (with a note) when it cannot be loaded."""
    try:
        from salessim.store import default_store

        return default_store()
    except Exception as exc:  # noqa: BLE001 - the report still works without product details
        notes.append(f"The store could not be loaded ({type(exc).__name__}): product cards show ids only.")
        return None


class _Stores:
    """Product lookups over several stores: the imported catalogs of the runs first, then the
    built-in store (what the drill-down needs: ``catalog.get``, ``catalog.schema``, ``image_png``)."""

    def __init__(self, stores: list):
        self.stores = stores
        self.catalog = self

    def get(self, product_id: str):
        return next((p for p in (s.catalog.get(product_id) for s in self.stores) if p is not None), None)

    def schema(self, category: str):
        return self.stores[-1].catalog.schema(category)

    def image_png(self, product_id: str) -> bytes:
        store = next(s for s in self.stores if s.catalog.get(product_id) is not None)
        return store.image_png(product_id)


def _run_stores(runs: list[RunData], notes: list[str]) -> list:
    """The stores of runs that carry their own catalog (imported runs)."""
    from salessim.sim.rundir import RunDir
    from salessim.sim.runner import run_store

    out = []
    for run in runs:
        if (run.meta.get("data") or {}).get("catalog_file"):
            try:
                out.append(run_store(RunDir(run.path), run.meta))
            except SalesSimError as exc:
                notes.append(f"{run.run_id}: its catalog could not be loaded ({exc}).")
    return out


#: What every report this module writes carries in its head (templates/report.html).
REPORT_MARK = '<meta name="generator" content="salessim'


def check_report_out(out: Path) -> None:
    """Fail unless ``out`` may receive a report: never a directory, never a file inside a run
    directory (a directory holding run.json), and an existing file only if it is a SalesSim
    report (its head carries :data:`REPORT_MARK`), so nothing else is ever overwritten."""
    from salessim.sim.rundir import RUN_JSON

    out = Path(out)
    hint = "Pass another --out, e.g. report.html outside every run directory."
    if out.is_dir():
        raise SalesSimError(f"{out} is a directory", where="--out", hint="Give a file name, e.g. report.html.")
    if (out.parent / RUN_JSON).is_file():
        raise SalesSimError(f"{out} is inside the run directory {out.parent}: a report never goes there",
                            where="--out", hint=hint)
    if out.exists():
        try:
            with open(out, "rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError as exc:
            raise SalesSimError(f"{out} cannot be read ({exc.strerror})", where="--out", hint=hint) from None
        if REPORT_MARK not in head:
            raise SalesSimError(f"{out} exists and is not a SalesSim report: it would be overwritten", where="--out",
                                hint=hint + " Remove the file first if you mean to replace it.")


def build_report(run_dirs: list[Path], out: Path, store=None, *, max_episodes: int = MAX_EPISODES,
                 title: str = "SalesSim report") -> Path:
    """Write one self-contained HTML report of ``run_dirs`` to ``out`` and return its path.

    ``store`` gives product names, attributes and images for the drill-down; by default the
    built-in store is used, and without one the cards show product ids only. At most
    ``max_episodes`` episodes are embedded in the drill-down (a note says so when some are left
    out); the leaderboard and the plots always use every episode.
    """
    if not run_dirs:
        raise SalesSimError("no run directory given", hint="Pass one or more run directories.")
    out = Path(out)
    check_report_out(out)
    runs = [load_run(p) for p in run_dirs]
    notes: list[str] = []
    if store is None:
        own = _run_stores(runs, notes)
        store = _default_store(notes)
        if own:
            store = _Stores(own + ([store] if store is not None else []))
    html_text = render_report(runs, store, max_episodes=max_episodes, title=title, notes=notes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(out)
    return out
