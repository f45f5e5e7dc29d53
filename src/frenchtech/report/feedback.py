"""A feedback letter per candidate, in French and in English: where it stands, with what certainty,
and the smallest changes that would have changed its decision.

Every audit writes them, beside its tables: ``feedback/fr/<territory>.html`` and
``feedback/en/<territory>.html`` (one folder per language, the same file names). A letter holds:

* the decision, its reason, and the label's validity or the date from which the territory may apply
  again;
* its rank among the candidates, the 5-95 % rank interval and the probability of being labelled under
  the campaign's uncertainty analysis (``scores.csv``);
* its strengths and weaknesses, pillar by pillar (``scores.csv``) and indicator by indicator
  (``indicators.csv``), against the median of the labelled territories and, for indicators, the
  median of every EPCI of France (``national.csv``);
* the counterfactuals in plain words (``counterfactuals.csv``: the index pipeline's own re-runs);
* the declared-vs-observed flags with the evidence rows behind each observed figure (``flags.csv``,
  ``evidence/``).

Every figure of a letter is written as ``<data data-figure="key" value="...">``: the value as read
from the audit's table, the text in the reader's language (Babel), so a letter can be checked against
the tables. Letters are a deterministic function of the audit's tables (no date of writing): re-running
an audit writes the same bytes, which ``verify`` checks. The platform shows an applicant its letter
rebuilt from the published (pinned) audit with the decisions published, which may differ from the
audit's proposal (a jury override, a deferral). PDF: ``letter_pdf`` uses WeasyPrint when the ``pdf``
extra is installed, else says why it cannot (the audit writes HTML only: a PDF carries its date of
writing, which would defeat ``verify``).
"""
from __future__ import annotations

import io
import math
from importlib import resources
from pathlib import Path

import pandas as pd

from frenchtech.audit.folder import AuditFolder, read
from frenchtech.report.i18n import (
    GENERATED,
    LANGS,
    date,
    decision_name,
    decision_reason,
    environment,
    gettext,
    indicator_name,
    number,
    percent,
    pillar_name,
)

HOLDS_LABEL = ("labelled", "renewed", "confirmed")
FOLDER = "feedback"
COUNTERFACTUALS = "counterfactuals.csv"
EVIDENCE_ROWS_SHOWN = 20   # evidence rows printed under a flag (the file holds them all)


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _digits(v: float) -> int:
    a = abs(v)
    return 0 if a >= 100 or a == 0 else 1 if a >= 10 else 2 if a >= 1 else 3


def figure(lang: str, key: str, value, text: str | None = None) -> dict:
    """A figure of the letter: its key, its exact value (as the table holds it) and its text."""
    v = _num(value)
    if text is None:
        text = "—" if v is None else number(lang, v, _digits(v))
    return {"key": key, "value": "" if v is None else repr(v), "text": text}


