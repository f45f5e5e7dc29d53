"""Outlier treatment as COINr's ``Treat``: check skew and kurtosis, winsorise, then fall back to a log.

For each indicator (COINr ``Treat.numeric`` with its default functions):

1. ``check_SkewKurt``: an indicator *passes* if |skew| < skew_thresh OR kurtosis < kurt_thresh.
2. If it fails, ``winsorise``: while it fails and fewer than ``winmax`` points are treated, take the
   highest value(s) if skew >= 0 (else the lowest), and give them the next value in from that end.
   Tied extremes move together, so the count of treated points is the size of the last moved set on
   each side, as COINr counts it.
3. If it still fails, ``f2`` (default ``log_CT``) is applied to the *original* values
   (``combine_treat = False``), or to the winsorised ones if ``combine_treat`` is true.

Columns where skew/kurtosis cannot be computed (fewer than 4 values, zero spread) are left untreated,
as COINr does when its check returns NA or errors. Winsorisation runs on all columns together.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import rstats
from .errors import IndexInputError


def check_skew_kurt(x: np.ndarray, skew_thresh: float, kurt_thresh: float):
    """Column-wise pass flag (NaN when undefined), skew and kurtosis."""
    sk, kt = rstats.skew(x), rstats.kurt(x)
    ok = ~(np.isnan(sk) | np.isnan(kt))
    passing = np.where(ok, (np.abs(sk) < skew_thresh) | (kt < kurt_thresh), False)
    return passing, ok, sk, kt


def winsorise(x: np.ndarray, winmax=5, skew_thresh=2.0, kurt_thresh=3.5, force_win=False):
    """Winsorise every column of ``x`` (units x k). Returns (x, nwin, hi_mask, lo_mask, failed)."""
    x = np.array(x, dtype=float, copy=True)
    n, k = x.shape
    nwin = np.zeros(k, dtype=int)
    hi = np.zeros((n, k), dtype=bool)   # last set moved down from the top, per column
    lo = np.zeros((n, k), dtype=bool)
    failed = np.zeros(k, dtype=bool)    # COINr would stop with an error: column left untreated
    limit = np.inf if winmax is None else winmax
    passing, ok, _, _ = check_skew_kurt(x, skew_thresh, kurt_thresh)
    failed |= ~ok & ~passing
    active = (~passing | force_win) & (nwin < limit) & ~failed
    while active.any():
        cols = np.flatnonzero(active)
        xa = x[:, cols]
        sk = rstats.skew(xa)
        up = sk >= 0
        bad = np.isnan(sk)
        with np.errstate(invalid="ignore"):
            ext = np.where(up, np.nanmax(xa, axis=0), np.nanmin(xa, axis=0))
        at = xa == ext[None, :]
        rest = np.where(at, np.nan, xa)
        if np.any(np.all(np.isnan(rest), axis=0)):
            bad |= np.all(np.isnan(rest), axis=0)
            rest = np.where(np.all(np.isnan(rest), axis=0)[None, :], 0.0, rest)
        new = np.where(up, np.nanmax(rest, axis=0), np.nanmin(rest, axis=0))
        xa = np.where(at, new[None, :], xa)
        x[:, cols] = xa
        hi[:, cols] = np.where(up[None, :], at, hi[:, cols])
        lo[:, cols] = np.where(up[None, :], lo[:, cols], at)
        nwin[cols] = hi[:, cols].sum(axis=0) + lo[:, cols].sum(axis=0)
        failed[cols] |= bad
        passing, ok, _, _ = check_skew_kurt(x, skew_thresh, kurt_thresh)
        failed |= ~ok & ~passing & active
        active = active & (~passing | force_win) & (nwin < limit) & ~failed
    return x, nwin, hi, lo, failed


def log_CT(x):
    """log(x - min + 0.01 (max - min)), the 'COIN Tool' log."""
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo)), None


def log_CT_plus(x):
    """log_CT if skew > 0, else -log(max + a - x), a = 0.01 (max - min): reduces |skew| either way."""
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    a = 0.01 * (hi - lo)
    pos = rstats.skew(x) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(pos[None, :], np.log(x - lo + a), -np.log(hi + a - x))
    return y, np.where(pos, "log_CT", "log_CT_neg")


def log_CT_orig(x):
    """log(x - min + 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - np.nanmin(x, axis=0) + 1), None


