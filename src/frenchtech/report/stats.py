"""The statistical audit shown to the jury, computed by the index engine on the audit's indicators.

The campaign's indicators, pillars and weights are turned into COINr iData/iMeta tables and built with
the campaign's normalisation and aggregation; ``frenchtech.index.audit`` then gives correlations,
Cronbach's alpha per pillar and the indicator statistics with their outlier flags. When the engine or
a result is missing, the report says so instead of failing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from frenchtech.report.audit_data import Audit


def coinr_tables(audit: Audit) -> tuple[pd.DataFrame, pd.DataFrame]:
    ind = audit.tables["indicators"]
    names = dict(zip(audit.scores["territory"], audit.scores.get("name", audit.scores["territory"])))
    codes = [c for c in audit.indicator_ids if c in ind.columns]
    idata = pd.DataFrame({"uName": [names.get(x, x) for x in ind["territory"]], "uCode": ind["territory"]})
    for c in codes:
        idata[c] = pd.to_numeric(ind[c], errors="coerce")
    weights = {i["id"]: i.get("weight", 1) for i in audit.config.get("indicators", [])}
    pillars = audit.config.get("pillars", {})
    rows = []
    for i in audit.config.get("indicators", []):
        if i["id"] in codes:
            rows.append({"Level": 1, "iCode": i["id"], "iName": i["id"], "Direction": 1,
                         "Weight": weights.get(i["id"], 1), "Parent": i.get("pillar", "Index"), "Type": "Indicator"})
    for p in dict.fromkeys(r["Parent"] for r in rows):
        rows.append({"Level": 2, "iCode": p, "iName": p, "Direction": 1, "Weight": pillars.get(p, 1),
                     "Parent": "Index", "Type": "Aggregate"})
    rows.append({"Level": 3, "iCode": "Index", "iName": "Index", "Direction": 1, "Weight": 1, "Parent": None,
                 "Type": "Aggregate"})
    return idata, pd.DataFrame(rows)


def statistical_audit(audit: Audit) -> dict:
    """{"available": bool, "reason", "correlations" (DataFrame), "cronbach" (Series), "stats" (DataFrame)}."""
    try:
        from frenchtech import index

        idata, imeta = coinr_tables(audit)
        method = audit.config.get("index", {})
        spec = {"normalise": {"f_n": method.get("normalise", "n_minmax"), "f_n_para": [0, 100]},
                "aggregate": {"f_ag": method.get("aggregate", "a_amean")}}
        result = index.build(idata, imeta, spec)
        out = index.audit(result)
    except Exception as exc:  # the engine is optional for publication
        return {"available": False, "reason": f"{type(exc).__name__}: {exc}"}
    codes = [c for c in idata.columns if c not in ("uName", "uCode")]
    corr = idata[codes].corr(method="pearson")
    stats = out.get("stats")
    cron = out.get("cronbach")
    return {"available": True, "correlations": corr, "cronbach": cron if cron is not None else pd.Series(dtype=float),
            "stats": stats if isinstance(stats, pd.DataFrame) else pd.DataFrame(), "reason": ""}


def treated(stats: pd.DataFrame) -> pd.DataFrame:
    """Indicators whose skew and kurtosis flag them for outlier treatment (COINr's rule)."""
    if stats.empty or "Flag.SkewKurt" not in stats.columns:
        return pd.DataFrame(columns=["iCode", "Skew", "Kurt"])
    return stats.loc[stats["Flag.SkewKurt"] != "ok", ["iCode", "Skew", "Kurt"]]


def matrix(corr: pd.DataFrame) -> list[list[float | None]]:
    return [[None if pd.isna(v) else float(v) for v in row] for row in np.asarray(corr, dtype=float)]
