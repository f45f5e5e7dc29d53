"""The bar a unit must pass, decided for every row of a score matrix at once.

Scores are plain arrays of shape (replications x units): the nominal run is a one-row matrix and a
Monte Carlo analysis stacks its replications, so both are decided by the same code. Two kinds of bar:

* a **quota**: the ``k`` best units of each row pass, units tied with the ``k``-th best score
  included; with ``k`` at least the number of units, every unit with a score passes;
* a **share of a reference**: a unit passes when its score divided by the row's reference reaches
  the share. Ratios are compared rounded to ``PRECISION`` decimals, so a unit exactly at the bar
  stays at it whatever the floating-point sum behind the reference; a zero reference gives 0.

A missing score (NaN) never passes.
"""
from __future__ import annotations

import warnings

import numpy as np

PRECISION = 9  # decimals kept when a ratio is compared with a share


def quota_pass(scores: np.ndarray, k: int) -> np.ndarray:
    """Bool array of ``scores``' shape: the ``k`` best of each row, ties with the ``k``-th included."""
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    k = int(k)
    if k <= 0:
        return np.zeros(s.shape, dtype=bool)
    if k >= s.shape[1]:
        return ~np.isnan(s)
    bar = -np.sort(-s, axis=1)[:, k - 1:k]   # NaN sorts last: the k-th best of the scores present
    return s >= bar


def ratio(scores: np.ndarray, reference) -> np.ndarray:
    """``scores / reference`` rounded to ``PRECISION`` decimals (0 where the reference is 0);
    ``reference`` is a number or one value per row (shape (replications, 1))."""
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    ref = np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ref != 0, np.round(s / ref, PRECISION), 0.0)


def share_pass(ratios: np.ndarray, share: float) -> np.ndarray:
    """Bool array: the ratio reaches ``share`` (both compared at ``PRECISION`` decimals)."""
    return np.asarray(ratios) >= round(float(share), PRECISION)


def mean_reference(scores: np.ndarray) -> np.ndarray:
    """Each row's mean score, shape (replications, 1), missing scores left out."""
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a row without any score: NaN, said once
        return np.nanmean(s, axis=1, keepdims=True)
