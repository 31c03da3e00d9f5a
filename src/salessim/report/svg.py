"""Small hand-written SVG chart helpers for the HTML report.

Every function returns one ``<svg>`` element as a string, ready to be inlined in HTML. All text
(titles, labels, tooltips) is escaped here, so callers may pass model or persona text as it is.
Charts are static: hover tooltips use SVG ``<title>`` elements, no script is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = [
    "PALETTE", "Series", "color_for", "interval_bars", "legend", "line_chart", "profile_chart",
    "stacked_bars",
]

# A colour-blind-friendly categorical palette (Okabe-Ito, then a few extra tones).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#7F7F7F", "#8C564B", "#17BECF", "#BCBD22",
)

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"


def color_for(index: int) -> str:
    """The palette colour of the ``index``-th series (wraps around)."""
    return PALETTE[index % len(PALETTE)]


@dataclass(frozen=True)
class Series:
    """One named series of a chart: a label, a colour and its values (None = missing)."""

    label: str
    color: str
    values: Sequence[float | None]


def _t(text: object) -> str:
    """Escape text for SVG content and attribute values."""
    return escape(str(text), quote=True)


def _n(x: float) -> str:
    """A compact coordinate."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def _fmt(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _open(width: float, height: float, title: str, cls: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" width="{_n(width)}" '
        f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-label="{_t(title)}" style="{_FONT}">',
        f"<title>{_t(title)}</title>",
        f'<text x="{_n(width / 2)}" y="16" text-anchor="middle" font-size="13" font-weight="600">'
        f"{_t(title)}</text>",
    ]


def _nice_max(v: float) -> float:
    """A round axis maximum at or above ``v``."""
    if v <= 0 or not math.isfinite(v):
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= v - 1e-12:
            return step * exp
    return 10 * exp


