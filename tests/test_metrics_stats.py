"""Tests of the bootstrap intervals and group means."""

from __future__ import annotations

import math

import numpy as np
import pytest

from salessim.metrics.stats import (
    Interval,
    bootstrap_ci,
    bootstrap_diff_ci,
    group_means,
)


def sample(n: int, seed: int = 0) -> list[float]:
    return list(np.random.default_rng(seed).normal(10.0, 2.0, size=n))


# ---------------------------------------------------------------------------------------------
# bootstrap_ci
# ---------------------------------------------------------------------------------------------


def test_ci_contains_mean_and_is_ordered():
    values = sample(50)
    mean, low, high = bootstrap_ci(values)
    assert mean == pytest.approx(float(np.mean(values)))
    assert low < mean < high
    # a 95% interval of the mean of N(10, 2), n = 50: half-width about 1.96 * 2 / sqrt(50) = 0.55
    assert (high - low) / 2 == pytest.approx(1.96 * np.std(values, ddof=1) / math.sqrt(50), rel=0.2)


def test_ci_width_shrinks_with_n():
    widths = []
    for n in (20, 200, 2000):
        values = sample(n, seed=1)
        _, low, high = bootstrap_ci(values)
        widths.append(high - low)
        # about the normal-theory width 2 * 1.96 * sd / sqrt(n)
        assert high - low == pytest.approx(2 * 1.96 * np.std(values, ddof=1) / math.sqrt(n), rel=0.2)
    assert widths[0] > widths[1] > widths[2]


def test_ci_deterministic_for_seed():
    values = sample(30, seed=2)
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)


def test_ci_alpha_and_returns_named_tuple():
    values = sample(40, seed=5)
    ci95 = bootstrap_ci(values, alpha=0.05)
    ci50 = bootstrap_ci(values, alpha=0.5)
    assert isinstance(ci95, Interval) and isinstance(ci95.low, float)
    assert ci95.low < ci50.low < ci50.high < ci95.high


def test_ci_edge_cases():
    assert all(math.isnan(x) for x in bootstrap_ci([]))
    assert all(math.isnan(x) for x in bootstrap_ci([None, float("nan")]))
    assert bootstrap_ci([3.5]) == (3.5, 3.5, 3.5)
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    # None and NaN are left out; bools count as 0/1 (a rate)
    assert bootstrap_ci([1.0, None, 3.0, float("nan")]).mean == pytest.approx(2.0)
    assert bootstrap_ci([True, False, True, True]).mean == pytest.approx(0.75)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], n_boot=0)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0], alpha=1.5)


def test_ci_large_input_is_chunked_and_fast():
    values = sample(20_000, seed=6)
    mean, low, high = bootstrap_ci(values, n_boot=500)
    assert low < mean < high and high - low < 0.1


# ---------------------------------------------------------------------------------------------
# bootstrap_diff_ci
# ---------------------------------------------------------------------------------------------


def test_paired_diff_of_identical_arrays_is_zero():
    values = sample(25, seed=7)
    assert bootstrap_diff_ci(values, values, paired=True) == (0.0, 0.0, 0.0)


def test_paired_diff_detects_small_shift_that_unpaired_misses():
    # large persona-to-persona spread, small consistent improvement
    base = list(np.random.default_rng(8).normal(0.0, 5.0, size=40))
    shift = np.random.default_rng(9).normal(0.5, 0.2, size=40)
    better = list(np.asarray(base) + shift)
    diff, low, high = bootstrap_diff_ci(better, base, paired=True)
    assert diff == pytest.approx(float(np.mean(shift)))
    assert 0 < low < diff < high
    _, ulow, uhigh = bootstrap_diff_ci(better, base, paired=False)
    assert ulow < 0 < uhigh  # the spread hides it without pairing
    assert uhigh - ulow > 10 * (high - low)


def test_paired_by_key_and_missing_values():
    a = {"p1": 1.0, "p2": 2.0, "p3": None, "p4": 5.0}
    b = {"p2": 1.0, "p1": 0.0, "p3": 3.0, "p5": 9.0}
    # common keys p1, p2, p3; p3 dropped (None): differences 1.0 and 1.0
    assert bootstrap_diff_ci(a, b, paired=True) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="equal lengths"):
        bootstrap_diff_ci([1.0, 2.0], [1.0], paired=True)
    with pytest.raises(TypeError):
        bootstrap_diff_ci(a, [1.0], paired=True)


def test_unpaired_diff():
    a, b = sample(60, seed=10), sample(80, seed=11)
    diff, low, high = bootstrap_diff_ci(a, b, paired=False, seed=1)
    assert diff == pytest.approx(float(np.mean(a) - np.mean(b)))
    assert low < diff < high
    assert bootstrap_diff_ci(a, b, paired=False, seed=1) == (diff, low, high)
    shifted = [x + 5.0 for x in b]
    d2, l2, h2 = bootstrap_diff_ci(shifted, a, paired=False)
    assert l2 > 0 and d2 == pytest.approx(5.0 + np.mean(b) - np.mean(a))
    # mappings are accepted (their values), sides may differ in size
    assert bootstrap_diff_ci({"x": 2.0}, {"y": 1.0, "z": 1.0}, paired=False) == (1.0, 1.0, 1.0)
    assert all(math.isnan(x) for x in bootstrap_diff_ci([], [1.0], paired=False))
    assert all(math.isnan(x) for x in bootstrap_diff_ci([None], [1.0], paired=True))


# ---------------------------------------------------------------------------------------------
# group_means
# ---------------------------------------------------------------------------------------------


def test_group_means_mappings():
    records = [
        {"archetype": "student", "alignment": 1, "mtld": 50.0, "bought": True, "name": "a"},
        {"archetype": "student", "alignment": 0, "mtld": None, "bought": False, "name": "b"},
        {"archetype": "retiree", "alignment": 1, "mtld": 70.0, "bought": True, "name": "c"},
        {"archetype": "retiree", "alignment": 1, "mtld": float("nan"), "name": "d"},
    ]
    out = group_means(records, "archetype")
    assert list(out) == ["retiree", "student"]
    assert out["student"] == {"n": 2, "alignment": 0.5, "mtld": 50.0, "bought": 0.5}
    assert out["retiree"] == {"n": 2, "alignment": 1.0, "mtld": 70.0, "bought": 1.0}
    only = group_means(records, lambda r: r["name"] in "ab", fields=["alignment"])
    assert only == {False: {"n": 2, "alignment": 1.0}, True: {"n": 2, "alignment": 0.5}}
    assert math.isnan(group_means([{"g": 1, "x": None}], "g", fields=["x"])[1]["x"])
    with pytest.raises(ValueError, match="reserved"):
        group_means([{"g": 1, "n": 3}], "g")


def test_group_means_objects():
    class Row:
        def __init__(self, persona: str, value: float):
            self.persona = persona
            self.value = value

    out = group_means([Row("p1", 1.0), Row("p1", 3.0), Row("p2", 4.0)], "persona")
    assert out == {"p1": {"n": 2, "value": 2.0}, "p2": {"n": 1, "value": 4.0}}
    assert group_means([], "persona") == {}
