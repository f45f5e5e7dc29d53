"""The public showcase's pages: home, ranking, network, data and one page per territory, in French and
English (``Showcase``). The jury report reuses their rows; ``frenchtech.report.site`` writes them all.

The last audit is the campaign shown, the earlier ones give each territory's trend and label history.
"""
from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

import pandas as pd

from frenchtech import attribution
from frenchtech.geo import load_geography
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.report import charts, maps
from frenchtech.report.audit_data import HOLDS_LABEL, Audit
from frenchtech.report.i18n import (
    communes_text,
    date,
    decision_name,
    decision_reason,
    environment,
    gettext,
    indicator_name,
    kind_name,
    number,
    percent,
)
from frenchtech.report.opendata import FORMATS, LICENCE, TABLE_TEXT
from frenchtech.report.stats import statistical_audit


def _f(value):
    try:
        v = float(value)
        return None if math.isnan(v) else v
    except (TypeError, ValueError):
        return None


class Showcase:
    """What every page needs, computed once per export."""

    def __init__(self, audits: list[Audit]):
        self.audits = audits
        self.audit = audits[-1]
        self.geoms = maps.territory_geometries(self.audit.territories)
        self._rows: dict[str, list[dict]] = {}
        self._dirs: dict[str, list[dict]] = {}
        self._stats = None
        self.names = {x["id"]: x["name"] for x in self.audit.territories}

    @property
    def window(self) -> tuple[int, int]:
        """The campaign's evidence window (first and last year)."""
        w = self.audit.campaign.get("evidence_window") or [self.audit.vintage, self.audit.vintage]
        return int(w[0]), int(w[1])

    @property
    def stats(self) -> dict:
        if self._stats is None:
            self._stats = statistical_audit(self.audit)
        return self._stats

    # -- shared context ------------------------------------------------------------------------
    def context(self, lang: str, page: str, title: str, depth: int = 1, other: str | None = None) -> dict:
        root = "../" * depth
        other_lang = "en" if lang == "fr" else "fr"
        return {"lang": lang, "root": root, "page": page,
                "title": title, "generated": self.audit.generated, "attribution": attribution(lang),
                "licence": LICENCE, "campaign_name": self.audit.name(lang), "other_lang": other_lang,
                "other_href": f"{root}{other_lang}/{other or page + '.html'}"}

    def score_rows(self, lang: str) -> list[dict]:
        if lang not in self._rows:
            self._rows[lang] = self._score_rows(lang)
        return [dict(r) for r in self._rows[lang]]

    def _score_rows(self, lang: str) -> list[dict]:
        a = self.audit
        dec = a.tables["decisions"].set_index("territory")
        bar = a.bar.get("last_labelled_rank")
        rows = []
        for _, s in a.scores.iterrows():
            tid = s["territory"]
            d = dec.loc[tid] if tid in dec.index else {}
            decision = str(d.get("decision", "")) if len(d) else ""
            p05, p95 = (_f(s.get("rank_p05")), _f(s.get("rank_p95"))) if a.has_intervals else (None, None)
            terr = next((x for x in a.territories if x["id"] == tid), {"population": None, "communes": []})
            rows.append({
                "id": tid, "name": s.get("name", tid), "rank": int(s["rank"]), "score": _f(s["score"]),
                "score_text": number(lang, s["score"]), "decision": decision,
                "label_text": decision_name(lang, decision), "reason": decision_reason(lang, d, self.names) if len(d) else "",
                "p05": p05, "p95": p95,
                "interval": f"{int(p05)}–{int(p95)}" if p05 is not None and p95 is not None else "",
                "p_text": percent(lang, _f(s.get("p_labelled"))) if _f(s.get("p_labelled")) is not None else "",
                "population": number(lang, terr["population"], 0),
                "epci": " ".join(self.geoms.get(tid, {}).get("epci", [])) or gettext(lang, "department outline"),
                "bar_after": bar is not None and int(s["rank"]) == bar,
            })
        return rows

    def bar_text(self, lang: str) -> str:
        b = self.audit.bar
        if b.get("quota"):
            return gettext(lang, "quota of %(n)s labels (automatic labels apart)", n=b["quota"])
        if b.get("threshold") is not None:
            return gettext(lang, "threshold %(v)s", v=b["threshold"])
        return b.get("rule") or "—"

    def map_svg(self, lang: str, focus: str | None = None, depth_prefix: str = "territories/") -> str:
        items = self.score_rows(lang)
        texts = {"perimeter": gettext(lang, "The territory's perimeter (its EPCI, named)"),
                 "others": gettext(lang, "Other candidate territories"),
                 "background": gettext(lang, "Regions of %(year)s", year=2015 if self.audit.vintage < 2016 else 2016)}
        return maps.france_map(items, self.geoms, self.audit.vintage, gettext(lang, "Map of the candidate territories"),
                               focus=focus,
                               href=(lambda tid: f"{depth_prefix}{tid}.html") if focus is None else None,
                               texts=texts if focus else None)

    # -- pages ---------------------------------------------------------------------------------
    def home(self, lang: str) -> str:
        rows = self.score_rows(lang)
        ctx = self.context(lang, "index", self.audit.name(lang))
        ctx["page"] = "home"
        pops = [x["population"] or 0 for x in self.audit.territories]
        present = {r["decision"] for r in rows}
        legend = [(decision_name(lang, k), c) for k, c in maps.LABEL_COLOURS.items() if k and k in present]
        ctx.update(rows=sorted(rows, key=lambda r: r["name"]), map_svg=self.map_svg(lang), legend=legend,
                   n_candidates=len(rows), n_labelled=sum(r["decision"] in HOLDS_LABEL for r in rows),
                   total_population=number(lang, sum(pops), 0))
        return environment(lang).get_template("home.html").render(ctx)

    def ranking(self, lang: str) -> str:
        rows = self.score_rows(lang)
        a = self.audit
        ctx = self.context(lang, "ranking", f'{gettext(lang, "Ranking")} — {a.name(lang)}')
        chart = charts.ranking(rows, len(rows), a.bar.get("last_labelled_rank"), gettext(lang, "Ranking"),
                               bar_text=gettext(lang, "Labelling bar"))
        ctx.update(rows=rows, chart=chart, has_intervals=a.has_intervals,
                   has_p="p_labelled" in a.tables["scores"].columns, bar_text=self.bar_text(lang))
        return environment(lang).get_template("ranking.html").render(ctx)

    @property
    def median_key(self) -> str:
        """Whether the audit has the national reference (every EPCI of France) beside the candidates."""
        national = self.audit.tables.get("national")
        return "epci_median" if national is not None and not national.empty else "national_median"

    def indicator_rows(self, lang: str, tid: str) -> list[dict]:
        """Each indicator of the territory beside the candidates' median (the chart's reference), the
        median of every EPCI of France when the audit has it, and the labelled average. Amounts in euros
        are written to the euro, counts as whole numbers, rates with one decimal."""
        a = self.audit
        ind = a.tables["indicators"].set_index("territory")
        norm = a.tables["normalised"].set_index("territory") if not a.tables["normalised"].empty else None
        labelled = a.tables["decisions"].loc[a.tables["decisions"]["decision"].isin(HOLDS_LABEL), "territory"].tolist()
        national = a.tables.get("national")
        catalogue = load_catalogue()
        rows = []
        for code in a.indicator_ids:
            if code not in ind.columns:
                continue
            col = pd.to_numeric(ind[code], errors="coerce")
            whole = _whole_number(catalogue, code)
            fmt = (lambda v: number(lang, v, 0)) if whole else (lambda v: number(lang, v))
            ref = (pd.to_numeric(national[code], errors="coerce") if national is not None and code in national.columns
                   else None)
            ncol = pd.to_numeric(norm[code], errors="coerce") if norm is not None and code in norm.columns else None
            lab = [x for x in labelled if x in ind.index]
            rows.append({
                "code": code, "name": indicator_name(lang, code), "raw": _f(col.get(tid)),
                "value_text": fmt(col.get(tid)), "candidates_median_text": fmt(col.median()),
                "candidates_median": _f(col.median()),
                "median_text": fmt(ref.median()) if ref is not None else fmt(col.median()),
                "epci_median": _f(ref.median()) if ref is not None else None,
                "epci_median_text": fmt(ref.median()) if ref is not None else "—",
                "labelled_text": fmt(col.loc[lab].mean()) if lab else "—",
                "norm_text": number(lang, ncol.get(tid)) if ncol is not None else "—",
                "value": _f(ncol.get(tid)) if ncol is not None else None,
                "median": _f(ncol.median()) if ncol is not None else None,
                "labelled": _f(ncol.loc[lab].mean()) if ncol is not None and lab else None,
            })
        return rows

    def trend_rows(self, lang: str, tid: str) -> list[dict]:
        out = []
        for a in self.audits:
            s = a.tables["scores"].set_index("territory")
            if tid in s.index:
                out.append({"campaign": a.name(lang), "year": str(a.year), "score": _f(s.at[tid, "score"]),
                            "score_text": number(lang, s.at[tid, "score"]), "rank": int(s.at[tid, "rank"])})
        return out if len(out) > 1 else []

    def history_rows(self, lang: str, tid: str) -> list[dict]:
        out = []
        for a in self.audits:
            d = a.tables["decisions"]
            for _, r in d[d["territory"] == tid].iterrows():
                out.append({"campaign": a.name(lang), "label_text": decision_name(lang, r.get("decision", "")),
                            "reason": decision_reason(lang, r, self.names), "date": date(lang, r.get("decided_on", "") or ""),
                            "historical": decision_name(lang, r.get("historical", "")) if isinstance(r.get("historical"), str) else ""})
        return out

    def public_record(self, lang: str, tid: str) -> list[dict]:
        """Real French Tech label decisions 2014-2023 (public record) for the territory's communes."""
        record = _label_record()
        codes = set(self.audit.territory(tid)["match_codes"])
        rows = record[record["commune_insee"].isin(codes)].drop_duplicates(["ecosystem", "announced", "label_type"])
        return [{"ecosystem": r["ecosystem"], "announced": date(lang, r["announced"]),
                 "label": gettext(lang, LABEL_TYPES[r["label_type"]]) if r["label_type"] in LABEL_TYPES
                 else r["label_type"],
                 "source": r["source_url"]} for _, r in rows.sort_values("announced").iterrows()]

    def directory_rows(self, kind: str, tid: str | None = None, lang: str = "en") -> list[dict]:
        if kind not in self._dirs:
            self._dirs[kind] = self._directory_rows(kind)
        # Codes stay in the rows (filters match on them); names and dates follow the page's language.
        return [dict(r, kind_text=kind_name(lang, r["kind"]), date=date(lang, r["date"]), opened=date(lang, r["opened"]))
                for r in self._dirs[kind] if tid is None or r["territory"] == tid]

    def _directory_rows(self, kind: str) -> list[dict]:
        frame = self.audit.directory(kind)
        names = {x["id"]: x["name"] for x in self.audit.territories}
        labelled = {x["id"] for x in self.audit.territories if x["decision"] in HOLDS_LABEL}
        communes = _commune_names(self.audit.vintage)
        counted = _counted(kind, self.audit.config.get("campaign", {}))
        rows = []
        for r in frame.to_dict("records"):
            date = r.get("opened") if kind == "structures" else r.get("date")
            size = r.get("capacity") if kind == "structures" else r.get("participants")
            code = str(r.get("commune_code", "")).zfill(5)
            rows.append({"name": r.get("name", ""), "kind": r.get("kind", ""), "territory": r["territory"],
                         "territory_name": names.get(r["territory"], r["territory"]),
                         "commune": communes.get(code, code), "date": "" if pd.isna(date) else str(date),
                         "opened": "" if pd.isna(date) else str(date), "capacity": "" if pd.isna(size) else int(size),
                         "participants": "" if pd.isna(size) else int(size), "size": "" if pd.isna(size) else int(size),
                         "labelled": "1" if r["territory"] in labelled else "0", "counted": counted(r)})
        return rows

    def laureate_rows(self, lang: str, tid: str) -> dict:
        """The i-Lab laureates located in the territory, and those of the window that could not be
        located anywhere (a generated register locates none: real companies are never placed in it)."""
        frame = self.audit.data.laureates
        if frame.empty:
            return {"rows": [], "unlocated": 0, "generated": False, "listed": False}
        here = frame[(frame["status"] == "located") & (frame["territory"] == tid)]
        communes = _commune_names(self.audit.vintage)
        rows = [{"company": r["company"] or r["siren"], "siren": r["siren"], "year": r["year"], "kind": r["kind"],
                 "prize": r["prize"], "domain": r["domain"], "commune": communes.get(r["commune"], r["commune"])}
                for r in here.to_dict("records")]
        elsewhere = frame[frame["status"] != "located"].drop_duplicates(subset=["line"])
        return {"rows": rows, "unlocated": len(elsewhere), "unlocated_text": number(lang, len(elsewhere), 0),
                "listed": True,
                "generated": bool((frame["status"] == "generated_register").any())}

    def territory_page(self, lang: str, tid: str) -> str:
        a = self.audit
        row = next(r for r in self.score_rows(lang) if r["id"] == tid)
        terr = a.territory(tid)
        ctx = self.context(lang, "territory", row["name"], depth=2, other=f"territories/{tid}.html")
        inds = self.indicator_rows(lang, tid)
        trend = self.trend_rows(lang, tid)
        row = dict(row, n_communes=communes_text(lang, len(terr["communes"])), epci_declared=" ".join(terr["epci"]))
        structures = self.directory_rows("structures", tid, lang)
        initiatives = self.directory_rows("initiatives", tid, lang)
        counted = [s for s in structures if s["counted"]]
        catalogue = load_catalogue()
        kinds = catalogue.measures["support_structures"].where.get("kind", [])
        ctx.update(
            counted_structures=len(counted), counted_capacity=number(lang, sum(s["capacity"] or 0 for s in counted), 0),
            counted_kinds=", ".join(_lower_first(kind_name(lang, k)) for k in kinds),
            counted_initiatives=sum(1 for s in initiatives if s["counted"]),
            window_end=date(lang, f"{self.window[1]}-12-31"), window_start=date(lang, f"{self.window[0]}-01-01"))
        ctx.update(
            tr=row, indicators=inds, trend=trend, history=self.history_rows(lang, tid), median_key=self.median_key,
            record=self.public_record(lang, tid),
            map_svg=self.map_svg(lang, focus=tid),
            profile_svg=charts.profile(inds, row["name"], (row["name"], gettext(lang, "Candidates' median"),
                                                           gettext(lang, "Labelled average"))),
            trend_svg=(charts.trend([(r["year"], r["score"]) for r in trend], gettext(lang, "Trend across campaigns"))
                       if trend else ""),
            structures=structures, initiatives=initiatives,
            laureates=self.laureate_rows(lang, tid))
        return environment(lang).get_template("territory.html").render(ctx)

    def network(self, lang: str) -> str:
        ctx = self.context(lang, "network", gettext(lang, "Network"))
        structures, initiatives = self.directory_rows("structures", lang=lang), self.directory_rows("initiatives", lang=lang)
        labelled = []
        for r in self.score_rows(lang):
            if r["decision"] in HOLDS_LABEL:
                labelled.append({**r, "n_structures": sum(s["territory"] == r["id"] for s in structures),
                                 "n_initiatives": sum(s["territory"] == r["id"] for s in initiatives)})
        dirs = [(k, {"rows": rows, "kinds": sorted({(r["kind"], r["kind_text"]) for r in rows}, key=lambda k: k[1])})
                for k, rows in (("structures", structures), ("initiatives", initiatives))]
        ctx.update(labelled=labelled, directories=dirs,
                   territory_options=sorted(({"id": x["id"], "name": x["name"]} for x in self.audit.territories),
                                            key=lambda x: x["name"]))
        return environment(lang).get_template("network.html").render(ctx)

    def data_page(self, lang: str, tables: dict, dictionary: list[dict]) -> str:
        ctx = self.context(lang, "data", gettext(lang, "Open data"))
        ctx.update(tables=[{"name": n, "text": TABLE_TEXT.get(n, (n, n))[0 if lang == "fr" else 1]} for n in tables],
                   formats=FORMATS,
                   dictionary=[dict(r, type_text=gettext(lang, TYPE_NAMES.get(r["type"], r["type"])))
                               for r in dictionary])
        return environment(lang).get_template("data.html").render(ctx)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _whole_number(catalogue, code: str) -> bool:
    """Amounts in euros (to the euro) and counts without a denominator are written as whole numbers."""
    ind = catalogue.indicators.get(code)
    return ind is not None and (ind.per is None or "_eur" in code)


