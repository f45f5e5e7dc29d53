"""Aggregation up the framework, level by level, with COINr's ``a_*`` definitions.

Each aggregate combines its children (indicators at level 2, aggregates above) with their weights:

* ``a_amean``  sum(w x)/sum(w) over the children with data (weights renormalised over them);
* ``a_gmean``  exp(sum(w log x)/sum(w)) over available children; zero or negative values are an error;
* ``a_hmean``  sum(w)/sum(w/x) over available children; zeros are an error;
* ``a_genmean`` (sum(w x^p)/sum(w))^(1/p): as in COINr, any missing child gives a missing score;
* ``a_copeland`` Copeland score from the weighted outranking matrix of all units (uses all rows at once).

A unit whose share of available children is below ``dat_thresh`` gets no score (not for Copeland).
The engine works on a *replication axis*: values are arrays (R, units) and weights (R, nodes), so one
call aggregates R weight sets or methods at once — the uncertainty analysis relies on this.
Children are summed one after the other, so a replication gives the same bits whatever R is.
"""
from __future__ import annotations

import numpy as np

from .errors import IndexInputError
from .framework import Framework

FUNCTIONS = ("a_amean", "a_gmean", "a_hmean", "a_genmean", "a_copeland")


class AggregationFailure(Exception):
    """Raised in strict mode; carries the message naming the aggregate and unit."""


def _weighted_sum(C, W, f=None):
    """sum(w f(x)) and sum(w) over the children with data, and the count of those children.
    Without missing values the masks are skipped; the sums are the same, bit for bit."""
    if not any(np.isnan(c).any() for c in C):
        # in place: the same sums in the same order, without a temporary array per child
        num = np.multiply(f(C[0]) if f else C[0], W[0])
        tmp = np.empty_like(num)
        for c, w in zip(C[1:], W[1:]):
            np.multiply(f(c) if f else c, w, out=tmp)
            num += tmp
        den = sum(W[1:], W[0])
        return num, den, len(C)
    num = den = cnt = 0
    for c, w in zip(C, W):
        m = ~np.isnan(c)
        v = f(np.where(m, c, 1.0)) if f else c
        num = num + np.where(m, v * w, 0.0)
        den = den + np.where(m, w, 0.0)
        cnt = cnt + m
    return num, den, cnt


def _finish(num, den, cnt):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = num / den
    return (y if np.isscalar(cnt) or np.ndim(cnt) == 0 else np.where(cnt > 0, y, np.nan)), cnt


def _amean(C, W, para, bad):
    return _finish(*_weighted_sum(C, W))


def _gmean(C, W, para, bad):
    for c in C:
        with np.errstate(invalid="ignore"):
            bad |= c <= 0
    if bad.any():
        return np.full(bad.shape, np.nan), len(C)
    num, den, cnt = _weighted_sum(C, W, np.log)
    y, cnt = _finish(num, den, cnt)
    with np.errstate(over="ignore"):   # weights of mixed signs summing near 0 (PCA): Inf, as R gives
        return np.exp(y), cnt


def _hmean(C, W, para, bad):
    for c in C:
        bad |= c == 0
    if bad.any():
        return np.full(bad.shape, np.nan), len(C)
    inv, den, cnt = _weighted_sum(C, W, np.reciprocal)
    y, cnt = _finish(den * np.ones_like(inv), inv, cnt)
    return y, cnt


