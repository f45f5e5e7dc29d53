"""Statistical audit of a built index, with COINr's definitions.

* ``indicator_stats``: COINr's ``get_stats`` columns (min, max, mean, median, sd (n-1), skew and
  kurtosis (e1071 type 2), availability, zeros, unique values) and flags: low availability, many zeros,
  few unique values, outliers (|skew| > 2 and kurtosis > 3.5), collinearity (|r| > 0.9 with another
  indicator of the same level-2 group) and correlation with a denominator (|r| > 0.6, on Raw data).
* ``correlations``: Pearson or Spearman (pairwise complete), between any two levels, optionally only
  within groups or only with each element's parent; as COINr's ``get_corr`` values not significant
  at ``pval`` (t-test) are blanked (set ``pval=0`` to keep all).
* ``cronbach``: alpha = k^2 mean(off-diagonal covariance) / sum(covariance), pairwise covariances
  (COINr's ``get_cronbach``).
* ``pca``: principal components of each aggregate's children (standardised, complete units).
* ``leave_one_out``: rank changes of the index when each indicator is removed in turn
  (its weight set to zero, the others renormalised), all removals aggregated at once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special  # scipy.stats (~0.3 s to import) for one tail probability: its function directly

from . import rstats
from .aggregate import aggregate_levels
from .errors import IndexInputError
from .pipeline import IndexResult


def _data(result: IndexResult, dset: str) -> pd.DataFrame:
    if dset not in result.tables:
        raise IndexInputError("audit", [f"no dataset '{dset}' (have {', '.join(result.tables)})"])
    return result.tables[dset].set_index("uCode")


def indicator_stats(result: IndexResult, dset: str = "Raw", t_skew=2.0, t_kurt=3.5, t_avail=0.65,
                    t_zero=0.5, t_unq=0.5, t_collinear=0.9, t_denom=0.6) -> pd.DataFrame:
    fw = result.framework
    x = _data(result, dset)[fw.indicators]
    a = x.to_numpy(dtype=float)
    n = a.shape[0]
    avail = (~np.isnan(a)).sum(axis=0)
    nonzero = ((a != 0) & ~np.isnan(a)).sum(axis=0)
    unique = np.array([len(np.unique(c[~np.isnan(c)])) for c in a.T])
    with np.errstate(invalid="ignore"):
        same = np.array([np.max(np.unique(c[~np.isnan(c)], return_counts=True)[1]) if (~np.isnan(c)).any()
                         else 0 for c in a.T])
    sk, kt = rstats.skew(a), rstats.kurt(a)
    with rstats.empty_columns_give_nan():  # an indicator without any value: NaN statistics, as COINr's NA
        lo, hi, mean, median = (np.nanmin(a, axis=0), np.nanmax(a, axis=0), np.nanmean(a, axis=0),
                                np.nanmedian(a, axis=0))
    out = pd.DataFrame({
        "iCode": fw.indicators, "Min": lo, "Max": hi, "Mean": mean, "Median": median, "Std": rstats.sd(a),
        "Skew": sk, "Kurt": kt, "N.Avail": avail, "N.NonZero": nonzero, "N.Unique": unique,
        "N.Same": same, "Frc.Avail": avail / n, "Frc.NonZero": nonzero / n, "Frc.Unique": unique / n,
        "Frc.Same": same / n,
    })
    out["Flag.Avail"] = np.where(out["Frc.Avail"] < t_avail, "LOW", "ok")
    out["Flag.NonZero"] = np.where(out["Frc.NonZero"] < t_zero, "LOW", "ok")
    out["Flag.Unique"] = np.where(out["Frc.Unique"] < t_unq, "LOW", "ok")
    out["Flag.SkewKurt"] = np.where((np.abs(sk) > t_skew) & (kt > t_kurt), "OUT", "ok")
    corr = x.corr(method="pearson")
    lin = fw.lineage().set_index("Level_1")
    group = lin["Level_2"] if fw.nlev >= 2 else pd.Series("all", index=lin.index)
    col = []
    for c in fw.indicators:
        peers = [d for d in fw.indicators if d != c and group[d] == group[c] and abs(corr.loc[c, d]) > t_collinear]
        col.append(", ".join(peers))
    out["Flag.Collinear"] = col
    flags = [""] * len(fw.indicators)
    ud = result.unit_data or {}
    dens = {d: ud[d] for d in fw.denominators if d in ud}
    if dens:
        rx = result.tables["Raw"][fw.indicators]
        for j, c in enumerate(fw.indicators):
            hits = []
            for d, v in dens.items():
                r = pd.Series(rx[c].to_numpy(dtype=float)).corr(pd.Series(np.asarray(v, dtype=float)))
                if abs(r) > t_denom:
                    hits.append(f"{d} ({r:.2f})")
            flags[j] = ", ".join(hits)
    out["Flag.Denom"] = flags
    return out


def _pvals(a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    ok_a, ok_b = ~np.isnan(a), ~np.isnan(b)
    n = ok_a.astype(float).T @ ok_b.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r * r))
    return 2 * special.stdtr(n - 2, -np.abs(t))  # Student's t upper tail, as scipy.stats.t.sf computes it


def correlations(result: IndexResult, levels=(1, 1), method: str = "pearson", dset: str = "Aggregated",
                 pval: float = 0.05, withparent: bool = False, grouplev: int | None = None,
                 wide: bool = False) -> pd.DataFrame:
    """Correlations between the elements of two levels (long table Var1, Var2, Correlation)."""
    if method not in ("pearson", "spearman"):
        raise IndexInputError("audit", [f"unknown correlation method '{method}' (pearson or spearman)"])
    fw = result.framework
    la, lb = min(levels), max(levels)   # Var1 from the lower level, Var2 from the higher
    for lev in (la, lb):
        if not 1 <= lev <= fw.nlev:
            raise IndexInputError("audit", [f"level {lev} is not in 1..{fw.nlev}"])
    d = _data(result, dset)
    ca, cb = fw.codes_at(la), fw.codes_at(lb)
    if any(c not in d for c in ca + cb):
        raise IndexInputError("audit", [f"dataset '{dset}' does not hold level {la} and {lb}"])
    A, B = d[ca], d[cb]
    if la == lb:
        r = A.corr(method=method).to_numpy()
    else:
        r = pd.concat([A, B], axis=1).corr(method=method).loc[ca, cb].to_numpy()
    if pval > 0:
        p = _pvals(A.to_numpy(float), B.to_numpy(float), r)
        r = np.where(p > pval, np.nan, r)
    mat = pd.DataFrame(r, index=ca, columns=cb)
    if wide:
        return mat
    long = mat.stack(future_stack=True).reset_index()
    long.columns = ["Var1", "Var2", "Correlation"]
    anc = _ancestors(fw)
    if withparent and la != lb:
        long = long[[anc[v1].get(fw.level[v2]) == v2 for v1, v2 in zip(long.Var1, long.Var2)]]
    if grouplev is not None and la == lb:
        long = long[[anc[v1].get(grouplev) == anc[v2].get(grouplev) for v1, v2 in zip(long.Var1, long.Var2)]]
    return long.reset_index(drop=True)


def _ancestors(fw) -> dict[str, dict[int, str]]:
    out = {}
    for c in fw.indicators + fw.aggregates:
        chain, p = {fw.level[c]: c}, fw.parent[c]
        while p is not None:
            chain[fw.level[p]] = p
            p = fw.parent[p]
        out[c] = chain
    return out


def cronbach(x: pd.DataFrame) -> float:
    """COINr's Cronbach alpha of the columns of ``x`` (pairwise covariances)."""
    k = x.shape[1]
    if k < 2:
        return np.nan
    cv = x.cov().to_numpy()
    total = np.nansum(cv)
    if total == 0 or not np.isfinite(total):   # no variance at all: alpha is undefined (R's NaN)
        return np.nan
    off = (total - np.nansum(np.diag(cv))) / (k * (k - 1))
    return k * k * off / total


