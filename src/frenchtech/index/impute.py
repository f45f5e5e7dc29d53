"""Imputation of missing values, as COINr's ``i_*`` functions, column by column.

``i_mean`` / ``i_median`` fill with the indicator's mean / median; ``i_mean_grp`` / ``i_median_grp``
with the mean / median of the unit's group (a group column of iData such as ``EurAsia_group``), values
of units without a group being left as they are. For panel data (several ``Time`` values per unit),
``latest`` carries the last earlier observation forward and ``linear`` interpolates between
observations (carrying the nearest one at the ends), both within each unit's own series.
"""
from __future__ import annotations

import warnings

import numpy as np

from .errors import IndexInputError

CROSS_SECTION = ("i_mean", "i_median", "i_mean_grp", "i_median_grp", "none")
PANEL = ("latest", "linear")


def _fill(x, stat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        v = stat(x, axis=0)
    return np.where(np.isnan(x), v[None, :], x)


def impute_matrix(x: np.ndarray, f_i: str = "i_mean", groups=None) -> np.ndarray:
    """Impute every column of ``x``; ``groups`` is required by the ``*_grp`` methods."""
    if f_i not in CROSS_SECTION:
        raise IndexInputError("impute", [f"unknown imputation method '{f_i}' "
                                         f"(expected one of {', '.join(CROSS_SECTION + PANEL)})"])
    if f_i == "none":
        return x.copy()
    stat = np.nanmean if f_i.startswith("i_mean") else np.nanmedian
    if not f_i.endswith("_grp"):
        return _fill(x, stat)
    if groups is None:
        raise IndexInputError("impute", [f"{f_i} needs use_group (a group column of iData)"])
    groups = np.asarray(groups, dtype=object)
    out = x.copy()
    has = np.array([g is not None and g == g for g in groups])  # g == g is False for NaN
    for g in dict.fromkeys(groups[has]):
        rows = np.flatnonzero(groups == g)
        out[rows] = _fill(x[rows], stat)
    return out


def impute_panel(values: np.ndarray, unit_ids, times, f_i: str = "latest", max_time=None) -> np.ndarray:
    """Impute panel rows (one row per unit and time) along time, unit by unit."""
    if f_i not in PANEL:
        raise IndexInputError("impute", [f"unknown panel imputation '{f_i}' (expected latest or linear)"])
    out = values.copy()
    unit_ids, times = np.asarray(unit_ids), np.asarray(times, dtype=float)
    for u in dict.fromkeys(unit_ids):
        rows = np.flatnonzero(unit_ids == u)
        rows = rows[np.argsort(times[rows], kind="stable")]
        t = times[rows]
        for j in range(values.shape[1]):
            v = values[rows, j]
            ok = ~np.isnan(v)
            if ok.all() or not ok.any():
                continue
            if f_i == "linear":
                filled = np.interp(t, t[ok], v[ok])
            else:
                idx = np.maximum.accumulate(np.where(ok, np.arange(len(v)), -1))
                filled = np.where(idx >= 0, v[np.maximum(idx, 0)], np.nan)
                if max_time is not None:
                    gap = t - np.where(idx >= 0, t[np.maximum(idx, 0)], np.nan)
                    filled = np.where(gap > max_time, np.nan, filled)
            out[rows, j] = np.where(ok, v, filled)
    return out