def boxcox(x, lambda_=1.0, makepos=True):
    """Box-Cox with a fixed lambda, shifting to min 1 first when ``makepos``."""
    if makepos:
        x = x - np.nanmin(x, axis=0) + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(x) if lambda_ == 0 else (x ** lambda_ - 1) / lambda_), None


F2 = {"log_CT": log_CT, "log_CT_plus": log_CT_plus, "log_CT_orig": log_CT_orig, "boxcox": boxcox}


def treat_matrix(x: np.ndarray, codes: list[str], f1="winsorise", winmax=5, skew_thresh=2.0,
                 kurt_thresh=3.5, force_win=False, f2="log_CT", f2_para=None,
                 pass_skew=2.0, pass_kurt=3.5, combine_treat=False, skip=(), report=True):
    """Treat all columns; returns (treated x, details DataFrame, treated-points DataFrame of labels)."""
    if f1 not in ("winsorise", "none", None):
        raise IndexInputError("treat", [f"unknown treatment f1 '{f1}' (expected 'winsorise' or 'none')"])
    if f2 not in (None, "none") and f2 not in F2:
        raise IndexInputError("treat", [f"unknown treatment f2 '{f2}' (expected one of {', '.join(F2)})"])
    n, k = x.shape
    out = np.array(x, dtype=float, copy=True)
    skip_mask = np.array([c in skip for c in codes], dtype=bool)
    pass0, ok0, sk0, kt0 = check_skew_kurt(x, pass_skew, pass_kurt)
    todo = ~pass0 & ok0 & ~skip_mask
    nwin = np.zeros(k, dtype=int)
    labels = np.full((n, k), "", dtype=object)
    pass1 = pass0.astype(float).copy()
    sk1, kt1 = np.full(k, np.nan), np.full(k, np.nan)
    x1 = np.array(x, dtype=float, copy=True)
    if f1 == "winsorise" and todo.any():
        cols = np.flatnonzero(todo)
        xw, nw, hi, lo, failed = winsorise(x[:, cols], winmax, skew_thresh, kurt_thresh, force_win)
        good = ~failed
        x1[:, cols[good]] = xw[:, good]
        nwin[cols[good]] = nw[good]
        if report:
            lab = np.where(hi, "winhi", np.where(lo, "winlo", ""))
            labels[:, cols[good]] = lab[:, good]
        todo[cols[failed]] = False
        p1, _, s1, k1 = check_skew_kurt(x1[:, cols], pass_skew, pass_kurt)
        pass1[cols], sk1[cols], kt1[cols] = p1, s1, k1
    out[:, todo] = x1[:, todo]
    still = todo & ~(pass1.astype(bool))
    pass2, sk2, kt2 = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    f2_used = np.full(k, "", dtype=object)
    if f2 not in (None, "none") and still.any():
        cols = np.flatnonzero(still)
        base = x1[:, cols] if combine_treat else np.array(x[:, cols], dtype=float)
        y, names = F2[f2](base, **(f2_para or {}))
        out[:, cols] = y
        names = np.full(len(cols), f2, dtype=object) if names is None else names.astype(object)
        f2_used[cols] = names
        for j, c in enumerate(cols if report else ()):
            lab = labels[:, c]
            # COINr pastes the two labels with "+" (so untouched points read "+log_CT")
            labels[:, c] = np.array([f"{a}+{names[j]}" for a in lab], dtype=object)
        p2, _, s2, k2 = check_skew_kurt(out[:, cols], pass_skew, pass_kurt)
        pass2[cols], sk2[cols], kt2[cols] = p2, s2, k2
    if not report:
        return out, None, None
    details = pd.DataFrame({
        "iCode": codes, "Pass0": np.where(ok0, pass0, np.nan), "Skew0": sk0, "Kurt0": kt0,
        "nwin": nwin, "Pass1": np.where(todo | (f2_used != ""), pass1, np.nan), "Skew1": sk1,
        "Kurt1": kt1, "f2": f2_used, "Pass2": pass2, "Skew2": sk2, "Kurt2": kt2,
        "Treated": [("winsorise" if nwin[j] else "") + ("+" if nwin[j] and f2_used[j] else "") +
                    str(f2_used[j]) for j in range(k)],
    })
    return out, details, pd.DataFrame(labels, columns=codes)