def cronbach_by_aggregate(result: IndexResult, dset: str = "Aggregated") -> pd.Series:
    fw = result.framework
    d = _data(result, dset)
    return pd.Series({a: cronbach(d[fw.children[a]]) for a in fw.aggregates
                      if all(c in d for c in fw.children[a])}, name="CronbachAlpha", dtype=float)


def pca(x: pd.DataFrame) -> dict:
    """PCA of standardised columns on complete rows: eigenvalues, variance shares, loadings."""
    z = x.dropna()
    if z.shape[0] < 3 or z.shape[1] < 2:
        return {"eigenvalues": np.array([]), "var_explained": np.array([]), "loadings": pd.DataFrame()}
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(z.to_numpy(dtype=float), rowvar=False)
    if not np.isfinite(r).all():   # a column constant on the complete rows: no correlation, no PCA
        return {"eigenvalues": np.array([]), "var_explained": np.array([]), "loadings": pd.DataFrame()}
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    vecs = vecs * np.where(vecs.sum(axis=0) < 0, -1, 1)  # sign convention: mostly positive loadings
    names = [f"PC{i + 1}" for i in range(len(vals))]
    return {"eigenvalues": vals, "var_explained": vals / vals.sum(),
            "loadings": pd.DataFrame(vecs, index=x.columns, columns=names)}


