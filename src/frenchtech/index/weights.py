"""Weight sets over the framework's nodes (indicators and aggregates).

* explicit: iMeta's ``Weight`` column, with any overrides given as ``{code: weight}``;
* ``equal``: every child of an aggregate weighs the same;
* ``pca``: within each aggregate, the loadings of the first principal component of its children
  (standardised, complete units), as COINr's ``get_PCA``; the sign is set so they sum to a positive
  number (aggregation renormalises weights, so only their ratios matter);
* ``optimised``: within each aggregate, weights that make the children's Pearson correlations with
  their aggregate (arithmetic mean) as equal as possible — COINr's "balance" criterion;
* effective weights: each indicator's share of the index (``Framework.effective_weights``).
Weights are relative: aggregation renormalises them over the children that have data.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

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


def optimised_group(children_data: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) equalising the children's correlations with their weighted mean."""
    x = _complete(children_data)
    k = x.shape[1]
    if k == 1 or x.shape[0] < 3:
        return np.full(k, 1.0 / k)

    def spread(theta):
        w = np.abs(theta) / np.abs(theta).sum()
        y = x @ w
        if np.std(y) == 0:
            return 1e6
        r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(k)])
        return float(np.sum((r - r.mean()) ** 2))

    res = minimize(spread, np.asarray(w0, dtype=float) / np.sum(w0), method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000})
    w = np.abs(res.x)
    return w / w.sum()
