"""Explanations as data: a ``Reason`` is a code with parameters, rendered in a language from one catalogue.

The labelling code says why a candidate is decided the way it is, what an early warning is about and
which declared figure is flagged as ``Reason`` values (``Reason("quota_outside", {"rank": 11, "of": 15,
"quota": 9})``); text is made only at the edge, by ``render(reason, lang)``. The catalogue is gettext's:
``frenchtech/locale/<lang>/LC_MESSAGES/django.po`` (compiled to ``.mo``), whose message ids are the
English templates of ``TEMPLATES`` with named placeholders; Django reads the same folder.
Parameters are formatted per language before they enter a template (French: 1 234,5, 12 novembre 2014,
2e; English: 1,234.5, 2014-11-12, 2nd), by the parameter's name (``FORMATS``); numbers, dates, times,
ordinals and euros are written by Babel with the language's CLDR conventions (French groups digits with
U+202F NARROW NO-BREAK SPACE and puts U+00A0 NO-BREAK SPACE before "%" and "€").

The accelerator fund explains its allocations the same way (codes ``fund_*``: eliminations, the limits
of an amount, rejections and the smallest change that would have funded them, relaxations of rules in
conflict, the solver's certificate, binding rules and shadow prices); money parameters (names ending in
``_eur``) are whole euros or decimal strings.

Several reasons side by side (a quota reason and a tie, several early warnings) travel as a list; in a
table they are two columns, ``<field>_code`` (codes joined by ``;``) and ``<field>_params`` (a JSON list
of parameter objects, one per code): ``encode`` and ``decode``.
"""
from __future__ import annotations

import datetime as dt
import gettext as _gettext
import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "django"   # the domain Django reads, so the web platform can use the same catalogue

