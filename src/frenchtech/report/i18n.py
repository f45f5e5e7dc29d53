"""The showcase's and the jury report's words in the page's language, from the one catalogue.

Every sentence is an English message id of ``frenchtech/locale`` (the catalogue the platform and the
audit's reasons use): templates call ``_()``/``pgettext()`` (``environment(lang)`` installs the
catalogue of the page's language in Jinja), code calls ``gettext(lang, ...)``. Numbers, dates and
ordinals are written by ``frenchtech.messages`` (Babel); this module re-exports them for the pages.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from frenchtech.indicators import indicator_label
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.messages import (  # noqa: F401  (the pages' formatting API)
    catalogue,
    cell_text,
    date,
    decision_words,
    gettext,
    ngettext,
    number,
    percent,
    render_all,
    render_columns,
    time,
)

LANGS = ("fr", "en")
GENERATED = ("GENERATED demo data: the figures on this site come from generated data (random, calibrated on "
             "real populations); they are not real figures.")   # the banner of every page

# Codes of the audit's tables and the message id that names them (the catalogue holds their French).
KINDS = {  # kinds of structures.csv and initiatives.csv
    "incubator": "Incubator", "accelerator": "Accelerator", "startup_studio": "Startup studio",
    "coworking": "Coworking space", "event": "Event", "programme": "Support programme", "meetup": "Meetup",
    "hackathon": "Hackathon", "competition": "Competition",
}
FACTORS = {  # methodological choices varied by the uncertainty analysis ([[uncertainty.inputs]] name)
    "winsorisation limit": "Winsorisation limit", "winsorisation": "Winsorisation",
    "normalisation": "Normalisation", "normalization": "Normalisation", "aggregation": "Aggregation",
    "weights": "Weights", "weight": "Weight", "imputation": "Imputation",
}
PILLARS = {"startups": "Startups", "funding": "Funding", "support": "Support", "entrepreneurs": "Entrepreneurs"}
STEPS = {  # the index engine's steps (frenchtech.index.steps.STEPS), in the jury report's method
    "denominate": "Denomination", "impute": "Imputation", "screen": "Screening", "treat": "Outlier treatment",
    "normalise": "Normalisation", "aggregate": "Aggregation",
}
DECISIONS = ("labelled", "not_selected", "deferred", "confirmed", "renewed", "withdrawn", "ineligible")


@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    """The reports' Jinja environment speaking ``lang`` (``_``, ``gettext``, ``ngettext``, ``pgettext``)."""
    env = Environment(loader=PackageLoader("frenchtech.report", "templates"), extensions=["jinja2.ext.i18n"],
                      autoescape=select_autoescape(["html"]), trim_blocks=False)
    env.install_gettext_translations(catalogue(lang), newstyle=True)
    return env


def indicator_names(code: str) -> tuple[str, str] | None:
    """(French, English) names of an indicator or measure of the catalogue (frenchtech.indicators);
    None for any other code."""
    cat = load_catalogue()
    if code not in cat.indicators and code not in cat.measures:
        return None
    return indicator_label(code, "fr"), indicator_label(code, "en")


def indicator_name(lang: str, code: str) -> str:
    """An indicator's name in the page's language, from the indicator catalogue."""
    names = indicator_names(code)
    return names[0 if lang == "fr" else 1] if names else code.replace("_", " ")


def _named(lang: str, names: dict, code) -> str:
    code = str(code or "")
    return gettext(lang, names[code]) if code in names else code.replace("_", " ")


def pillar_name(lang: str, code: str) -> str:
    return _named(lang, PILLARS, code)


def step_name(lang: str, code) -> str:
    """A step of the composite index (``normalise``) in the page's language."""
    return _named(lang, STEPS, code)


def kind_name(lang: str, code) -> str:
    """A structure or initiative kind in the page's language."""
    return _named(lang, KINDS, code)


def factor_name(lang: str, name) -> str:
    """A factor of the uncertainty analysis in the page's language (unknown names are shown as given)."""
    key = str(name or "").strip().lower()
    return gettext(lang, FACTORS[key]) if key in FACTORS else str(name or "")


def datetime_text(lang: str, value) -> str:
    """An ISO timestamp as a date and time in the page's language (UTC offset kept when not UTC)."""
    text = "" if value is None else str(value).strip()
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    offset = stamp.utcoffset()
    zone = "" if offset is None else (" UTC" if not offset else " UTC" + stamp.strftime("%z")[:3] + ":" + stamp.strftime("%z")[3:])
    return gettext(lang, "%(date)s, %(time)s", date=date(lang, stamp.date().isoformat()), time=time(lang, stamp)) + zone


def communes_text(lang: str, n: int) -> str:
    """"1 commune", "12 communes"."""
    return ngettext(lang, "%(n)s commune", "%(n)s communes", n, n=number(lang, n, 0))


def decision_name(lang: str, code: str) -> str:
    return decision_words(lang, code) if code in DECISIONS else str(code or "").replace("_", " ")


def decision_reason(lang: str, row, names: dict | None = None, field: str = "reason") -> str:
    """A decision row's explanation in the page's language, rendered from its codes and parameters
    (``<field>_code``, ``<field>_params``; ``field`` is "reason", "early_warning" or "flags") by the
    message catalogue (``frenchtech.messages``); ``names`` ({territory id: name}) names the territories
    it mentions. An audit written without codes shows the English text as written."""
    row = row if row is not None else {}
    rendered = render_columns(row, field, lang, lambda reasons, lang: render_all(reasons, lang, names))
    if rendered is None:
        return cell_text(row.get(field))
    return rendered + " (flags.csv)" if field == "flags" else rendered
