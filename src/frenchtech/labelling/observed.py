"""Declared vs observed: every figure a dossier declares that the evidence can measure is compared
with the audit's measure, and a gap beyond the campaign's tolerance is flagged to the jury, with the
evidence behind the observed value: the file lines of the funding rounds, structures or initiatives
counted, or, for the register, the filter applied and the count. Flags inform; they never change a
score or a decision. Each flag and each evidence summary is also given as ``Reason`` codes with their
parameters (``code``/``params`` and ``rows_code``/``rows_params`` in flags.csv).
"""
from __future__ import annotations

import pandas as pd

from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.messages import Reason, columns_of, encode, render_all

FLAG_COLUMNS = ["territory", "figure", "measure", "declared", "observed", "gap", "tolerance", "evidence", "rows",
                "code", "params", "rows_code", "rows_params"]
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


def _register_filter(campaign, measure, territory) -> list[Reason]:
    """The filter a register count applies, as reasons (one per condition)."""
    catalogue = load_catalogue()
    parts = [Reason("register_communes", {"count": len(territory.match_codes), "territory": territory.id})]
    for key, value in measure.where.items():
        if key == "naf_tags":
            tags = list(campaign.tech_naf_tags if value == "campaign" else value)
            parts.append(Reason("register_naf", {"tags": tags, "codes": len(catalogue.naf_codes(tags))}))
        elif key == "created":
            window = {"start": str(campaign.window_start), "end": str(campaign.window_end)}
            parts.append(Reason("register_created_window", window) if value == "window"
                         else Reason("register_created_by", {"end": window["end"]}))
        elif key == "active":
            parts.append(Reason("register_active"))
        elif key == "head_office":
            parts.append(Reason("register_head_office"))
    return parts


def _register_query(campaign, measure, territory, stock, count) -> pd.DataFrame:
    return pd.DataFrame([{"source": "establishments", "file": str(stock or ""),
                          "filter": render_all(_register_filter(campaign, measure, territory), "en"),
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
                summary = [Reason("evidence_rows_more" if len(rows) > 20 else "evidence_rows",
                                  {"count": len(rows), "file": SOURCE_FILES[m.source],
                                   "lines": [int(x) for x in rows["line"].head(20)]})]
                rows = rows.rename(columns={"date_file": "file"})
            else:
                rows = _register_query(campaign, m, territory, stock, observed)
                summary = [*_register_filter(campaign, m, territory), Reason("register_count", {"count": int(observed)})]
            files[name] = rows
            gap = round(gap, 6) if gap != float("inf") else gap
            flag = Reason("declared_gap", {"figure": figure, "measure": m.id, "declared": float(declared),
                                           "observed": observed, "gap": gap if gap != float("inf") else None,
                                           "tolerance": tol})
            flags.append({"territory": tid, "figure": figure, "measure": m.id, "declared": float(declared),
                          "observed": observed, "gap": gap, "tolerance": tol, "evidence": f"evidence/{name}",
                          **dict(zip(("code", "params"), encode([flag]))), **columns_of(summary, "rows")})
    return pd.DataFrame(flags, columns=FLAG_COLUMNS), files


def flag_reasons(flags: pd.DataFrame) -> dict[str, list[Reason]]:
    """{territory: [Reason("declared_gap", {"figure": "funding_eur", "gap": 2.0}), ...]}."""
    return {tid: [Reason("declared_gap", {"figure": r.figure, "gap": None if r.gap == float("inf") else float(r.gap)})
                  for r in group.itertuples()]
            for tid, group in flags.groupby("territory")}


def flag_summary(flags: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """{territory: (text, codes, params)} for the decision table's ``flags`` columns; the text reads
    'funding_eur +200% declared vs observed (flags.csv)'."""
    out = {}
    for tid, reasons in flag_reasons(flags).items():
        out[tid] = (render_all(reasons, "en") + " (flags.csv)", *encode(reasons))
    return out