# code -> English template (the catalogue's message id); a pair is (singular, plural), chosen by "count".
TEMPLATES: dict[str, str | tuple[str, str]] = {
    # decisions of the rule
    "quota_within": "%(rank)s of the %(of)s candidates competing for the quota, within the quota of %(quota)s",
    "quota_outside": "%(rank)s of the %(of)s candidates competing for the quota, outside the quota of %(quota)s",
    "quota_tied": "tied at the quota boundary with %(tied)s: all %(count)s tied candidates are labelled "
                  "(%(above)s above the quota)",
    "threshold_mean_reached": "score %(score)s = %(relative)s of the candidates' mean (%(reference_score)s), "
                              "at or above %(share)s",
    "threshold_mean_below": "score %(score)s = %(relative)s of the candidates' mean (%(reference_score)s), "
                            "below %(share)s",
    "threshold_territory_reached": "score %(score)s = %(relative)s of %(reference)s (%(reference_score)s), "
                                   "at or above %(share)s",
    "threshold_territory_below": "score %(score)s = %(relative)s of %(reference)s (%(reference_score)s), "
                                 "below %(share)s",
    "automatic": "automatic label set by the campaign",
    "label_expired": "the previous label had expired",
    # re-audit of a label held from the predecessor campaign
    "reaudit_kept": "re-audit: label %(label)s kept (valid until %(until)s)",
    "reaudit_kept_warned": "re-audit: label %(label)s kept (valid until %(until)s) with an early warning",
    "reaudit_withdrawn": "re-audit: %(relative)s of the reference, below the withdrawal bar of %(bar)s; "
                         "label %(label)s ends",
    # eligibility
    "population_below": "population %(population)s below the minimum of %(minimum)s",
    "no_dossier": "no dossier",
    "dossier_incomplete": "incomplete dossier: missing %(missing)s",
    "reapply_pending": "%(decision)s in %(campaign)s: may apply again from %(date)s",
    # the jury
    "jury_override": "jury override (%(by)s) of '%(rule_decision)s': %(rationale)s",
    # early warnings
    "warning_below_bar": "below the bar: %(relative)s of the reference < %(bar)s",
    "warning_drop": "fell from %(previous)s to %(relative)s of the reference since %(predecessor)s "
                    "(-%(drop)s points, margin %(margin)s)",
    # declared vs observed, and the evidence behind an observed value
    "declared_gap": "%(figure)s %(gap)s declared vs observed",
    "evidence_rows": ("%(count)s row(s) of %(file)s, lines %(lines)s", "%(count)s row(s) of %(file)s, lines %(lines)s"),
    "evidence_rows_more": ("%(count)s row(s) of %(file)s, lines %(lines)s ...",
                           "%(count)s row(s) of %(file)s, lines %(lines)s ..."),
    "register_communes": "commune in the %(count)s codes of %(territory)s",
    "register_naf": "activity in NAF tags %(tags)s (%(codes)s codes)",
    "register_created_window": "created between %(start)s and %(end)s",
    "register_created_by": "created by %(end)s (or date unknown)",
    "register_active": "administrative state active (A)",
    "register_head_office": "head office (etablissementSiege = true)",
    "register_count": "count = %(count)s",
    # the accelerator fund (frenchtech.fund): why an application is excluded or not funded
    "fund_eliminated": "eliminated: %(conditions)s",
    "fund_cap_below_ticket": "its cap (%(limit)s: EUR %(cap_eur)s) is below the minimum ticket (EUR %(ticket_min_eur)s)",
    "fund_outscored": "outscored: the funded applications bring more value",
    "fund_outscored_binding": "outscored: %(rules)s leave(s) no room at its score",
    "fund_cannot_be_funded": "cannot be funded under the rules in this batch (%(rules)s)",
    "fund_cannot_be_funded_alone": "cannot be funded under the rules in this batch (its own limits)",
    # what limits a funded amount
    "fund_at_cap": "cap (%(limit)s)",
    "fund_at_ticket_min": "minimum ticket",
    # the smallest change that would have funded a rejected application
    "fund_change_raise_cap": "raise its cap to EUR %(ticket_min_eur)s (more private co-investment or a higher "
                             "valuation), or lower the minimum ticket",
    "fund_change_conditions": "meet the condition(s): %(conditions)s",
    "fund_change_score": "a score of %(needed_score)s instead of %(current_score)s",
    "fund_change_score_out_of_reach": "a score of %(needed_score)s instead of %(current_score)s "
                                      "(above the 100-point scale: out of reach)",
    "fund_change_score_estimate": "a score of about %(estimated_score)s (estimate from the shadow prices, "
                                  "not re-solved)",
    "fund_no_score_suffices": "no change of score suffices",
    # the smallest relaxation of a rule in conflict (infeasible rules, or an application that cannot be funded)
    "fund_relax_budget": "budget: needs EUR %(more_eur)s more available budget",
    "fund_relax_labelled_share": "labelled_share: short of EUR %(short_eur)s of labelled-ecosystem money for a "
                                 "share of %(share)s: lower labelled_share or add labelled applications",
    "fund_relax_region": "%(rule)s: over the %(share)s regional cap by EUR %(over_eur)s: raise region_cap",
    "fund_relax_commit_at_least": "commit_at_least: at most EUR %(most_eur)s can be committed: "
                                  "lower commit_at_least_eur",
    "fund_relax_ticket_min": "ticket_min: lower ticket_min_eur by EUR %(lower_eur)s",
    "fund_relax_force": "%(rule)s: application %(application)s cannot be funded together with the other rules",
    "fund_relax_drop": "%(rule)s: must be dropped altogether",
    "fund_relax_other": "%(rule)s: needs relaxing by EUR %(by_eur)s",
    "fund_relax_in_conflict": "%(rule)s: in conflict",
    # the optimum funds nothing because no application can be funded at all under the rules
    "fund_every_allocation_empty": "the rules make every allocation empty: no application can be funded under "
                                   "%(rules)s (with each application's own limits); nothing is allocated. "
                                   "Relax: %(relax)s",
    "fund_every_allocation_empty_limits": "the rules make every allocation empty: no application can be funded "
                                          "within its own limits; nothing is allocated",
    # the solver's certificate, and what it means
    "fund_certificate_optimal": "OPTIMAL (proven by branch and bound: objective %(objective)s, dual bound "
                                "%(dual_bound)s, relative gap %(relative_gap)s; whole-euro allocation value "
                                "%(allocation_value)s)",
    "fund_certificate_not_proven": "NOT PROVEN OPTIMAL: value %(value)s, bound %(bound)s, gap %(gap_percent)s",
    "fund_certificate_optimal_meaning": "No allocation under these rules has a higher score-weighted value: the "
                                        "solver's bound (%(dual_bound)s) equals the value it found.",
    "fund_certificate_not_proven_meaning": "The allocation found is worth %(value)s; no allocation under these "
                                           "rules is worth more than %(bound)s, so it is at most %(gap_percent)s "
                                           "below the best one.",
    # a rule with no room left at the optimum
    "fund_binding_budget": "budget: the batch uses the available budget (EUR %(slack_eur)s left)",
    "fund_binding_labelled_share": "labelled_share: the money in labelled ecosystems is at the minimum share of "
                                   "%(share)s (EUR %(slack_eur)s above it)",
    "fund_binding_region": "%(rule)s: the money committed in %(region)s is at the regional cap of %(share)s "
                           "(EUR %(slack_eur)s of room left)",
    "fund_binding_commit_at_least": "commit_at_least: the batch commits no more than the minimum commitment "
                                    "(EUR %(slack_eur)s above it)",
    "fund_binding_other": "%(rule)s: no room left (EUR %(slack_eur)s)",
    # shadow prices: what one more euro on a rule is worth
    "fund_price_budget": "one more euro of budget would raise the score-weighted value by %(per_euro)s",
    "fund_price_labelled_share": "one more euro of labelled-ecosystem money required would lower the "
                                 "score-weighted value by %(per_euro)s",
    "fund_price_region": "one more euro of room under the regional cap of %(region)s would raise the "
                         "score-weighted value by %(per_euro)s",
    "fund_price_commit_at_least": "one more euro of minimum commitment would lower the score-weighted value by "
                                  "%(per_euro)s",
    "fund_price_other": "one more euro on %(rule)s would change the score-weighted value by %(per_euro)s",
}
SEPARATOR = "; "       # between reasons side by side (msgctxt "separator" in the catalogue)
CODE_SEPARATOR = ";"   # between codes in a <field>_code column