def pca_by_aggregate(result: IndexResult, dset: str = "Aggregated") -> dict[str, dict]:
    fw = result.framework
    d = _data(result, dset)
    out = {}
    for a in fw.aggregates:
        kids = fw.children[a]
        if len(kids) > 1 and all(c in d for c in kids):
            res = pca(d[sorted(kids)])   # a fixed column order: the same whatever iMeta's row order
            if not res["loadings"].empty:
                res["loadings"] = res["loadings"].reindex(kids)
            out[a] = res
    return out


def leave_one_out(result: IndexResult, target: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank change of every unit when each indicator is left out (summary, unit x indicator table)."""
    fw = result.framework
    target = target or result.index_code
    step = result.pipeline.named_steps().get("aggregate") if result.pipeline else None
    if step is None:
        raise IndexInputError("audit", ["leave-one-out needs an index built with an aggregate step"])
    x = result.state.x[:, :len(fw.indicators)]
    w = result.reports["aggregate"]["Weights"]
    f_ag, para, thr = step.methods(fw)
    nodes = fw.indicators + fw.aggregates
    base = np.array([w[c] for c in nodes])
    W = np.tile(base, (len(fw.indicators), 1))
    W[np.arange(len(fw.indicators)), np.arange(len(fw.indicators))] = 0.0
    out, _ = aggregate_levels(fw, x, W, f_ag, para, thr, result.state.units, strict=False, keep=[target])
    nominal = rstats.rank_desc(result.scores(target).to_numpy())
    ranks = rstats.rank_desc(out[:, :, 0], axis=1)
    shift = ranks - nominal[None, :]
    table = pd.DataFrame(shift.T, index=pd.Index(result.state.units, name="uCode"), columns=fw.indicators)
    with rstats.empty_columns_give_nan():   # an indicator whose removal leaves no score at all: NA
        summary = pd.DataFrame({"iCode": fw.indicators,
                                "MeanAbsRankShift": np.nanmean(np.abs(shift), axis=1),
                                "MaxAbsRankShift": np.nanmax(np.abs(shift), axis=1)})
    return summary, table


def run_audit(result: IndexResult, dset: str = "Normalised", method: str = "pearson", pval: float = 0.05) -> dict:
    """Everything above for one built index."""
    fw = result.framework
    have = dset if dset in result.tables else "Raw"
    cdset = "Aggregated" if "Aggregated" in result.tables else have
    corr = {"indicators_within_groups": correlations(result, (1, 1), method, dset=cdset, pval=pval,
                                                     grouplev=2) if fw.nlev >= 2 else None}
    if "Aggregated" in result.tables:
        for lev in range(1, fw.nlev):
            corr[f"level{lev}_with_parent"] = correlations(result, (lev, lev + 1), method, pval=pval,
                                                           withparent=True)
        corr["indicators_with_index"] = correlations(result, (1, fw.nlev), method, pval=pval)
    out = {"stats": indicator_stats(result, "Raw"), "stats_" + have: indicator_stats(result, have),
           "correlations": corr}
    if "Aggregated" in result.tables:
        out["cronbach"] = cronbach_by_aggregate(result)
        out["pca"] = pca_by_aggregate(result)
        out["leave_one_out"], out["leave_one_out_ranks"] = leave_one_out(result)
    return out
