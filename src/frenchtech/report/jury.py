"""The jury report: one self-contained, printable HTML document per campaign (PDF where WeasyPrint works)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from frenchtech import __version__, attribution
from frenchtech.report import charts
from frenchtech.report.audit_data import Audit, load_audit
from frenchtech.report.i18n import (
    datetime_text,
    decision_reason,
    environment,
    factor_name,
    gettext,
    indicator_name,
    number,
    pillar_name,
    step_name,
)
from frenchtech.report.showcase import Showcase
from frenchtech.report.stats import index_spec, matrix, method_steps, treated


def sobol_rows(audit: Audit, lang: str) -> list[dict]:
    """Rows of the audit's own Sobol table (index/sobol.csv: Variable, S1, ST), never recomputed; empty
    when the audit ran no sensitivity analysis."""
    frame = audit.sobol
    if frame is None or frame.empty:
        return []
    return [{"name": factor_name(lang, r["Variable"]), "variable": r["Variable"], "first": r["S1"], "total": r["ST"],
             "first_text": number(lang, r["S1"], 3), "total_text": number(lang, r["ST"], 3)}
            for r in frame.to_dict("records")]


# The index's methods in words: step -> {method code: sentence}; parameters -> what they mean. Codes are
# COINr's (``n_minmax``, ``a_amean``...); a method not listed here is named by its code.
METHODS = {
    "denominate": {"": "Counts are divided by the territory's population, so that large and small territories compare."},
    "impute": {"i_mean": "A missing value is replaced by the candidates' mean for that indicator.",
               "i_median": "A missing value is replaced by the candidates' median for that indicator.",
               "i_mean_grp": "A missing value is replaced by the mean of the territory's group.",
               "i_median_grp": "A missing value is replaced by the median of the territory's group.",
               "latest": "A missing value is replaced by the territory's latest known value.",
               "linear": "A missing value is interpolated between the territory's known years."},
    "screen": {"": "Territories with too few data points are left out of the index."},
    "treat": {"winsorise": "Outliers that would dominate an indicator are pulled back to the nearest ordinary "
                           "value (winsorisation), a few values at most; if that is not enough the indicator is "
                           "log-transformed instead."},
    "normalise": {"n_minmax": "Each indicator is rescaled so that the lowest candidate scores %(low)s and the "
                              "highest %(high)s.",
                  "n_zscore": "Each indicator is turned into standard scores (how many standard deviations from "
                              "the candidates' mean).",
                  "n_rank": "Each indicator is replaced by the candidates' ranks."},
    "aggregate": {"a_amean": "Indicators are averaged within each pillar, then the pillars into the index, with "
                             "the weights of the table below (weighted arithmetic mean): a weakness can be made up "
                             "by a strength.",
                  "a_gmean": "Indicators are combined within each pillar, then the pillars into the index, by a "
                             "weighted geometric mean: a weakness is only partly made up by a strength."},
}
PARAMETERS = {
    "f1": "outlier treatment", "winmax": "values treated per indicator, at most",
    "skew_thresh": "skewness above which an indicator is treated", "kurt_thresh": "kurtosis above which an "
    "indicator is treated", "f_n": "normalisation", "f_n_para": "range of the normalised scores",
    "f_ag": "aggregation", "f_i": "imputation", "dat_thresh": "share of data a territory needs",
    "unit_screen": "screening rule", "f2": "treatment when winsorising is not enough",
}


def method_text(lang: str, spec: dict) -> tuple[list[tuple[str, str]], list[dict]]:
    """The index's method as sentences, step by step, and its parameters as table rows."""
    prose, params = [], []
    for step, p in spec.items():
        p = p if isinstance(p, dict) else {"": p}
        methods = METHODS.get(step, {})
        code = str(p.get({"impute": "f_i", "treat": "f1", "normalise": "f_n", "aggregate": "f_ag"}.get(step, ""), ""))
        template = methods.get(code) or methods.get("")
        values = {}
        if step == "normalise":
            low, high = (p.get("f_n_para") or [0, 100])[:2] if isinstance(p.get("f_n_para"), list) else (0, 100)
            values = {"low": number(lang, low, 0), "high": number(lang, high, 0)}
        text = gettext(lang, template, **values) if template else gettext(
            lang, "This step uses the method %(code)s.", code=code or step)
        prose.append((step_name(lang, step), text))
        for k, v in p.items():
            if k:
                params.append({"step": step_name(lang, step), "code": k, "value": _param_value(lang, v),
                               "meaning": gettext(lang, PARAMETERS[k]) if k in PARAMETERS else ""})
    return prose, params


def _param_value(lang: str, v) -> str:
    if isinstance(v, (list, tuple)):
        return "–".join(_param_value(lang, x) for x in v)
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (int, float)):
        places = 0 if float(v).is_integer() else len(repr(float(v)).split(".")[1])
        return number(lang, v, places)
    return str(v)


def evidence_text(lang: str, flag) -> str:
    """The evidence summary of a flag (a row of flags.csv) in the page's language, from its codes
    (``rows_code``, ``rows_params``); an audit written without them shows its English text."""
    return decision_reason(lang, flag, field="rows")


