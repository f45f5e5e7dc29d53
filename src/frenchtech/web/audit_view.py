"""What the audit says about a dossier, read from the call's audit folder through the audit's one reader
(``frenchtech.audit.read``): indicators, scores, the proposal, the declared-vs-observed flags as the
audit wrote them (flags.csv) and, when the audit ran an uncertainty analysis, the rank interval. A call
without an audit folder has no audit section, never an error."""
from __future__ import annotations

from pathlib import Path

from frenchtech.audit.folder import AuditFolder, read_cached
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.labelling.observed import relative_gap


def audit_of(folder) -> AuditFolder | None:
    """The call's audit folder as read (kept while its files are unchanged), None when there is none."""
    if not folder or not (Path(folder) / "manifest.json").is_file():
        return None
    return read_cached(folder)


def rank_interval(audit: AuditFolder | None, territory: str) -> dict | None:
    """Median rank, 5-95 % interval and probability of being labelled, from the audit's scores.csv."""
    row = audit.rank_interval(territory) if audit is not None else None
    if row is None:
        return None
    return {"low": row["rank_p05"], "high": row["rank_p95"], "median": row.get("rank_median"),
            "probability": row.get("p_labelled")}


def dossier_audit(call, dossier, campaign) -> dict:
    """Indicators, score, rank, proposal and the audit's flags for one dossier; the figures the dossier
    declares on the platform beside the audit's observed measures, marked where the audit flagged them."""
    audit = audit_of(call.audit_dir)
    t = dossier.territory
    if audit is None:
        return {"available": False, "indicators": [], "population": None, "score": None, "rank": None,
                "pillars": [], "proposal": {}, "compared": [], "audit_flags": [], "rank_interval": None,
                "competitors": None}
    indicators = audit.row("indicators", t)
    measures = audit.row("measures", t)
    scores = audit.row("scores", t)
    flags = audit.flags_of(t)
    audit_flags = [{k: (None if v != v else v) for k, v in r.items()} for r in flags.to_dict("records")]
    flagged = {f["figure"]: f for f in audit_flags}
    compared = []
    for m in load_catalogue().measures.values():
        if not m.declared or m.declared not in dossier.declared or m.id not in measures:
            continue
        declared, observed = float(dossier.declared[m.declared]), float(measures[m.id])
        flag = flagged.get(m.declared)
        compared.append({"figure": m.declared, "declared": declared, "observed": observed,
                         "gap": relative_gap(declared, observed), "flag": flag is not None,
                         "tolerance": flag["tolerance"] if flag is not None else None})
    return {"available": bool(indicators or scores), "indicators": [
                (c.id, indicators.get(c.id)) for c in campaign.indicators if c.id in indicators],
            "population": indicators.get("population"), "score": scores.get("score"), "rank": scores.get("rank"),
            "pillars": [(p, scores.get(p)) for p in campaign.pillars if p in scores],
            "proposal": audit.row("decisions", t), "compared": compared, "audit_flags": audit_flags,
            "rank_interval": rank_interval(audit, t), "competitors": len(audit.scores)}