def _counted(kind: str, campaign: dict):
    """Whether a listed structure or initiative is one the indicators count: the catalogue's filters
    (kinds of structure open at the window's end; initiatives dated within the window)."""
    catalogue = load_catalogue()
    w = campaign.get("evidence_window") or [campaign.get("vintage", 2014)] * 2
    start, end = f"{int(w[0])}-01-01", f"{int(w[1])}-12-31"
    if kind == "structures":
        kinds = set(catalogue.measures["support_structures"].where.get("kind", []))

        def counted(r) -> bool:
            opened, closed = r.get("opened"), r.get("closed")
            opened = "" if opened is None or pd.isna(opened) else str(opened)
            closed = "" if closed is None or pd.isna(closed) else str(closed)
            return r.get("kind") in kinds and bool(opened) and opened[:10] <= end and (not closed or closed[:10] > end)
        return counted

    def dated(r) -> bool:
        d = "" if r.get("date") is None or pd.isna(r.get("date")) else str(r.get("date"))[:10]
        return bool(d) and start <= d <= end
    return dated


# label_type codes of the public record, and the message id that names them
LABEL_TYPES = {"metropole_french_tech": "Métropole French Tech", "capitale_french_tech": "Capitale French Tech",
               "candidate_not_selected": "candidate not selected", "thematic_pilot": "thematic pilot"}
TYPE_NAMES = {"string": "text", "number": "number", "integer": "integer", "date": "date (YYYY-MM-DD)",
              "boolean": "boolean"}   # column types of the data dictionary


@lru_cache(maxsize=1)
def _label_record() -> pd.DataFrame:
    path = resources.files("frenchtech") / "data" / "labels_2014_2023.csv"
    with path.open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str).fillna("")


@lru_cache(maxsize=4)
def _commune_names(vintage: int) -> dict[str, str]:
    try:
        c = load_geography(vintage).communes
    except Exception:
        return {}
    return dict(zip(c["code"], c["name"]))