class Source:
    """What the letters of one audit share (read once): the tables, the labelled territories, medians."""

    def __init__(self, audit: AuditFolder, decisions: pd.DataFrame | None = None):
        self.audit = audit
        self.decisions = (audit.decisions if decisions is None else decisions).set_index("territory", drop=False)
        self.scores = audit.scores.set_index("territory", drop=False)
        self.indicators = audit.indicators.set_index("territory")
        self.national = audit.national
        config = audit.manifest.get("configuration", {}) or {}
        self.campaign = config.get("campaign", {}) or {}
        self.indicator_ids = [i["id"] for i in config.get("indicators", [])] or [
            c for c in self.indicators.columns if c != "population"]
        self.pillar_of = {i["id"]: i.get("pillar", "") for i in config.get("indicators", [])}
        self.pillars = list(dict.fromkeys(p for p in (config.get("pillars") or {}) if p in self.scores.columns)) or [
            p for p in dict.fromkeys(self.pillar_of.values()) if p in self.scores.columns]
        imeta = audit.index_table("iMeta")
        self.direction = ({str(r["iCode"]): int(r["Direction"]) for r in imeta.to_dict("records")
                           if str(r.get("Type")) == "Indicator"} if imeta is not None else {})
        self.labelled = [t for t, d in self.decisions["decision"].items() if d in HOLDS_LABEL]
        self.names = {t: n for t, n in self.scores["name"].items()} if "name" in self.scores.columns else {}
        self.counterfactuals = self._counterfactuals()
        self.generated = bool(audit.manifest.get("generated_evidence"))
        # every letter reads the same medians and its own counterfactual rows: computed once per audit
        self._medians: dict = {}
        self._cf_rows: dict | None = None
        self._flag_rows: dict = {}

    def _counterfactuals(self) -> pd.DataFrame:
        path = self.audit.file(COUNTERFACTUALS)
        if not path.is_file():
            return pd.DataFrame(columns=["territory"])
        return pd.read_csv(io.BytesIO(self.audit.raw(COUNTERFACTUALS)), dtype={"territory": str, "indicator": str,
                                                                               "position": str, "kind": str})

    def labelled_median(self, frame: pd.DataFrame, column: str) -> float | None:
        own = "scores" if frame is self.scores else "indicators" if frame is self.indicators else None
        key = ("labelled", own, column)
        if own is None or key not in self._medians:
            rows = [t for t in self.labelled if t in frame.index]
            median = _num(pd.to_numeric(frame.loc[rows, column], errors="coerce").median()) if rows else None
            if own is None:
                return median
            self._medians[key] = median
        return self._medians[key]

    def national_median(self, code: str) -> float | None:
        if self.national is None or self.national.empty or code not in self.national.columns:
            return None
        key = ("national", code)
        if key not in self._medians:
            self._medians[key] = _num(pd.to_numeric(self.national[code], errors="coerce").median())
        return self._medians[key]

    def counterfactuals_of(self, territory: str) -> list[dict]:
        """The counterfactual rows of one territory, as records (the table split by territory once)."""
        if self._cf_rows is None:
            cf = self.counterfactuals
            self._cf_rows = ({str(t): rows.to_dict("records") for t, rows in cf.groupby("territory", sort=False)}
                             if len(cf) else {})
        return self._cf_rows.get(str(territory), [])

    def flags_of(self, territory: str) -> list[tuple[dict, pd.DataFrame | None]]:
        """Each flag of one territory with the evidence rows behind it (None without its file), read once
        for both languages."""
        if territory not in self._flag_rows:
            out = []
            for f in self.audit.flags_of(territory).to_dict("records"):
                try:
                    rows = self.audit.evidence_rows(f) if f.get("evidence") and str(f.get("evidence")) != "nan" \
                        else None
                except Exception:  # an audit without the evidence file: the flag is shown, without rows
                    rows = None
                out.append((f, rows))
            self._flag_rows[territory] = out
        return self._flag_rows[territory]

    def name(self, territory: str) -> str:
        return str(self.names.get(territory) or territory)

    def campaign_name(self, lang: str) -> str:
        c = self.campaign
        return (c.get("name_en") if lang == "en" else None) or c.get("name") or str(self.audit.manifest.get("campaign", ""))


def _compare(value, median, direction: int = 1) -> str:
    """"strength", "weakness" or "" (equal, or a figure missing) against a median."""
    if value is None or median is None or value == median:
        return ""
    return "strength" if (value - median) * direction > 0 else "weakness"


def _decision_section(src: Source, t: str, lang: str) -> dict:
    row = src.decisions.loc[t].to_dict() if t in src.decisions.index else {}
    code = str(row.get("decision") or "")
    out = {"code": code, "words": decision_name(lang, code),
           "reason": decision_reason(lang, row, src.names) if row else "", "validity": ""}
    start, end, again = (str(row.get(k) or "") for k in ("valid_from", "valid_until", "reapply_from"))
    start, end, again = ("" if v == "nan" else v for v in (start, end, again))
    if code in HOLDS_LABEL and start and end:
        out["validity"] = gettext(lang, "Label valid from %(start)s to %(end)s.", start=date(lang, start),
                                  end=date(lang, end))
    elif again:
        out["validity"] = gettext(lang, "The territory may apply again from %(date)s.", date=date(lang, again))
    return out


def _standing(src: Source, t: str, lang: str) -> dict:
    r = src.scores.loc[t]
    n = len(src.scores)
    out = {"rank": figure(lang, "rank", r["rank"], number(lang, r["rank"], 0)),
           "of": figure(lang, "of", n, number(lang, n, 0)),
           "score": figure(lang, "score", r["score"], number(lang, r["score"], 1)), "interval": None, "p": None}
    if _num(r.get("rank_p05")) is not None and _num(r.get("rank_p95")) is not None:
        out["interval"] = (figure(lang, "rank_p05", r["rank_p05"], number(lang, r["rank_p05"], 0)),
                           figure(lang, "rank_p95", r["rank_p95"], number(lang, r["rank_p95"], 0)))
    if _num(r.get("p_labelled")) is not None:
        out["p"] = figure(lang, "p_labelled", r["p_labelled"], percent(lang, r["p_labelled"]))
    return out


