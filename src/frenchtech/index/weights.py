"""Weight sets over the framework's nodes (indicators and aggregates).

* explicit: iMeta's ``Weight`` column, with any overrides given as ``{code: weight}``;
* ``equal``: every child of an aggregate weighs the same;
* ``pca``: within each aggregate, the loadings of the first principal component of its children
  (standardised, complete units), as COINr's ``get_PCA``; the sign is set so they sum to a positive
  number (aggregation renormalises weights, so only their ratios matter);
* ``optimised``: COINr's ``get_opt_weights`` at each level in turn (from level 1 up): the weights
  of a level are searched (Nelder-Mead) so that the correlations of its elements with the index,
  as shares of their sum, match target importances (equal by default: "balance"), or so that their
  sum is largest ("infomax");
* effective weights: each indicator's share of the index (``Framework.effective_weights``).
Weights are relative: aggregation renormalises them over the children that have data.
"""
from __future__ import annotations

import numpy as np

from .aggregate import aggregate_levels
from .errors import IndexInputError
from .framework import Framework


def explicit(fw: Framework, overrides: dict | None = None) -> dict[str, float]:
    w = dict(fw.weight)
    for code, v in (overrides or {}).items():
        if code not in w:
            raise IndexInputError("weights", [f"weight given for '{code}', which is not an indicator "
                                              "or aggregate of the framework"])
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise IndexInputError("weights", [f"weight of '{code}' is not a number: {v!r}"]) from None
        if not v >= 0:
            raise IndexInputError("weights", [f"weight of '{code}' must be non-negative, got {v}"])
        w[code] = v
    return w


def equal(fw: Framework) -> dict[str, float]:
    return {c: 1.0 for c in fw.weight}


def _complete(children_data: np.ndarray) -> np.ndarray:
    return children_data[~np.isnan(children_data).any(axis=1)]


def pca_group(children_data: np.ndarray) -> np.ndarray:
    """PC1 loadings of the children's correlation matrix (units with full data)."""
    x = _complete(children_data)
    k = x.shape[1]
    if k == 1 or x.shape[0] < 3:
        return np.full(k, 1.0 / k)
    r = np.corrcoef(x, rowvar=False)
    vals, vecs = np.linalg.eigh(r)
    v = vecs[:, np.argmax(vals)]
    return v if v.sum() >= 0 else -v


def optimise_level(fw: Framework, x: np.ndarray, w: dict[str, float], methods, level: int,
                   itarg=None, optype: str = "balance", toler: float = 0.1, maxiter: int = 500
                   ) -> tuple[dict[str, float], np.ndarray]:
    """Weights of ``level`` re-fitted as COINr's ``get_opt_weights``; returns (weights, correlations)."""
    if optype not in ("balance", "infomax"):
        raise IndexInputError("weights", [f"unknown optype '{optype}' (balance or infomax)"])
    codes = fw.codes_at(level)
    nodes = fw.indicators + fw.aggregates
    pos = np.array([nodes.index(c) for c in codes])
    base = np.array([w[c] for c in nodes])
    target = np.ones(len(codes)) if itarg in (None, "equal") else np.asarray(itarg, dtype=float)
    if len(target) != len(codes):
        raise IndexInputError("weights", [f"itarg has {len(target)} values; level {level} has {len(codes)}"])
    target = target / target.sum()
    f_ag, para, thr = methods
    top = fw.parents_by_level[fw.nlev][0]

    def correlations(wl):
        W = base.copy()
        W[pos] = wl / np.sum(wl)
        out, _ = aggregate_levels(fw, x, W[None, :], f_ag, para, thr, strict=False)
        vals = dict(zip(fw.aggregates, out[0].T))
        vals.update(dict(zip(fw.indicators, x.T)))
        idx = vals[top]
        return np.array([_pearson(vals[c], idx) for c in codes])

    def objective(wl):
        crs = correlations(wl)
        if optype == "balance":
            # a perfect balance (error 0) is the lowest value, finite: log(0) = -inf would make the simplex's
            # comparisons NaN (COINr's R log returns -Inf silently)
            error = np.sum((target - crs / crs.sum()) ** 2) / len(crs)
            return float(np.log(max(error, np.finfo(float).tiny)))
        return float(-np.sum(crs))

    # scipy.optimize takes about 0.2 s to import: only optimised weights pay for it, not every audit
    from scipy.optimize import minimize

    start = target if optype == "balance" else base[pos]
    res = minimize(objective, start, method="Nelder-Mead",
                   options={"fatol": toler * 1e-3, "xatol": 1e-6, "maxiter": maxiter})
    wl = res.x / res.x.sum()
    out = dict(w)
    out.update(dict(zip(codes, wl)))
    return out, correlations(res.x)


def _pearson(a, b):
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3:
        return np.nan
    return float(np.corrcoef(a[ok], b[ok])[0, 1])
