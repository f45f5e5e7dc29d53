"""Declared vs observed: every figure a dossier declares that the evidence can measure is compared
with the audit's measure, and a gap beyond the campaign's tolerance is flagged to the jury, with the
evidence behind the observed value: the file lines of the funding rounds, structures or initiatives
counted, or, for the register, the filter applied and the count. Flags inform; they never change a
score or a decision.
"""
from __future__ import annotations

import pandas as pd

from frenchtech.indicators.catalogue import load_catalogue

FLAG_COLUMNS = ["territory", "figure", "measure", "declared", "observed", "gap", "tolerance", "evidence", "rows"]
SOURCE_FILES = {"rounds": "funding_rounds.csv", "structures": "structures.csv", "initiatives": "initiatives.csv"}


def relative_gap(declared: float, observed: float) -> float:
    """(declared - observed) / observed; infinite when something is declared and nothing observed."""
    if observed == 0:
        return 0.0 if declared == 0 else float("inf")
    return (declared - observed) / observed


def _rows(frame: pd.DataFrame, measure, territory, start, end) -> pd.DataFrame:
    """The rows of a small evidence table that make up ``measure`` for ``territory`` (same filters
    as the indicator engine: see indicators/catalogue.toml)."""
    keep = frame["commune"].isin(set(territory.match_codes))
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    for key, value in measure.where.items():
        if key == "date" and value == "window":
            keep &= frame["date"].between(lo, hi)
        elif key == "kind":
            keep &= frame["kind"].isin(list(value))
        elif key == "open_at_end" and value:
            keep &= (frame["opened"] <= hi) & (frame["closed"].isna() | (frame["closed"] > hi))
    return frame[keep]


def _register_query(campaign, measure, territory, stock, count) -> pd.DataFrame:
    catalogue = load_catalogue()
    parts = [f"commune in the {len(territory.match_codes)} codes of {territory.id}"]
    for key, value in measure.where.items():
        if key == "naf_tags":
            tags = campaign.tech_naf_tags if value == "campaign" else value
            parts.append(f"activity in NAF tags {', '.join(tags)} ({len(catalogue.naf_codes(tags))} codes)")
        elif key == "created":
            parts.append(f"created between {campaign.window_start} and {campaign.window_end}" if value == "window"
                         else f"created by {campaign.window_end} (or date unknown)")
        elif key == "active":
            parts.append("administrative state active (A)")
        elif key == "head_office":
            parts.append("head office (etablissementSiege = true)")
    return pd.DataFrame([{"source": "establishments", "file": str(stock or ""), "filter": "; ".join(parts),
                          "count": int(count)}])


def check_declared(campaign, measures: pd.DataFrame, evidence, stock=None) -> tuple[pd.DataFrame, dict]:
    """Return (flags, {evidence file name: rows}) for every declared figure beyond tolerance."""
    catalogue = load_catalogue()
    by_figure = {m.declared: m for m in catalogue.measures.values() if m.declared}
    flags, files = [], {}
    dossiers = getattr(evidence, "dossiers", {}) or {}
    for tid in sorted(dossiers):
        territory = campaign.territory(tid)
        for figure, declared in sorted(dossiers[tid].items()):
            m = by_figure.get(figure)
            if m is None or m.id not in measures.columns:
                continue
            observed = float(measures.loc[tid, m.id])
            gap = relative_gap(float(declared), observed)
            tol = campaign.rules.tolerance_for(figure) if campaign.rules else 0.25
            min_difference = campaign.rules.min_difference if campaign.rules else 1
            if abs(gap) <= tol or abs(float(declared) - observed) <= min_difference:
                continue
            name = f"{tid}-{m.id}.csv"
            if m.source in SOURCE_FILES:
                rows = _rows(getattr(evidence, m.source), m, territory, campaign.window_start, campaign.window_end)
                rows = rows.assign(date_file=SOURCE_FILES[m.source])
                summary = f"{len(rows)} row(s) of {SOURCE_FILES[m.source]}, lines " + \
                          ", ".join(str(int(x)) for x in rows["line"].head(20)) + (" ..." if len(rows) > 20 else "")
                rows = rows.rename(columns={"date_file": "file"})
            else:
                rows = _register_query(campaign, m, territory, stock, observed)
                summary = rows.loc[0, "filter"] + f"; count = {int(observed)}"
            files[name] = rows
            flags.append({"territory": tid, "figure": figure, "measure": m.id, "declared": float(declared),
                          "observed": observed, "gap": round(gap, 6) if gap != float("inf") else gap,
                          "tolerance": tol, "evidence": f"evidence/{name}", "rows": summary})
    return pd.DataFrame(flags, columns=FLAG_COLUMNS), files


def flag_summary(flags: pd.DataFrame) -> dict[str, str]:
    """{territory: 'funding_eur +200 % (flags.csv)'} for the decision table."""
    out = {}
    for tid, group in flags.groupby("territory"):
        out[tid] = "; ".join(f"{r.figure} {'+' if r.gap > 0 else ''}{r.gap:.0%} declared vs observed"
                             for r in group.itertuples()) + " (flags.csv)"
    return out
