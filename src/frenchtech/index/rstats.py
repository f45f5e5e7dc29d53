"""Statistics with R's conventions, so that results agree with COINr to rounding error.

COINr is written in R; where R and numpy disagree by default we follow R:
``sd`` and ``var`` divide by n-1, ``rank`` keeps ties with ``ties.method="min"`` and leaves NA as NA,
``quantile`` is R's type 7 (numpy's "linear"), skewness and kurtosis are e1071's type 2 (Excel's),
which COINr copies in ``skew()`` and ``kurt()``.
All column-wise functions work on 2-D arrays (units x columns) and skip NaN, as ``na.rm = TRUE``.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np

# NumPy warns when a column has no value at all; R answers NA silently, and so do we (NaN).
EMPTY_COLUMN = r"Mean of empty slice|All-NaN slice encountered|Degrees of freedom <= 0"


@contextmanager
def empty_columns_give_nan():
    """NaN for a column without any value, without NumPy's warning (R's NA, as COINr gets)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=EMPTY_COLUMN, category=RuntimeWarning)
        yield


def sd(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sample standard deviation (n-1), NaN skipped."""
    with empty_columns_give_nan():
        return np.nanstd(x, axis=axis, ddof=1)


def skew(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Skewness, e1071 type 2: sqrt(n) m3 / m2^1.5 * sqrt(n(n-1))/(n-2); NaN where n < 3."""
    x = np.asarray(x, dtype=float)
    n = np.sum(~np.isnan(x), axis=axis)
    with empty_columns_give_nan():
        d = x - np.nanmean(x, axis=axis, keepdims=True)
    s2 = np.nansum(d * d, axis=axis)
    s3 = np.nansum(d * d * d, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.sqrt(n) * s3 / s2 ** 1.5
        y = y * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    return np.where(n >= 3, y, np.nan)


def kurt(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Excess kurtosis, e1071 type 2: ((n+1)(r-3)+6)(n-1)/((n-2)(n-3)), r = n m4/m2^2; NaN if n < 4."""
    x = np.asarray(x, dtype=float)
    n = np.sum(~np.isnan(x), axis=axis)
    with empty_columns_give_nan():
        d = x - np.nanmean(x, axis=axis, keepdims=True)
    d2 = d * d
    s2 = np.nansum(d2, axis=axis)
    s4 = np.nansum(d2 * d2, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n * s4 / (s2 * s2)
        y = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 4, y, np.nan)


def rank_min(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """R's ``rank(x, ties.method = "min", na.last = "keep")`` along ``axis``: smallest value gets 1."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return rank_min(x[:, None], axis=0)[:, 0]
    if axis != 0:
        return np.swapaxes(rank_min(np.swapaxes(x, 0, axis), axis=0), 0, axis)
    nan = np.isnan(x)
    filled = np.where(nan, np.inf, x)
    order = np.argsort(filled, axis=0, kind="stable")
    srt = np.take_along_axis(filled, order, axis=0)
    n = x.shape[0]
    pos = np.arange(1, n + 1, dtype=float).reshape((n,) + (1,) * (x.ndim - 1))
    pos = np.broadcast_to(pos, srt.shape)
    # a tie takes the position of the first of its run: carry that position forward
    new_run = np.ones(srt.shape, dtype=bool)
    new_run[1:] = srt[1:] != srt[:-1]
    first = np.where(new_run, pos, 0.0)
    first = np.maximum.accumulate(first, axis=0)
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=0)
    ranks[nan] = np.nan
    return ranks


def rank_desc(scores: np.ndarray, axis: int = 0) -> np.ndarray:
    """Ranks of scores with the highest score first (COINr's ``rank(-x, ties.method = "min")``)."""
    return rank_min(-np.asarray(scores, dtype=float), axis=axis)


def quantile(x: np.ndarray, q, axis: int = 0) -> np.ndarray:
    """R's default quantile (type 7), NaN skipped."""
    return np.nanquantile(x, q, axis=axis, method="linear")


def r_cut_index(u: np.ndarray, n_alt: int) -> np.ndarray:
    """Index (0-based) R's ``cut(u, n_alt)`` gives each sample: equal bins over the range of ``u``.

    COINr maps uniform samples to discrete alternatives this way; the outer breaks are pushed out by
    range/1000 as R does, so the smallest and largest samples fall inside the first and last bins.
    """
    u = np.asarray(u, dtype=float)
    if n_alt == 1:
        return np.zeros(u.shape, dtype=int)
    lo, hi = float(np.min(u)), float(np.max(u))
    dx = hi - lo
    if dx == 0:
        dx = abs(lo) or 1.0
        lo, hi = lo - dx / 1000, hi + dx / 1000
        breaks = np.linspace(lo, hi, n_alt + 1)
    else:
        breaks = np.linspace(lo, hi, n_alt + 1)
        breaks[0], breaks[-1] = lo - dx / 1000, hi + dx / 1000
    # intervals are (a, b], right-closed as in R
    idx = np.searchsorted(breaks, u, side="left") - 1
    return np.clip(idx, 0, n_alt - 1)