@dataclass(frozen=True)
class Reason:
    """A code of ``TEMPLATES`` and its parameters (JSON values: numbers, strings, lists, None)."""
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in TEMPLATES:
            raise ValueError(f"unknown reason code {self.code!r}")
        json.dumps(dict(self.params), allow_nan=False)   # refuses what JSON cannot carry

    def to_json(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}

    def text(self, lang: str = "en", names: Mapping[str, str] | None = None) -> str:
        return render(self, lang, names)


def encode(reasons: Iterable[Reason]) -> tuple[str, str]:
    """(codes, params) columns for a list of reasons; ("", "") for none."""
    reasons = list(reasons)
    if not reasons:
        return "", ""
    return (CODE_SEPARATOR.join(r.code for r in reasons),
            json.dumps([dict(r.params) for r in reasons], ensure_ascii=False, sort_keys=True, allow_nan=False))


def columns_of(reasons, field: str) -> dict:
    """The columns of a list of reasons in a table: ``field`` (the English text), ``field_code`` and
    ``field_params`` (as ``encode`` writes them)."""
    code, params = encode(reasons)
    return {field: render_all(reasons, "en"), f"{field}_code": code, f"{field}_params": params}


def decode(codes, params) -> list[Reason]:
    """The reasons of a (codes, params) pair of columns, as ``encode`` wrote them."""
    codes = cell_text(codes).strip()
    if not codes:
        return []
    values = params if isinstance(params, list) else json.loads(cell_text(params) or "[]")
    keys = codes.split(CODE_SEPARATOR)
    if len(values) != len(keys):
        raise ValueError(f"{len(keys)} reason code(s) but {len(values)} parameter set(s)")
    return [Reason(k, v) for k, v in zip(keys, values)]


