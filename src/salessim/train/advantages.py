"""GRPO advantages of a batch of groups, written out in numpy: the definition UserGRPO relies on.

TRL computes advantages inside ``GRPOTrainer``; this module restates its two multi-objective
aggregations so they can be read, tested and reported (the tests check TRL's own numbers against
these and against hand-computed values). ``rewards`` has shape (N, K): N = groups x G completions
(the G completions of a group are consecutive), K objectives; NaN = the objective does not apply.
``std`` is the sample standard deviation (n - 1), NaNs ignored, and ``eps`` = 1e-4 as in TRL.

- ``sum_then_normalize`` (``scale_rewards="group"``): r_i = sum_k w_k r_ik (NaN terms skipped);
  A_i = (r_i - mean_group(r)) / (std_group(r) + eps).
- ``normalize_then_sum``: z_ik = (r_ik - mean_group(r_k)) / (std_group(r_k) + eps);
  s_i = sum_k w_k z_ik (NaN terms skipped); A_i = (s_i - mean_batch(s)) / (std_batch(s) + eps).
  Each objective counts by its weight whatever its raw scale; an objective that does not vary in a
  group contributes nothing there.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = ["group_advantages"]

EPS = 1e-4


def _nanstd(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    n = np.sum(~np.isnan(x), axis=axis, keepdims=keepdims)
    mean = np.nanmean(x, axis=axis, keepdims=True)
    var = np.nanmean((x - mean) ** 2, axis=axis, keepdims=keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(var * n / (n - 1))


def group_advantages(rewards: Sequence[Sequence[float | None]], weights: Sequence[float], num_generations: int,
                     aggregation: Literal["sum_then_normalize", "normalize_then_sum"] = "normalize_then_sum",
                     scale: bool = True) -> np.ndarray:
    """Advantages (N,) of ``rewards`` (N, K) as described in the module docstring."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups: "mean of empty slice"
        return _advantages(rewards, weights, num_generations, aggregation, scale)


def _advantages(rewards, weights, num_generations: int, aggregation: str, scale: bool) -> np.ndarray:
    r = np.array([[np.nan if v is None else float(v) for v in row] for row in rewards], dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n, k = r.shape
    if n % num_generations:
        raise ValueError(f"{n} completions are not whole groups of {num_generations}")
    if aggregation == "sum_then_normalize":
        total = np.nansum(r * w[None, :], axis=1)
        total[np.isnan(r).all(axis=1)] = np.nan
        grouped = total.reshape(-1, num_generations)
        mean = np.repeat(np.nanmean(grouped, axis=1), num_generations)
        std = np.repeat(_nanstd(grouped, axis=1), num_generations)
        adv = total - mean
        if scale:
            adv = adv / (std + EPS)
    elif aggregation == "normalize_then_sum":
        grouped = r.reshape(-1, num_generations, k)
        mean = np.nanmean(grouped, axis=1, keepdims=True)
        std = _nanstd(grouped, axis=1, keepdims=True)
        z = ((grouped - mean) / (std + EPS)).reshape(n, k)
        total = np.nansum(z * w[None, :], axis=1)
        total[np.isnan(r).all(axis=1)] = np.nan
        adv = (total - np.nanmean(total)) / (_nanstd(total) + EPS)
    else:
        raise ValueError(f"unknown aggregation {aggregation!r}: use sum_then_normalize or normalize_then_sum")
    return np.nan_to_num(adv, nan=0.0)
