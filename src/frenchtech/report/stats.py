"""The statistical audit shown to the jury, computed by the index engine on the audit's indicators.

The campaign's indicators, pillars and weights are turned into COINr iData/iMeta tables and built with
the campaign's normalisation and aggregation; ``frenchtech.index.audit`` then gives correlations,
Cronbach's alpha per pillar and the indicator statistics with their outlier flags. When the engine or
a result is missing, the report says so instead of failing. The Sobol indices are the audit's own
(``index/sobol.csv``, read through ``frenchtech.audit.read``): never recomputed here.
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


def index_spec(audit: Audit) -> dict:
    """The campaign's index steps as an engine spec, read as the audit itself read them."""
    from frenchtech.audit.score import index_spec as spec_of

    return spec_of(audit.config.get("index", {}))


def method_steps(audit: Audit) -> list[tuple[str, str]]:
    """(step, readable parameters) in the order the index runs them."""
    out = []
    for step, params in index_spec(audit).items():
        text = ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, dict) else str(params)
        out.append((step, text))
    return out


def _from_index_folder(audit: Audit) -> dict:
    table = audit.data.index_table
    idata, imeta = table("iData"), table("iMeta")
    codes = [c for c in imeta.loc[imeta["Type"] == "Indicator", "iCode"] if c in idata.columns]
    cron = (table("cronbach_alpha").set_index("aggregate")["CronbachAlpha"]
            if table("cronbach_alpha") is not None else pd.Series(dtype=float))
    stats = table("indicator_stats") if table("indicator_stats") is not None else pd.DataFrame()
    treated_frame = None
    if table("Treated") is not None:
        tr = table("Treated").set_index("uCode")
        raw = idata.set_index("uCode")
        rows = []
        for c in codes:
            if c in tr.columns:
                changed = int((~np.isclose(raw[c].astype(float), tr[c].reindex(raw.index).astype(float),
                                           equal_nan=True)).sum())
                if changed:
                    rows.append({"iCode": c, "changed": changed})
        treated_frame = pd.DataFrame(rows, columns=["iCode", "changed"])
    loo = table("leave_one_out")
    return {"available": True, "reason": "", "source": "index", "correlations": idata[codes].corr(method="pearson"),
            "cronbach": cron, "stats": stats, "treated": treated_frame, "leave_one_out": loo}


def statistical_audit(audit: Audit) -> dict:
    """{"available", "reason", "correlations" (DataFrame), "cronbach" (Series), "stats", "treated"}.

    The index engine's own outputs (``index/`` in the audit folder) are used when the audit has them;
    otherwise the engine is run on ``indicators.csv`` with the campaign's method."""
    try:
        if audit.data.index_table("iData") is not None and audit.data.index_table("iMeta") is not None:
            return _from_index_folder(audit)
        from frenchtech import index

        idata, imeta = coinr_tables(audit)
        result = index.build(idata, imeta, index_spec(audit))
        out = index.audit(result)
    except Exception as exc:  # the engine is optional for publication
        return {"available": False, "reason": f"{type(exc).__name__}: {exc}"}
    codes = [c for c in idata.columns if c not in ("uName", "uCode")]
    stats = out.get("stats") if isinstance(out.get("stats"), pd.DataFrame) else pd.DataFrame()
    cron = out.get("cronbach")
    loo = out.get("leave_one_out") if isinstance(out.get("leave_one_out"), pd.DataFrame) else None
    return {"available": True, "reason": "", "source": "engine", "correlations": idata[codes].corr(method="pearson"),
            "cronbach": cron if cron is not None else pd.Series(dtype=float), "stats": stats, "treated": None,
            "leave_one_out": loo}


def treated(result: dict) -> pd.DataFrame:
    """Indicators treated for outliers: those the index changed, else those COINr's skew/kurtosis rule flags."""
    stats = result.get("stats", pd.DataFrame())
    cols = ["iCode", "changed", "Skew", "Kurt"]
    sk = stats.set_index("iCode")[["Skew", "Kurt"]] if {"iCode", "Skew", "Kurt"} <= set(stats.columns) else None
    if result.get("treated") is not None:
        out = result["treated"].copy()
        if sk is not None:
            out = out.join(sk, on="iCode")
        return out.reindex(columns=cols)
    if sk is None or "Flag.SkewKurt" not in stats.columns:
        return pd.DataFrame(columns=cols)
    out = stats.loc[stats["Flag.SkewKurt"] != "ok", ["iCode", "Skew", "Kurt"]].copy()
    out["changed"] = None
    return out.reindex(columns=cols)


def matrix(corr: pd.DataFrame) -> list[list[float | None]]:
    return [[None if pd.isna(v) else float(v) for v in row] for row in np.asarray(corr, dtype=float)]