# -- the catalogue ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The gettext catalogue of ``lang`` (the English templates themselves when there is none)."""
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


# As Jinja's newstyle gettext does, every message is %-formatted (a literal "%" is "%%" in its id).
def gettext(lang: str, message: str, /, **params) -> str:
    """``message`` (an English message id) in ``lang``, its ``%(name)s`` placeholders filled."""
    return catalogue(lang).gettext(message) % params


def ngettext(lang: str, singular: str, plural: str, count: int, /, **params) -> str:
    return catalogue(lang).ngettext(singular, plural, count) % params


def pgettext(lang: str, context: str, message: str, /, **params) -> str:
    return catalogue(lang).pgettext(context, message) % params


def render(reason: Reason, lang: str = "en", names: Mapping[str, str] | None = None) -> str:
    """``reason`` in ``lang``; ``names`` ({territory id: name}) names the territories it mentions."""
    cat = catalogue(lang)
    template = TEMPLATES[reason.code]
    if isinstance(template, tuple):
        template = cat.ngettext(*template, int(reason.params.get("count", 0)))
    else:
        template = cat.gettext(template)
    values = {k: _format(k, v, lang, names or {}, reason.params) for k, v in reason.params.items()}
    return template % values


def render_all(reasons: Iterable[Reason], lang: str = "en", names: Mapping[str, str] | None = None) -> str:
    """Several reasons side by side, joined as the language joins them ("; " or " ; ")."""
    return catalogue(lang).pgettext("separator", SEPARATOR).join(render(r, lang, names) for r in reasons)


def render_columns(entry, field: str, lang: str, join=render_all) -> str | None:
    """The explanation ``field`` of a table row (a CSV row, an explanation.json entry) rendered in
    ``lang`` from its ``<field>_code`` and ``<field>_params`` columns by ``join`` (reasons, lang) -> text;
    None when the row carries no codes, or codes this version does not know (the caller shows the text
    as written)."""
    entry = {} if entry is None else entry   # a dict or a table row (a pandas Series)
    try:
        reasons = decode(entry.get(f"{field}_code"), entry.get(f"{field}_params"))
        return join(reasons, lang) if reasons else None
    except (ValueError, KeyError, TypeError):
        return None


def decision_words(lang: str, code) -> str:
    """A decision code (``not_selected``) in words: "not selected", "non retenu"."""
    return catalogue(lang).pgettext("decision", str(code or "").replace("_", " "))


# -- numbers and dates in each language -----------------------------------------------------------

def cell_text(value) -> str:
    """A table cell as text: a missing value (None, or NaN as pandas reads an empty cell) is ""."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _locale(lang: str) -> str:
    return "fr" if lang == "fr" else "en"


def number(lang: str, value, digits: int = 1) -> str:
    """A number written the way each language writes it (FR: 1 234,5; EN: 1,234.5) with ``digits``
    decimals (``digits=1`` shows a whole number without its ",0")."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(v):
        return "—"
    places = 0 if digits == 0 or (digits == 1 and v.is_integer()) else digits
    # Decimal(v) is the float's exact value, so halves round as Python's own formatting rounds them.
    return format_decimal(Decimal(v), format="#,##0" + ("." + "0" * places if places else ""),
                          locale=_locale(lang), decimal_quantization=True)


def euros(lang: str, value, digits: int = 2) -> str:
    """An amount with its currency (FR: 1 000 000,00 €; EN: €1,000,000.00), rounded half up to ``digits``
    decimals (as the pages always rounded amounts); a Decimal or a decimal string is never read as a float."""
    try:
        d = Decimal(value) if isinstance(value, float) else Decimal(str(value))
    except (TypeError, ValueError, ArithmeticError):
        return "—"
    if not d.is_finite():
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    pattern = pattern + "\u00a0¤" if lang == "fr" else "¤" + pattern
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return format_currency(d, "EUR", format=pattern, locale=_locale(lang), currency_digits=False)


