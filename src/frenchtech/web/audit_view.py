"""What the audit says about a dossier, read from the call's audit folder (indicators, measures, scores,
decisions, flags and, when the index engine wrote them, rank intervals). Missing files mean missing
sections, never an error."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.labelling.observed import relative_gap

RANK_FILES = ("scores.csv", "index/rank_uncertainty.csv")  # the first with an interval wins


@lru_cache(maxsize=32)
def _read(folder: str, name: str, mtime: float) -> pd.DataFrame | None:
    path = Path(folder) / name
    return pd.read_csv(path, dtype={"territory": str}) if path.is_file() else None


def table(folder: str, name: str) -> pd.DataFrame | None:
    if not folder:
        return None
    path = Path(folder) / name
    return _read(folder, name, path.stat().st_mtime if path.is_file() else 0.0)


def _row(frame, territory: str) -> dict:
    key = "territory" if frame is not None and "territory" in frame else "uCode"
    if frame is None or key not in frame:
        return {}
    rows = frame[frame[key].astype(str) == territory]
    return {} if rows.empty else {k: (None if pd.isna(v) else v) for k, v in rows.iloc[0].items()}


def rank_interval(folder: str, territory: str) -> dict | None:
    """Median rank and 5-95 % interval if an uncertainty table is in the audit folder."""
    for name in RANK_FILES:
        row = _row(table(folder, name), territory)
        if row:
            low = next((row[k] for k in ("rank_p05", "Q5", "q05", "rank_low") if row.get(k) is not None), None)
            high = next((row[k] for k in ("rank_p95", "Q95", "q95", "rank_high") if row.get(k) is not None), None)
            median = next((row[k] for k in ("rank_median", "Median", "median") if row.get(k) is not None), None)
            if low is not None and high is not None:
                return {"low": low, "high": high, "median": median,
                        "probability": next((row[k] for k in ("p_labelled", "pass_probability")
                                             if row.get(k) is not None), None)}
    return None


def dossier_audit(call, dossier, campaign) -> dict:
    """Indicators, score, rank, proposal and declared-vs-observed rows for one dossier."""
    folder = call.audit_dir
    t = dossier.territory
    indicators = _row(table(folder, "indicators.csv"), t)
    measures = _row(table(folder, "measures.csv"), t)
    scores = _row(table(folder, "scores.csv"), t)
    proposal = _row(table(folder, "decisions.csv"), t)
    flags_file = table(folder, "flags.csv")
    audit_flags = [] if flags_file is None else flags_file[flags_file["territory"] == t].to_dict("records")
    labelling = getattr(campaign, "rules", None)
    catalogue = load_catalogue()
    compared = []
    for m in catalogue.measures.values():
        if not m.declared or m.declared not in dossier.declared or m.id not in measures:
            continue
        declared, observed = float(dossier.declared[m.declared]), float(measures[m.id])
        gap = relative_gap(declared, observed)
        tolerance = labelling.tolerance_for(m.declared) if labelling is not None else 0.25
        compared.append({"figure": m.declared, "declared": declared, "observed": observed, "gap": gap,
                         "flag": abs(gap) > tolerance, "tolerance": tolerance})
    return {"available": bool(indicators or scores), "indicators": [
                (c.id, indicators.get(c.id)) for c in campaign.indicators if c.id in indicators],
            "population": indicators.get("population"), "score": scores.get("score"), "rank": scores.get("rank"),
            "pillars": [(p, scores.get(p)) for p in campaign.pillars if p in scores],
            "proposal": proposal, "compared": compared, "audit_flags": audit_flags,
            "rank_interval": rank_interval(folder, t), "competitors": len(table(folder, "scores.csv"))
            if table(folder, "scores.csv") is not None else None}