def _profile(src: Source, t: str, lang: str) -> tuple[list[dict], list[dict]]:
    pillars = []
    for p in src.pillars:
        value = _num(src.scores.at[t, p])
        med = src.labelled_median(src.scores, p)
        pillars.append({"name": pillar_name(lang, p), "value": figure(lang, f"pillar:{p}", value),
                        "labelled": figure(lang, f"pillar_labelled_median:{p}", med),
                        "verdict": _compare(value, med)})
    indicators = []
    for code in src.indicator_ids:
        if code not in src.indicators.columns:
            continue
        value = _num(src.indicators.at[t, code])
        lab, nat = src.labelled_median(src.indicators, code), src.national_median(code)
        d = src.direction.get(code, 1)
        indicators.append({"name": indicator_name(lang, code), "pillar": pillar_name(lang, src.pillar_of.get(code, "")),
                           "value": figure(lang, f"indicator:{code}", value),
                           "labelled": figure(lang, f"labelled_median:{code}", lab),
                           "national": figure(lang, f"national_median:{code}", nat),
                           "verdict": _compare(value, lab, d), "national_verdict": _compare(value, nat, d)})
    return pillars, indicators


def _change(lang: str, key: str, r: dict) -> dict:
    """The change as a signed percentage of the current value; from 0, as the signed amount (a share of
    nothing means nothing to a reader)."""
    if _num(r["value"]) == 0:
        v = _num(r["change"])
        text = ("+" if v is not None and v > 0 else "") + figure(lang, "", v)["text"]
        return figure(lang, f"{key}:change", v, text)
    return figure(lang, f"{key}:relative_change", r["relative_change"], percent(lang, r["relative_change"], signed=True))


def _counterfactual_section(src: Source, t: str, lang: str) -> dict:
    rows = src.counterfactuals_of(t)
    if not rows:
        return {"applies": False, "singles": [], "combination": None, "position": ""}
    position = str(rows[0]["position"])
    singles = []
    for r in (r for r in rows if r["kind"] in ("single", "margin")):
        name = indicator_name(lang, r["indicator"])
        key = f"{r['kind']}:{r['indicator']}"
        if str(r["found"]) != "True":
            text = gettext(lang, "No change of %(indicator)s alone would have sufficed.", indicator=name) \
                if r["kind"] == "single" else \
                gettext(lang, "No fall of %(indicator)s alone would lose the label.", indicator=name)
            singles.append({"text": text, "figures": []})
            continue
        figs = [figure(lang, f"{key}:value", r["value"]), figure(lang, f"{key}:new_value", r["new_value"]),
                _change(lang, key, r)]
        template = ("Improving %(indicator)s from %(value)s to %(new)s (%(change)s) would alone have put the "
                    "territory over the bar." if r["kind"] == "single" else
                    "%(indicator)s could move from %(value)s to %(new)s (%(change)s) before the label is lost.")
        p = _num(r.get("p_labelled_after"))
        singles.append({"template": gettext(lang, template, indicator=name, value="\x00v", new="\x00n",
                                            change="\x00c"),
                        "figures": figs,
                        "p": figure(lang, f"{key}:p_labelled_after", p, percent(lang, p)) if p is not None else None})
    combination = None
    combo = [r for r in rows if r["kind"] == "combination"]
    if combo:
        found = [r for r in combo if str(r["found"]) == "True"]
        if not found:
            combination = {"found": False}
        else:
            parts = []
            for r in found:
                key = f"combination:{r['indicator']}"
                parts.append({"name": indicator_name(lang, r["indicator"]),
                              "value": figure(lang, f"{key}:value", r["value"]),
                              "new": figure(lang, f"{key}:new_value", r["new_value"]),
                              "change": _change(lang, key, r)})
            first = found[0]
            p = _num(first.get("p_labelled_after"))
            combination = {"found": True, "parts": parts,
                           "cost": figure(lang, "combination:cost", first.get("combination_cost"),
                                          percent(lang, first.get("combination_cost"))),
                           "p": figure(lang, "combination:p_labelled_after", p, percent(lang, p)) if p is not None else None}
    return {"applies": True, "position": position, "singles": singles, "combination": combination}


def _sentence(item: dict) -> list[dict]:
    """A counterfactual's sentence as pieces: text, and figures where the placeholders were."""
    if "template" not in item:
        return [{"text": item["text"]}]
    marks = {"\x00v": item["figures"][0], "\x00n": item["figures"][1], "\x00c": item["figures"][2]}
    pieces, rest = [], item["template"]
    while rest:
        at = [(rest.find(m), m) for m in marks if rest.find(m) >= 0]
        if not at:
            pieces.append({"text": rest})
            break
        i, m = min(at)
        if i:
            pieces.append({"text": rest[:i]})
        pieces.append({"figure": marks[m]})
        rest = rest[i + len(m):]
    return pieces


