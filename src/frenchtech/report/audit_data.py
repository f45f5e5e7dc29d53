"""An audit folder read back for publication: campaign facts, perimeters, the labelling bar and the
directories of structures and initiatives, over the audit's one reader (``frenchtech.audit.read``).

Everything a page shows comes from the audit folder (and the evidence folder its manifest names), so a
published showcase is reproducible from the audit alone.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from frenchtech.audit.folder import TABLES, AuditFolder, read

HOLDS_LABEL = ("labelled", "renewed", "confirmed")  # decisions after which the territory holds a label


class Audit:
    """One campaign's published results: the audit folder as read (``data``) and what the pages derive
    from it."""

    def __init__(self, data: AuditFolder):
        self.data = data

    @property
    def folder(self) -> Path:
        return self.data.path

    @property
    def manifest(self) -> dict:
        return self.data.manifest

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The audit's tables by name (``frenchtech.audit.folder.TABLES``; optional ones may be empty)."""
        return self.data.tables

    @property
    def structures(self) -> pd.DataFrame:
        return self.data.structures

    @property
    def initiatives(self) -> pd.DataFrame:
        return self.data.initiatives

    @property
    def sobol(self) -> pd.DataFrame | None:
        """The audit's own Sobol indices (index/sobol.csv), None when it ran no sensitivity analysis."""
        return self.data.sobol

    # -- campaign facts ------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        return self.manifest.get("configuration", {})

    @property
    def campaign(self) -> dict:
        return self.config.get("campaign", {})

    @property
    def campaign_id(self) -> str:
        return str(self.manifest.get("campaign") or self.campaign.get("id") or self.folder.name)

    @property
    def vintage(self) -> int:
        return int(self.campaign.get("vintage", 2026))

    @property
    def year(self) -> int:
        announced = str(self.campaign.get("announced", ""))
        return int(announced[:4]) if announced[:4].isdigit() else self.vintage

    @property
    def generated(self) -> bool:
        return bool(self.manifest.get("generated_evidence"))

    def name(self, lang: str) -> str:
        c = self.campaign
        return (c.get("name_en") if lang == "en" else None) or c.get("name") or self.campaign_id

    @property
    def indicator_ids(self) -> list[str]:
        ids = [i["id"] for i in self.config.get("indicators", [])]
        return ids or [c for c in self.tables["indicators"].columns if c not in ("territory", "population")]

    @property
    def pillars(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in self.config.get("indicators", []):
            out.setdefault(i.get("pillar", "index"), []).append(i["id"])
        return out

    @property
    def scores(self) -> pd.DataFrame:
        return self.tables["scores"].sort_values("rank", kind="stable").reset_index(drop=True)

    @property
    def has_intervals(self) -> bool:
        return self.data.has_intervals

    @cached_property
    def bar(self) -> dict:
        """The labelling bar: the quota position or the threshold, for the ranking chart."""
        rule = self.config.get("labelling", {})
        d = self.tables["decisions"]
        # The rule's line, not the jury's: an override or a deferral must not move the bar.
        by_rule = d["rule_decision"].fillna(d["decision"]) if "rule_decision" in d.columns else d["decision"]
        labelled = d[by_rule.isin(HOLDS_LABEL)]
        out = {"rule": rule.get("rule", ""), "quota": rule.get("quota"), "threshold": rule.get("threshold")}
        ranks = self.scores.set_index("territory")["rank"]
        lab_ranks = [int(ranks[t]) for t in labelled["territory"] if t in ranks.index]
        out["last_labelled_rank"] = max(lab_ranks) if lab_ranks else None
        return out

    # -- territories ---------------------------------------------------------------------------
    @cached_property
    def territories(self) -> list[dict]:
        """Campaign territories with their perimeter (communes of the campaign's vintage)."""
        from frenchtech.geo import load_geography

        specs = self.config.get("territories") or [
            {"id": tid, "name": name} for tid, name in zip(self.tables["scores"]["territory"],
                                                          self.tables["scores"].get("name", self.tables["scores"]["territory"]))]
        geo = None
        try:
            geo = load_geography(self.vintage)
        except Exception:  # an unknown vintage: pages still work, without perimeters
            geo = None
        dec = self.tables["decisions"].set_index("territory")
        ind = self.tables["indicators"].set_index("territory")
        out = []
        for s in specs:
            tid = s["id"]
            communes: tuple[str, ...] = ()
            match: tuple[str, ...] = ()
            if geo is not None:
                try:
                    t = geo.territory(tid, s.get("name", tid), epci=s.get("epci", ()), communes=s.get("communes", ()))
                    communes, match = t.communes, t.match_codes
                except Exception:
                    pass
            pop = int(ind.at[tid, "population"]) if tid in ind.index and "population" in ind.columns else None
            out.append({
                "id": tid, "name": s.get("name", tid), "epci": list(s.get("epci", [])),
                "communes": list(communes), "match_codes": list(match), "population": pop,
                "kind": s.get("kind", dec.at[tid, "kind"] if tid in dec.index and "kind" in dec.columns else ""),
                "decision": str(dec.at[tid, "decision"]) if tid in dec.index else "",
                "automatic": bool(s.get("automatic", False)),
            })
        return out

    def territory(self, tid: str) -> dict:
        return next(t for t in self.territories if t["id"] == tid)

    def commune_territory(self) -> dict[str, str]:
        return {code: t["id"] for t in self.territories for code in t["match_codes"]}

    def directory(self, kind: str) -> pd.DataFrame:
        """Structures or initiatives located in a campaign territory, with the territory id."""
        frame = self.structures if kind == "structures" else self.initiatives
        if frame.empty or "commune_code" not in frame.columns:
            return pd.DataFrame(columns=["territory", *frame.columns])
        where = self.commune_territory()
        f = frame.copy()
        f["territory"] = f["commune_code"].astype(str).str.zfill(5).map(where)
        f = f[f["territory"].notna()]
        return f[["territory", *[c for c in frame.columns]]].reset_index(drop=True)


def load_audit(folder) -> Audit:
    """Read an audit folder (as written by ``frenchtech audit``) through ``frenchtech.audit.read``:
    missing optional tables are empty; a missing required one is an ``InputError`` naming the file."""
    return Audit(read(folder))


__all__ = ["HOLDS_LABEL", "TABLES", "Audit", "load_audit"]