def _y_axis(parts: list[str], left: float, top: float, plot_h: float, right: float, lo: float,
            hi: float, ticks: int = 4) -> None:
    for i in range(ticks + 1):
        v = lo + (hi - lo) * i / ticks
        y = top + plot_h - plot_h * i / ticks
        parts.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" '
                     f'stroke="#ddd" stroke-width="1"/>')
        parts.append(f'<text x="{_n(left - 4)}" y="{_n(y + 4)}" text-anchor="end" font-size="10" '
                     f'fill="#555">{_t(_fmt(v))}</text>')


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def interval_bars(title: str, labels: Sequence[str], means: Sequence[float | None],
                  lows: Sequence[float | None], highs: Sequence[float | None],
                  colors: Sequence[str], *, y_max: float | None = None, width: float = 320,
                  height: float = 200) -> str:
    """A bar per label (one bar per run) with a whisker for its 95% interval.

    Missing means are drawn as an "n/a" marker. The y axis starts at 0 (or at the smallest value
    when some are negative) and ends at ``y_max`` or a round number above the highest whisker.
    """
    parts = _open(width, height, title, "interval-bars")
    left, right, top, bottom = 40.0, width - 8, 26.0, height - 22
    plot_h = bottom - top
    vals = [v for seq in (means, lows, highs) for v in seq if v is not None and math.isfinite(v)]
    lo = min(0.0, min(vals, default=0.0))
    hi = y_max if y_max is not None else _nice_max(max(vals, default=1.0))
    if hi <= lo:
        hi = lo + 1.0
    _y_axis(parts, left, top, plot_h, right, lo, hi)

    def y_of(v: float) -> float:
        return bottom - (min(max(v, lo), hi) - lo) / (hi - lo) * plot_h

    n = max(1, len(labels))
    slot = (right - left) / n
    bar_w = min(48.0, slot * 0.6)
    for i, label in enumerate(labels):
        cx = left + slot * (i + 0.5)
        mean, low, high = means[i], lows[i], highs[i]
        if mean is None or not math.isfinite(mean):
            parts.append(f'<text x="{_n(cx)}" y="{_n(bottom - 4)}" text-anchor="middle" font-size="10" '
                         f'fill="#888">n/a</text>')
        else:
            y0, y1 = y_of(max(lo, 0.0) if mean >= 0 else mean), y_of(mean if mean >= 0 else 0.0)
            tip = f"{label}: {_fmt(mean)}"
            if low is not None and high is not None:
                tip += f" [{_fmt(low)}, {_fmt(high)}]"
            parts.append(f'<rect class="bar" x="{_n(cx - bar_w / 2)}" y="{_n(min(y0, y1))}" '
                         f'width="{_n(bar_w)}" height="{_n(max(abs(y0 - y1), 0.5))}" '
                         f'fill="{_t(colors[i % len(colors)])}" fill-opacity="0.85">'
                         f"<title>{_t(tip)}</title></rect>")
            if low is not None and high is not None and math.isfinite(low) and math.isfinite(high):
                ya, yb = y_of(low), y_of(high)
                w = bar_w / 4
                parts.append(f'<path class="whisker" d="M{_n(cx)} {_n(ya)}V{_n(yb)}M{_n(cx - w)} {_n(ya)}'
                             f'H{_n(cx + w)}M{_n(cx - w)} {_n(yb)}H{_n(cx + w)}" stroke="#222" '
                             f'stroke-width="1.3" fill="none"/>')
        parts.append(f'<text x="{_n(cx)}" y="{_n(height - 8)}" text-anchor="middle" font-size="10">'
                     f"{_t(_clip(str(i + 1), 6))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def profile_chart(title: str, axis_labels: Sequence[str], series: Sequence[Series], *,
                  width: float = 680, height: float = 300) -> str:
    """A profile: one polyline per series over categorical axes (metrics), values in [0, 1]."""
    parts = _open(width, height, title, "profile")
    left, right, top, bottom = 110.0, width - 20, 28.0, height - 80
    plot_h = bottom - top
    _y_axis(parts, left, top, plot_h, right, 0.0, 1.0)
    n = max(1, len(axis_labels))
    step = (right - left) / n

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    for i, label in enumerate(axis_labels):
        x = x_of(i)
        parts.append(f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" stroke="#bbb"/>')
        parts.append(f'<text x="{_n(x)}" y="{_n(bottom + 12)}" text-anchor="end" font-size="10" '
                     f'transform="rotate(-30 {_n(x)} {_n(bottom + 12)})">{_t(_clip(label, 28))}'
                     f"<title>{_t(label)}</title></text>")
    for s in series:
        pts = [(x_of(i), bottom - min(max(v, 0.0), 1.0) * plot_h, v)
               for i, v in enumerate(s.values) if v is not None and math.isfinite(v)]
        if len(pts) > 1:
            d = " ".join(f"{_n(x)},{_n(y)}" for x, y, _ in pts)
            parts.append(f'<polyline class="profile-line" points="{d}" fill="none" stroke="{_t(s.color)}" '
                         f'stroke-width="2" stroke-opacity="0.9"/>')
        for x, y, v in pts:
            parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{_t(s.color)}">'
                         f"<title>{_t(s.label)}: {_t(_fmt(v))}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(title: str, labels: Sequence[str], segments: Sequence[str],
                 counts: Sequence[Sequence[float]], colors: Sequence[str], *, width: float = 640,
                 bar_h: float = 22) -> str:
    """One horizontal bar per label, split into ``segments`` (shares of the row total).

    ``counts[i][j]`` is the count of segment ``j`` in row ``i``; each bar fills the width, and its
    tooltip gives the count and share.
    """
    height = 34 + len(labels) * (bar_h + 10)
    parts = _open(width, height, title, "stacked-bars")
    left, right, top = 60.0, width - 10, 28.0
    for i, label in enumerate(labels):
        y = top + i * (bar_h + 10)
        row = [max(0.0, float(c)) for c in counts[i]]
        total = sum(row)
        parts.append(f'<text x="{_n(left - 6)}" y="{_n(y + bar_h / 2 + 4)}" text-anchor="end" '
                     f'font-size="11">{_t(_clip(label, 10))}</text>')
        if total <= 0:
            parts.append(f'<text x="{_n(left + 4)}" y="{_n(y + bar_h / 2 + 4)}" font-size="10" '
                         f'fill="#888">no scored episode</text>')
            continue
        x = left
        for j, c in enumerate(row):
            if c <= 0:
                continue
            w = (right - left) * c / total
            share = 100 * c / total
            parts.append(f'<rect class="bar segment" x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.5))}" '
                         f'height="{_n(bar_h)}" fill="{_t(colors[j % len(colors)])}">'
                         f"<title>{_t(label)} \u2014 {_t(segments[j])}: {c:g} ({share:.0f}%)</title></rect>")
            if w > 28:
                parts.append(f'<text x="{_n(x + w / 2)}" y="{_n(y + bar_h / 2 + 4)}" text-anchor="middle" '
                             f'font-size="10" fill="#fff">{share:.0f}%</text>')
            x += w
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, series: Sequence[Series], *, x_label: str = "", y_label: str = "",
               x_start: int = 1, width: float = 640, height: float = 240) -> str:
    """Lines over integer x positions (``x_start``, ``x_start + 1``, ...), one per series."""
    parts = _open(width, height, title, "line-chart")
    left, right, top, bottom = 44.0, width - 14, 28.0, height - 34
    plot_h = bottom - top
    n_x = max((len(s.values) for s in series), default=0)
    vals = [v for s in series for v in s.values if v is not None and math.isfinite(v)]
    hi = _nice_max(max(vals, default=1.0))
    _y_axis(parts, left, top, plot_h, right, 0.0, hi)
    step = (right - left) / max(1, n_x - 1) if n_x > 1 else 0.0

    def x_of(i: int) -> float:
        return left + step * i if n_x > 1 else (left + right) / 2

    every = max(1, math.ceil(n_x / 20))
    for i in range(0, n_x, every):
        parts.append(f'<text x="{_n(x_of(i))}" y="{_n(bottom + 14)}" text-anchor="middle" font-size="10">'
                     f"{x_start + i}</text>")
    if x_label:
        parts.append(f'<text x="{_n((left + right) / 2)}" y="{_n(height - 4)}" text-anchor="middle" '
                     f'font-size="10" fill="#555">{_t(x_label)}</text>')
    if y_label:
        parts.append(f'<text x="10" y="{_n((top + bottom) / 2)}" text-anchor="middle" font-size="10" '
                     f'fill="#555" transform="rotate(-90 10 {_n((top + bottom) / 2)})">{_t(y_label)}</text>')
    for s in series:
        pts = [(x_of(i), bottom - min(max(v, 0.0), hi) / hi * plot_h, i, v)
               for i, v in enumerate(s.values) if v is not None and math.isfinite(v)]
        if len(pts) > 1:
            d = " ".join(f"{_n(x)},{_n(y)}" for x, y, _, _ in pts)
            parts.append(f'<polyline class="line" points="{d}" fill="none" stroke="{_t(s.color)}" '
                         f'stroke-width="2"/>')
        for x, y, i, v in pts:
            parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{_t(s.color)}">'
                         f"<title>{_t(s.label)}, {x_start + i}: {_t(_fmt(v))}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def legend(items: Sequence[tuple[str, str]], *, width: float = 640, row_h: float = 18) -> str:
    """A legend: a coloured square and a label per ``(label, color)`` item, one per line."""
    height = 6 + row_h * len(items)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="{_n(width)}" '
             f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" style="{_FONT}">']
    for i, (label, color) in enumerate(items):
        y = 4 + i * row_h
        parts.append(f'<rect x="2" y="{_n(y)}" width="12" height="12" fill="{_t(color)}"/>')
        parts.append(f'<text x="20" y="{_n(y + 10)}" font-size="11">{_t(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