def _flags(src: Source, t: str, lang: str) -> list[dict]:
    out = []
    for f, rows in src.flags_of(t):
        key = f"flag:{f.get('figure')}"
        evidence = None
        if rows is not None:
            shown = rows.head(EVIDENCE_ROWS_SHOWN)
            evidence = {"columns": list(shown.columns), "count": len(rows),
                        "rows": [["" if pd.isna(v) else str(v) for v in r] for r in shown.itertuples(index=False)],
                        "file": str(f.get("evidence"))}
        out.append({"figure": indicator_name(lang, str(f.get("figure"))),
                    "declared": figure(lang, f"{key}:declared", f.get("declared")),
                    "observed": figure(lang, f"{key}:observed", f.get("observed")),
                    "gap": figure(lang, f"{key}:gap", f.get("gap"), percent(lang, f.get("gap"), signed=True)
                                  if _num(f.get("gap")) is not None else "—"),
                    "tolerance": figure(lang, f"{key}:tolerance", f.get("tolerance"),
                                        percent(lang, f.get("tolerance")) if _num(f.get("tolerance")) is not None else "—"),
                    "rows_text": decision_reason(lang, f, field="rows"), "evidence": evidence})
    return out


def letter_context(src: Source, territory: str, lang: str) -> dict:
    t = str(territory)
    if t not in src.scores.index:
        raise KeyError(f"{t}: not a candidate of this audit")
    pillars, indicators = _profile(src, t, lang)
    cf = _counterfactual_section(src, t, lang)
    for item in cf["singles"]:
        item["pieces"] = _sentence(item)
    return {"lang": lang, "territory": t, "name": src.name(t), "campaign_name": src.campaign_name(lang),
            "generated": src.generated, "generated_text": gettext(lang, GENERATED),
            "decision": _decision_section(src, t, lang), "standing": _standing(src, t, lang),
            "pillars": pillars, "indicators": indicators, "counterfactuals": cf,
            "flags": _flags(src, t, lang), "has_national": src.national is not None and not src.national.empty}


def _css() -> str:
    return (resources.files("frenchtech.report") / "static" / "feedback.css").read_text(encoding="utf-8")


def template(lang: str):
    """The letter's compiled template in ``lang`` (compile it once to render many letters)."""
    return environment(lang).get_template("feedback.html")


def render_body(src: Source, territory: str, lang: str) -> str:
    """The letter itself (an ``<article>``), for a page that brings its own document and style."""
    return template(lang).render(letter_context(src, territory, lang), whole=False)


def render_letter(src: Source, territory: str, lang: str, compiled=None, css: str | None = None) -> str:
    """The letter as a self-contained HTML document (its style inside); ``compiled`` and ``css``, when
    given, are ``template(lang)`` and ``_css()`` shared by many letters."""
    return (compiled or template(lang)).render(letter_context(src, territory, lang), whole=True,
                                               css=_css() if css is None else css)


def write_letters(folder, out=None, result=None, langs=LANGS, decisions: pd.DataFrame | None = None) -> list[Path]:
    """Write every candidate's letter in each language under ``out`` (default: ``folder``/feedback):
    ``<lang>/<territory>.html``. ``folder`` is an audit folder; while an audit is being written (no
    manifest yet), ``result`` (its ``AuditResult``) gives the campaign's fields. All or nothing."""
    folder = Path(folder)
    if (folder / "manifest.json").is_file():
        audit = read(folder)
    else:
        from frenchtech.audit.manifest import campaign_fields

        audit = AuditFolder(folder, campaign_fields(result.campaign, result.evidence_dir), b"")
    src = Source(audit, decisions)
    target = Path(out) if out is not None else folder / FOLDER
    css = _css()
    compiled = {lang: template(lang) for lang in langs}
    pages = {(lang, t): render_letter(src, t, lang, compiled[lang], css) for lang in langs for t in src.scores.index}
    written = []
    for lang in langs:
        (target / lang).mkdir(parents=True, exist_ok=True)
    for (lang, t), html in sorted(pages.items()):
        path = target / lang / f"{t}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


def letter_pdf(html: str) -> tuple[bytes | None, str]:
    """(PDF bytes, "") with WeasyPrint (the ``pdf`` extra), else (None, why not)."""
    try:
        from weasyprint import HTML  # needs the pdf extra and pango/cairo system libraries
    except Exception as exc:  # ImportError, or OSError from missing system libraries
        return None, f"WeasyPrint unavailable ({type(exc).__name__}): install frenchtech[pdf]"
    return HTML(string=html).write_pdf(), ""