def date(lang: str, value) -> str:
    """An ISO date written out (FR: 12 novembre 2014, 1er mars; EN: 12 November 2014); anything that
    is not an ISO date is returned unchanged."""
    text = cell_text(value).strip()
    try:
        d = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    # French writes the first day of a month as an ordinal (1er mars), every other day as a number.
    day = ordinal(lang, d.day) if lang == "fr" and d.day == 1 else str(d.day)
    return f"{day} {format_date(d, 'MMMM y', locale=_locale(lang))}"


TIME_FORMATS = {"fr": "HH 'h' mm", "en": "HH:mm"}   # 09 h 30; 09:30


def time(lang: str, value: dt.time | dt.datetime) -> str:
    """A time of day (FR: 09 h 30; EN: 09:30)."""
    value = value.time() if isinstance(value, dt.datetime) else value
    return format_time(value, TIME_FORMATS[_locale(lang)], locale=_locale(lang))


ORDINAL_SUFFIXES = {"fr": {"one": "er", "other": "e"}, "en": {"one": "st", "two": "nd", "few": "rd", "other": "th"}}


def ordinal(lang: str, n) -> str:
    """1er, 2e (FR); 1st, 2nd, 3rd, 4th (EN): the suffix of the number's CLDR ordinal category."""
    n = int(n)
    lang = _locale(lang)
    return f"{n}{ORDINAL_SUFFIXES[lang][Locale(lang).ordinal_form(n)]}"


def percent(lang: str, share, signed: bool = False) -> str:
    """A share as a whole percentage: 128% (EN), 128 % (FR); ``signed`` adds "+" to a rise."""
    if share is None:   # an infinite gap (something declared, nothing observed) travels as None
        text = "+inf" if lang != "fr" else "+∞"
        return text + ("\u00a0%" if lang == "fr" else "%")
    pattern = ("+" if signed and share > 0 else "") + "#,##0%"
    pattern = pattern.replace("%", "\u00a0%") if lang == "fr" else pattern
    # share * 100 as a float, as Python's "%" format rounds it; Babel multiplies it back by 100
    return format_percent(Decimal(float(share) * 100) / 100, format=pattern, locale=_locale(lang),
                          decimal_quantization=True)


# -- parameters by name ---------------------------------------------------------------------------

def _plain(lang, v, names):
    return cell_text(v)


def _count(lang, v, names):
    return str(int(v)) if lang != "fr" else number(lang, v, 0)


def _territories(lang, v, names):
    ids = v if isinstance(v, list) else [v]
    return ", ".join(names.get(str(x), str(x)) for x in ids)


def _figures(lang, v, names):
    ids = v if isinstance(v, list) else [v]
    if lang == "en":
        return ", ".join(map(str, ids))
    from frenchtech.indicators.catalogue import indicator_label

    def name(code: str) -> str:
        label = indicator_label(code, lang)
        return label if label != code else code.replace("_", " ")
    return ", ".join(name(str(x)) for x in ids)


FORMATS = {
    "rank": lambda lang, v, names: ordinal(lang, v),
    **dict.fromkeys(("of", "quota", "count", "above", "codes"), _count),
    **dict.fromkeys(("population", "minimum"), lambda lang, v, names: f"{int(v):,}" if lang != "fr"
                    else number(lang, v, 0)),
    **dict.fromkeys(("score", "reference_score"), lambda lang, v, names: f"{float(v):.1f}" if lang != "fr"
                    else number(lang, v, 1)),
    **dict.fromkeys(("relative", "share", "bar", "previous"), lambda lang, v, names: percent(lang, v)),
    "gap": lambda lang, v, names: percent(lang, v, signed=True),
    **dict.fromkeys(("drop", "margin"), lambda lang, v, names: f"{float(v) * 100:.0f}"),
    **dict.fromkeys(("until", "date", "start", "end"), lambda lang, v, names: cell_text(v) if lang != "fr"
                    else date(lang, v)),
    **dict.fromkeys(("tied", "reference", "territory"), _territories),
    **dict.fromkeys(("missing", "figure"), _figures),
    "decision": lambda lang, v, names: decision_words(lang, v),
    "rule_decision": lambda lang, v, names: cell_text(v) if lang != "fr" else decision_words(lang, v),
    **dict.fromkeys(("lines", "tags"), lambda lang, v, names: ", ".join(map(str, v))),
}


