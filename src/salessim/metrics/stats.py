"""Uncertainty and aggregation helpers for metric values: bootstrap intervals and group means.

Pure numpy. Values that are ``None`` or NaN (a metric that did not apply to an episode) are
left out everywhere, so per-episode ``MetricResult.value`` lists can be passed as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Interval", "bootstrap_ci", "bootstrap_diff_ci", "group_means"]

# Upper bound on the resample index matrix built at once (n_boot rows x n values), in cells.
_CHUNK_CELLS = 2_000_000


class Interval(NamedTuple):
    """A point estimate with a confidence interval: ``(mean, low, high)``, in the value's units."""

    mean: float
    low: float
    high: float


_NAN_INTERVAL = Interval(math.nan, math.nan, math.nan)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, str)


def _clean(values: Iterable[Any]) -> np.ndarray:
    """Float array of ``values`` without None and NaN."""
    kept = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    arr = np.asarray(kept, dtype=np.float64)
    return arr[~np.isnan(arr)]


def _check(n_boot: int, alpha: float) -> None:
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r} (0.05 gives a 95% interval)")


def _boot_means(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement, size len(x)) of ``x``, vectorised in chunks."""
    n = x.size
    out = np.empty(n_boot, dtype=np.float64)
    rows = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_boot, rows):
        stop = min(n_boot, start + rows)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = x[idx].mean(axis=1)
    return out


def _percentiles(stat: np.ndarray, alpha: float) -> tuple[float, float]:
    low, high = np.quantile(stat, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def bootstrap_ci(values: Iterable[Any], n_boot: int = 2000, alpha: float = 0.05, seed: int = 0) -> Interval:
    """Mean of ``values`` with a percentile-bootstrap ``1 - alpha`` confidence interval.

    Definition. With the n values kept (None and NaN dropped), draw ``n_boot`` resamples of size
    n with replacement (``numpy.random.default_rng(seed)``), take each resample's mean, and
    return ``(mean, low, high)`` = (sample mean, the ``alpha/2`` quantile, the ``1 - alpha/2``
    quantile of the resample means; numpy's linear quantile interpolation). Units: those of the
    values (a rate for 0/1 values).

    Edge cases: no values -> ``(nan, nan, nan)``; one value v -> ``(v, v, v)`` (a zero-width
    interval: with one observation the bootstrap has nothing to vary; read it as "unknown
    spread", not as certainty). Deterministic for a given ``seed``.
    """
    _check(n_boot, alpha)
    x = _clean(values)
    if x.size == 0:
        return _NAN_INTERVAL
    mean = float(x.mean())
    if x.size == 1:
        return Interval(mean, mean, mean)
    rng = np.random.default_rng(seed)
    low, high = _percentiles(_boot_means(x, n_boot, rng), alpha)
    return Interval(mean, low, high)


def _paired_differences(a: Any, b: Any) -> np.ndarray:
    """a_i - b_i over aligned pairs (by key for two mappings, by position otherwise)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        pairs = [(a[k], b[k]) for k in a if k in b]
    elif isinstance(a, Mapping) or isinstance(b, Mapping):
        raise TypeError(
            "paired bootstrap: pass two mappings (paired by key) or two sequences, not one of each"
        )
    else:
        a_list, b_list = list(a), list(b)
        if len(a_list) != len(b_list):
            raise ValueError(
                f"paired bootstrap needs equal lengths, got {len(a_list)} and {len(b_list)}; "
                "pass dicts keyed by persona/episode id to pair by key, or use paired=False"
            )
        pairs = list(zip(a_list, b_list))
    diffs = []
    for va, vb in pairs:
        if va is None or vb is None:
            continue
        d = float(va) - float(vb)
        if not math.isnan(d):
            diffs.append(d)
    return np.asarray(diffs, dtype=np.float64)


def bootstrap_diff_ci(
    a: Sequence[Any] | Mapping[Any, Any],
    b: Sequence[Any] | Mapping[Any, Any],
    paired: bool,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Interval:
    """Difference of means ``mean(a) - mean(b)`` with a percentile-bootstrap interval.

    Definition.

    - ``paired=True`` (the two runs share personas/episodes): values are aligned -- by key when
      ``a`` and ``b`` are both mappings (e.g. ``{persona_id: value}``, keys present in both, in
      ``a``'s order), else by position (equal lengths required). A pair with None/NaN on either
      side is dropped. With d_i = a_i - b_i, the result is ``bootstrap_ci(d)``: resample pairs,
      so persona-to-persona variation cancels.
    - ``paired=False``: ``a`` and ``b`` (mappings: their values) are cleaned separately and
      resampled independently (each with replacement, at its own size) ``n_boot`` times; the
      statistic is ``mean(a*) - mean(b*)``.

    Returns ``(diff, low, high)`` with diff = the observed difference of means and low/high the
    ``alpha/2`` and ``1 - alpha/2`` quantiles of the resampled differences. Units: those of the
    values. An interval that excludes 0 means a difference at level ``alpha``. Empty input (no
    pair, or an empty side) -> ``(nan, nan, nan)``. Identical paired inputs give ``(0, 0, 0)``.
    Deterministic for a given ``seed``.
    """
    _check(n_boot, alpha)
    if paired:
        return bootstrap_ci(_paired_differences(a, b), n_boot=n_boot, alpha=alpha, seed=seed)
    xa = _clean(a.values() if isinstance(a, Mapping) else a)
    xb = _clean(b.values() if isinstance(b, Mapping) else b)
    if xa.size == 0 or xb.size == 0:
        return _NAN_INTERVAL
    diff = float(xa.mean() - xb.mean())
    rng = np.random.default_rng(seed)
    boot = _boot_means(xa, n_boot, rng) - _boot_means(xb, n_boot, rng)
    low, high = _percentiles(boot, alpha)
    return Interval(diff, low, high)


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def group_means(
    records: Iterable[Any],
    key: str | Callable[[Any], Any],
    fields: Sequence[str] | None = None,
) -> dict[Any, dict[str, float]]:
    """Per-group means of numeric fields: ``{group: {"n": count, field: mean, ...}}``.

    Definition. ``records`` are mappings or objects (fields read with ``[]`` / ``getattr``);
    ``key`` is a field name or a function giving each record's group. For each group, ``"n"`` is
    its number of records and each field's value is the mean of that field over the group's
    records where it is a number (bool counts as 0/1, so the mean of a bool field is a rate;
    None/NaN/missing are left out; ``nan`` when no record of the group has a number there).
    ``fields`` defaults to every field holding a number in some record, in first-seen order
    (the key field excluded). Groups come out sorted (by ``str`` of the group); records whose
    group is None form the group ``None``. ``"n"`` is reserved and may not be a field name.
    """
    records = list(records)
    get_key: Callable[[Any], Any] = key if callable(key) else partial(_field, name=key)
    if fields is None:
        seen: dict[str, None] = {}
        for r in records:
            items = r.items() if isinstance(r, Mapping) else vars(r).items() if hasattr(r, "__dict__") else ()
            for name, v in items:
                if name != key and _is_number(v):
                    seen.setdefault(name, None)
        fields = list(seen)
    if "n" in fields:
        raise ValueError('group_means: "n" is reserved for the group size; rename that field')
    sums: dict[Any, dict[str, list[float]]] = {}
    counts: dict[Any, int] = {}
    for r in records:
        g = get_key(r)
        counts[g] = counts.get(g, 0) + 1
        acc = sums.setdefault(g, {f: [0.0, 0.0] for f in fields})
        for f in fields:
            v = _field(r, f)
            if _is_number(v) and not math.isnan(float(v)):
                acc[f][0] += float(v)
                acc[f][1] += 1.0
    out: dict[Any, dict[str, float]] = {}
    for g in sorted(counts, key=str):
        row: dict[str, float] = {"n": counts[g]}
        for f in fields:
            total, k = sums[g][f]
            row[f] = total / k if k else math.nan
        out[g] = row
    return out