def render_jury(audit: Audit, lang: str = "fr", root: str | None = None, site=None) -> str:
    site = site or Showcase([audit])
    rows = site.score_rows(lang)
    st = site.stats
    ctx = {"lang": lang, "root": root,
           "other_lang": "en" if lang == "fr" else "fr", "generated": audit.generated,
           "campaign_name": audit.name(lang), "campaign_id": audit.campaign_id, "attribution": attribution(lang),
           "css": "\n".join((resources.files("frenchtech.report") / "static" / name).read_text(encoding="utf-8")
                           for name in ("design.css", "showcase.css")),
           "js": (resources.files("frenchtech.report") / "static" / "showcase.js").read_text(encoding="utf-8"),
           "created": datetime_text(lang, audit.manifest.get("created", "")), "version": __version__,
           "manifest_hash": audit.data.manifest_sha256[:16],
           "method": [(step_name(lang, step), text) for step, text in method_steps(audit)],
           "method_prose": method_text(lang, index_spec(audit))[0],
           "method_params": method_text(lang, index_spec(audit))[1],
           "window": "–".join(map(str, audit.campaign.get("evidence_window", []))),
           "bar_text": site.bar_text(lang), "has_intervals": audit.has_intervals, "rows": rows,
           "stats": st}
    ctx["indicators"] = [{"pillar": pillar_name(lang, i.get("pillar", "")), "name": indicator_name(lang, i["id"]),
                          "id": i["id"], "weight": i.get("weight", 1)} for i in audit.config.get("indicators", [])]
    ctx["ranking_svg"] = charts.ranking(rows, len(rows), audit.bar.get("last_labelled_rank"), gettext(lang, "Ranking"),
                                        bar_text=gettext(lang, "Labelling bar"))
    if st["available"]:
        corr = st["correlations"]
        names = [indicator_name(lang, c) for c in corr.columns]
        ctx["heatmap"] = charts.heatmap([charts.shorten(f"{k + 1}. {n}", 40) for k, n in enumerate(names)],
                                        matrix(corr), gettext(lang, "Correlations between indicators (Pearson)"),
                                        fmt=lambda v: number(lang, v, 2))
        ctx["corr_codes"] = list(corr.columns)
        ctx["corr_rows"] = [{"name": n, "values": [number(lang, v, 2) for v in row]}
                            for n, row in zip(names, matrix(corr))]
        ctx["cronbach"] = [(pillar_name(lang, k) if k != "Index" else gettext(lang, "Index"), number(lang, v, 3))
                           for k, v in st["cronbach"].items()]
        ctx["treated"] = [{"name": indicator_name(lang, r["iCode"]), "skew": number(lang, r["Skew"], 2),
                           "kurt": number(lang, r["Kurt"], 2),
                           "changed": "" if pd.isna(r["changed"]) else int(r["changed"])}
                          for _, r in treated(st).iterrows()]
    loo = st.get("leave_one_out") if st["available"] else None
    ctx["leave_one_out"] = [] if loo is None or loo.empty or "iCode" not in loo.columns else [
        {"name": indicator_name(lang, r["iCode"]), "mean": number(lang, r.get("MeanAbsRankShift"), 2),
         "max": number(lang, r.get("MaxAbsRankShift"), 0)} for r in loo.to_dict("records")]
    sob = sobol_rows(audit, lang)
    ctx["sobol_reason"] = "" if sob else gettext(
        lang, "The audit has no Sobol indices (index/sobol.csv): it ran no sensitivity analysis.")
    ctx["sobol"] = sob
    ctx["sobol_svg"] = charts.bars(sob, gettext(lang, "Sobol indices")) if sob else ""
    flags = audit.tables.get("flags", pd.DataFrame())
    names = {x["id"]: x["name"] for x in audit.territories}
    ctx["flags"] = [{"territory": names.get(r.get("territory"), r.get("territory")),
                     "territory_id": r.get("territory"), "figure": indicator_name(lang, str(r.get("figure"))),
                     "declared": number(lang, r.get("declared")), "observed": number(lang, r.get("observed")),
                     "gap": number(lang, r.get("gap"), 2), "tolerance": number(lang, r.get("tolerance"), 2),
                     "rows": evidence_text(lang, r)} for r in flags.to_dict("records")] if not flags.empty else []
    pages = []
    for r in rows:
        fl = [f["figure"] for f in ctx["flags"] if f["territory_id"] == r["id"]]
        pages.append({**r, "indicators": site.indicator_rows(lang, r["id"]), "flags": ", ".join(map(str, fl))})
    ctx["territories"] = pages
    ctx["median_key"] = site.median_key
    return environment(lang).get_template("jury.html").render(ctx)


def write_jury(audit_dir, out, lang: str = "fr", pdf: bool = True) -> dict:
    """Write the jury report; a PDF beside it when WeasyPrint and its system libraries are present."""
    audit = load_audit(audit_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    html = render_jury(audit, lang)
    out.write_text(html, encoding="utf-8")
    result = {"html": str(out), "pdf": None, "pdf_skipped": None, "generated": audit.generated}
    if pdf:
        try:
            from weasyprint import HTML  # needs pango/cairo system libraries
        except Exception as exc:  # ImportError or OSError from missing system libraries
            result["pdf_skipped"] = f"WeasyPrint unavailable ({type(exc).__name__})"
        else:
            target = out.with_suffix(".pdf")
            HTML(string=html, base_url=str(out.parent)).write_pdf(target)
            result["pdf"] = str(target)
    return result