def _genmean(C, W, para, bad):
    p = para.get("p")
    if p is None or p == 0:
        raise IndexInputError("aggregate", [f"a_genmean needs a non-zero p (got {p!r}); "
                                            "p = 0 is the geometric mean: use a_gmean"])
    num = den = cnt = 0
    anyna = False
    for c, w in zip(C, W):
        m = ~np.isnan(c)
        if p < 0:
            bad |= m & (c <= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            num = num + w * np.power(c, p)
        den = den + w
        cnt = cnt + m
        anyna = anyna | ~m
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.power(num / den, 1.0 / p)
    return np.where(anyna, np.nan, y), cnt


def _copeland(C, W, para, bad):
    X = np.stack(np.broadcast_arrays(*C), axis=-1)          # (R, u, k)
    Wk = np.stack(np.broadcast_arrays(*W), axis=-1)[:, 0, :]  # (R, k)
    with np.errstate(invalid="ignore", divide="ignore"):   # every weight 0 (a child left out): NaN, as R's NA
        Wk = Wk / np.nansum(Wk, axis=-1, keepdims=True)
    R = max(X.shape[0], Wk.shape[0])   # shared children with R weight sets: R outranking matrices
    X = np.broadcast_to(X, (R,) + X.shape[1:])
    Wk = np.broadcast_to(Wk, (R, Wk.shape[1]))
    u = X.shape[1]
    out = np.empty((R, u))
    upper = np.triu(np.ones((u, u), dtype=bool), 1)
    for r in range(R):  # the outranking matrix is units x units: one replication at a time
        xi, xj = X[r][:, None, :], X[r][None, :, :]
        with np.errstate(invalid="ignore"):
            s = (xi > xj) @ Wk[r] + (xi == xj) @ Wk[r] / 2
        orm = np.where(upper, s, 0.0)
        orm = orm + np.where(upper.T, 1 - s.T, 0.0)
        sc = np.sign(orm - 0.5)
        np.fill_diagonal(sc, 0.0)
        out[r] = sc.sum(axis=1)
    return out, np.full((R, u), len(C))


IMPL = {"a_amean": _amean, "a_gmean": _gmean, "a_hmean": _hmean, "a_genmean": _genmean,
        "a_copeland": _copeland}


def resolve_per_parent(fw: Framework, value, default, name: str) -> dict[str, object]:
    """Spread a setting over every aggregate: one value, a list by level (2, 3, ...), or a dict whose
    keys are levels ("2", "L2", "Level2"), aggregate codes or "default"."""
    out = {p: default for p in fw.aggregates}
    if value is None:
        return out
    if isinstance(value, (list, tuple)) and not (name == "w"):
        if len(value) != fw.nlev - 1:
            raise IndexInputError("aggregate", [f"{name} has {len(value)} entries; the framework has "
                                                f"{fw.nlev - 1} aggregation levels"])
        for lev, v in zip(range(2, fw.nlev + 1), value):
            for p in fw.parents_by_level[lev]:
                out[p] = v
        return out
    if isinstance(value, dict) and value and all(_is_target(fw, k) for k in value):
        for k, v in value.items():
            if str(k).lower() in ("default", "defaults"):
                out = {p: v for p in out}
        for k, v in value.items():
            lev = _level_key(fw, k)
            if lev is not None:
                for p in fw.parents_by_level[lev]:
                    out[p] = v
        for k, v in value.items():
            if k in out:
                out[k] = v
        return out
    if isinstance(value, dict) and name == "f_ag_para":
        return {p: value for p in out}
    if isinstance(value, dict):
        bad = [k for k in value if not _is_target(fw, k)]
        raise IndexInputError("aggregate", [f"{name}: '{k}' is neither a level nor an aggregate" for k in bad])
    return {p: value for p in out}


def _level_key(fw, k):
    s = str(k)
    for pre in ("Level", "level", "L", "l"):
        if s.startswith(pre) and s[len(pre):].isdigit():
            s = s[len(pre):]
    if s.isdigit() and 2 <= int(s) <= fw.nlev:
        return int(s)
    return None


def _is_target(fw, k):
    return str(k).lower() in ("default", "defaults") or _level_key(fw, k) is not None or k in fw.children


def aggregate_levels(fw: Framework, X: np.ndarray, W: np.ndarray, f_ag: dict[str, str],
                     f_ag_para: dict[str, dict], dat_thresh: dict[str, float | None],
                     units=None, strict: bool = True, upto: int | None = None,
                     keep: list[str] | None = None):
    """Aggregate indicator values X (units, n_ind) or (R, units, n_ind) with weights W (R, n_nodes).

    Nodes are ``fw.indicators + fw.aggregates``. Returns (scores (R, units, n_aggregates), failed (R,)):
    a replication *fails* (all its scores NaN) where COINr would stop with an error; in strict mode
    the error is raised instead, naming the aggregate and the unit.
    """
    W = np.atleast_2d(np.asarray(W, dtype=float))
    R = W.shape[0]
    X = np.asarray(X, dtype=float)
    nodes = fw.indicators + fw.aggregates
    pos = {c: i for i, c in enumerate(nodes)}
    vals: dict[str, np.ndarray] = {}
    for j, c in enumerate(fw.indicators):
        vals[c] = X[None, :, j] if X.ndim == 2 else X[:, :, j]
    n_units = X.shape[-2]
    failed = np.zeros(R, dtype=bool)
    top = fw.nlev if upto is None else upto
    for lev in range(2, top + 1):
        for p in fw.parents_by_level[lev]:
            fn = f_ag[p]
            if fn not in IMPL:
                raise IndexInputError("aggregate", [f"unknown aggregation method '{fn}' for '{p}' "
                                                    f"(expected one of {', '.join(FUNCTIONS)})"])
            kids = sorted(fw.children[p])   # a fixed order: the sums do not depend on iMeta's row order
            C = [vals[k] for k in kids]
            cols = [pos[k] for k in kids]
            # children and weights the same in every replication: compute one row, share it
            shared = all(c.shape[0] == 1 for c in C) and bool(np.all(W[:, cols] == W[:1, cols]))
            rows = 1 if shared else R
            Wk = [W[:rows, j][:, None] for j in cols]
            bad = np.zeros((rows, n_units), dtype=bool)
            y, cnt = IMPL[fn](C, Wk, f_ag_para.get(p) or {}, bad)
            if np.shape(y) != (rows, n_units):
                y = np.broadcast_to(y, (rows, n_units)).copy()
            thr = dat_thresh.get(p)
            if thr is not None and fn != "a_copeland":
                low = np.broadcast_to(np.asarray(cnt) / len(kids) < thr, y.shape)
                if low.any():
                    y = np.where(low, np.nan, y)
            if bad.any():
                if strict:
                    r, i = np.argwhere(bad)[0]
                    who = units[i] if units is not None else f"row {i + 1}"
                    what = "zero or negative" if fn != "a_hmean" else "zero"
                    raise IndexInputError("aggregate", [
                        f"{fn} at '{p}': unit '{who}' has a {what} value among {', '.join(kids)}; "
                        "normalise to a positive range or use another aggregation method"])
                failed |= bad.any(axis=1)
            vals[p] = y
    aggs = [a for a in (keep or fw.aggregates) if a in vals]
    out = (np.stack([np.broadcast_to(vals[a], (R, n_units)) for a in aggs], axis=-1) if aggs
           else np.empty((R, n_units, 0)))
    out[failed] = np.nan
    return out, failed