# -- the fund's parameters: money (a name ending in _eur: whole euros or a decimal string), scores to the
# hundredth, the solver's figures, the rule that limits an amount, the conditions an application fails

FUND_LIMITS = {"requested": "amount requested", "ticket_max": "maximum ticket", "stake": "minority stake",
               "coinvest": "private co-investment"}


def _decimal(lang: str, value: Decimal, places: int, grouped: bool = True) -> str:
    """``value`` with ``places`` decimals, written by Babel the way ``lang`` writes it (FR: 1 234 567,89)."""
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale(lang), decimal_quantization=True)


def money(lang: str, value) -> str:
    """An amount in euros without its currency: 1,250,000 or 1,250,000.50 (EN), 1 250 000 (FR); exact
    (a decimal string is never read as a float)."""
    d = Decimal(str(value))
    return _decimal(lang, d, 0 if d == d.to_integral_value() else 2)


def _hundredths(lang, v, names):
    return _decimal(lang, Decimal(str(v)), 2)


def _scientific(lang, v, names):
    """1.23e-03 (EN), 1,23e-03 (FR): a solver's tolerance, as Python writes it, with the language's decimal mark."""
    text = f"{float(v):.2e}"
    return text.replace(".", ",") if lang == "fr" else text


def _fund_separator(lang: str) -> str:
    return catalogue(lang).pgettext("fund separator", "; ")


def _conditions(lang, v, names):
    """Eliminatory conditions, each {"en": label, "fr": label} (the rules' own labels) or a label."""
    items = v if isinstance(v, list) else [v]
    return _fund_separator(lang).join(x.get(lang) or x.get("en", "") if isinstance(x, dict) else str(x)
                                      for x in items)


FORMATS.update({
    **dict.fromkeys(("needed_score", "current_score", "estimated_score"),
                    lambda lang, v, names: _decimal(lang, Decimal(float(v)), 2, grouped=False)),
    **dict.fromkeys(("objective", "dual_bound", "allocation_value", "value", "bound"), _hundredths),
    "relative_gap": _scientific,
    "gap_percent": lambda lang, v, names: _decimal(lang, Decimal(float(v) * 100), 4, grouped=False)
    + ("\u00a0%" if lang == "fr" else "%"),
    "per_euro": lambda lang, v, names: _decimal(lang, Decimal(float(v)), 6),
    "limit": lambda lang, v, names: catalogue(lang).pgettext("fund limit", FUND_LIMITS.get(str(v), str(v))),
    "conditions": _conditions,
    "rules": lambda lang, v, names: ", ".join(map(str, v if isinstance(v, list) else [v])),
    # reasons carried inside a reason (a warning's relaxations), each {"code", "params"}
    "relax": lambda lang, v, names: render_fund([Reason(x["code"], x["params"]) for x in v], lang),
})


def render_fund(reasons: Iterable[Reason], lang: str = "en") -> str:
    """The fund's reasons side by side, joined as the language joins them ("; ", or "\u00a0; " in French)."""
    return _fund_separator(lang).join(render(r, lang) for r in reasons)


def _format(name: str, value, lang: str, names: Mapping[str, str], params: Mapping[str, Any]) -> str:
    if name == "label" and lang != "en" and params.get("label_year"):
        # a label id (campaign:territory:kind) means nothing to a reader: "le label de 2014"
        return catalogue(lang).pgettext("label", "the label of %(year)s") % {"year": params["label_year"]}
    if name.endswith("_eur") and name not in FORMATS:
        return money(lang, value)
    return FORMATS.get(name, _plain)(lang, value, names)
