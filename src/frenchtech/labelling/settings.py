"""The labelling part of a campaign file, parsed and checked: rules per label kind, eligibility,
validity periods, chaining to a predecessor, jury overrides and declared-vs-observed tolerances.

Every problem is appended to ``errors`` so that the campaign loader reports them all at once.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

RULES = ("quota", "threshold")
DECISIONS = ("labelled", "not_selected")
# European Innovation Scoreboard groups, by score relative to the reference (lower bounds).
EIS_GROUPS = (("leader", 1.25), ("strong", 1.0), ("moderate", 0.7), ("emerging", float("-inf")))


@dataclass(frozen=True)
class KindRule:
    """How candidates of one label kind are decided: the N best (quota) or a share of a reference."""
    kind: str
    rule: str
    quota: int | None = None
    threshold: float | None = None     # share of the reference score, e.g. 1.0 = at the average
    reference: str = "candidates"      # "candidates" (their mean score) or a territory id
    name: str = ""


@dataclass(frozen=True)
class Eligibility:
    min_population: int = 0
    complete_dossier: tuple[str, ...] = ()   # declared figures every dossier must give; () = no check
    require_dossier: bool = False
    rejected_within_years: int | None = None  # None: the predecessor's re-application dates decide


@dataclass(frozen=True)
class Validity:
    review_years: int = 1        # first period, under review
    full_years: int = 3          # then the full period
    reapply_years: int = 0       # delay before a candidate not selected may apply again


@dataclass(frozen=True)
class Chaining:
    predecessor: str | None = None
    warning_bar: float = 0.7         # relative score below which a labelled territory is warned
    warning_drop: float = 0.25       # fall of the relative score (in points of reference) that warns
    withdraw_below: float | None = None  # relative score below which the label is withdrawn


@dataclass(frozen=True)
class Override:
    territory: str
    decision: str
    rationale: str
    by: str = "jury"


@dataclass
class Labelling:
    rules: dict[str, KindRule]
    eligibility: Eligibility = field(default_factory=Eligibility)
    validity: Validity = field(default_factory=Validity)
    chaining: Chaining = field(default_factory=Chaining)
    overrides: list[Override] = field(default_factory=list)
    tolerance: float = 0.25                  # relative gap declared/observed that raises a flag
    tolerances: dict[str, float] = field(default_factory=dict)   # per declared figure
    min_difference: float = 1.0              # gaps this small (absolute) never flag: 0 vs 1 is noise
    calendar: dict[str, dt.date] = field(default_factory=dict)

    def rule_for(self, kind: str) -> KindRule:
        return self.rules.get(kind) or self.rules["metropole"]

    def tolerance_for(self, figure: str) -> float:
        return self.tolerances.get(figure, self.tolerance)


def _number(value, where, errors, minimum=0.0, integer=False):
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or value < minimum:
        kind = "an integer" if integer else "a number"
        errors.append(f"{where}: expected {kind} >= {minimum:g}, got {value!r}")
        return None
    return value


def _kind_rule(kind: str, table: dict, where: str, errors: list[str], competing: int, known: set[str]) -> KindRule:
    rule = table.get("rule")
    if rule not in RULES:
        errors.append(f"{where}.rule: expected one of {', '.join(RULES)}, got {rule!r}")
        return KindRule(kind, "threshold", threshold=1.0)
    quota = threshold = None
    reference = table.get("reference", "candidates")
    if rule == "quota":
        quota = table.get("quota")
        if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
            errors.append(f"{where}.quota: expected an integer >= 0, got {quota!r}")
            quota = 0
        elif quota > competing:
            errors.append(f"{where}.quota: {quota} is larger than the {competing} competing candidates"
                          + (f" of kind {kind!r}" if kind != "metropole" else ""))
    else:
        threshold = _number(table.get("threshold"), f"{where}.threshold", errors) or 0.0
    if reference != "candidates" and reference not in known:
        errors.append(f"{where}.reference: unknown territory {reference!r} (use \"candidates\" or a territory id)")
    return KindRule(kind, rule, quota=quota, threshold=threshold, reference=reference, name=table.get("name", kind))


def _years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def shipped_campaigns() -> Path:
    return Path(str(resources.files("frenchtech") / "campaigns"))


def predecessor_file(name: str, campaign_path: Path | None) -> Path | None:
    """The predecessor's campaign file: beside the campaign file, or shipped with the package."""
    candidates = []
    if campaign_path is not None:
        candidates.append(Path(campaign_path).parent / f"{name}.toml")
    candidates.append(shipped_campaigns() / f"{name}.toml")
    return next((p for p in candidates if p.is_file()), None)


def parse_labelling(raw: dict, specs, announced, window, errors: list[str], campaign_path=None) -> Labelling:
    """Parse [labelling] (and its sub-tables), [validity], [chaining], [eligibility], [[overrides]],
    [declared] and [calendar]; append every problem to ``errors``."""
    lab = raw.get("labelling", {}) if isinstance(raw.get("labelling", {}), dict) else {}
    known = {s.id for s in specs}
    kinds = sorted({s.kind for s in specs} | {"metropole"})
    competing = {k: sum(1 for s in specs if s.kind == k and not s.automatic) for k in kinds}
    rules = {"metropole": _kind_rule("metropole", lab, "labelling", errors, competing["metropole"], known)}
    for kind, table in (lab.get("kinds") or {}).items():
        if not isinstance(table, dict):
            errors.append(f"labelling.kinds.{kind}: expected a table")
            continue
        if kind not in kinds:
            errors.append(f"labelling.kinds.{kind}: no candidate territory has kind {kind!r}")
        rules[kind] = _kind_rule(kind, table, f"labelling.kinds.{kind}", errors, competing.get(kind, 0), known)
    for kind in kinds:
        if kind not in rules and competing[kind]:
            errors.append(f"labelling.kinds.{kind}: candidates have kind {kind!r} but no rule decides it")

    el = raw.get("eligibility", {})
    figures = el.get("complete_dossier", [])
    from frenchtech.sources.dossier import DECLARED  # the dossier vocabulary
    for f in figures if isinstance(figures, list) else []:
        if f not in DECLARED:
            errors.append(f"eligibility.complete_dossier: unknown declared figure {f!r}")
    within = el.get("rejected_within_years")
    eligibility = Eligibility(
        min_population=_number(el.get("min_population", 0), "eligibility.min_population", errors, integer=True) or 0,
        complete_dossier=tuple(figures) if isinstance(figures, list) else (),
        require_dossier=bool(el.get("require_dossier", bool(figures))),
        rejected_within_years=None if within is None else _number(within, "eligibility.rejected_within_years",
                                                                  errors, integer=True))

    va = raw.get("validity", {})
    validity = Validity(*(_number(va.get(k, d), f"validity.{k}", errors, integer=True) or d
                          for k, d in (("review_years", 1), ("full_years", 3), ("reapply_years", 0))))
    if va.get("full_years", 3) == 0 and va.get("review_years", 1) == 0:
        errors.append("validity: a label must last: review_years and full_years are both 0")

    ch = raw.get("chaining", {})
    predecessor = raw.get("campaign", {}).get("predecessor")
    if predecessor is not None:
        if not isinstance(predecessor, str):
            errors.append(f"campaign.predecessor: expected a campaign id, got {predecessor!r}")
        else:
            path = predecessor_file(predecessor, campaign_path)
            if path is None:
                errors.append(f"campaign.predecessor: no campaign {predecessor!r} (not beside this file, not shipped)")
            elif announced is not None:
                try:
                    before = tomllib.loads(path.read_text(encoding="utf-8")).get("campaign", {}).get("announced")
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    before = None
                    errors.append(f"campaign.predecessor: {path.name} is not a readable campaign file")
                if isinstance(before, dt.date) and before >= announced:
                    errors.append(f"campaign.announced: {announced} is not after the predecessor's "
                                  f"announcement ({before})")
    withdraw = ch.get("withdraw_below")
    chaining = Chaining(predecessor=predecessor if isinstance(predecessor, str) else None,
                        warning_bar=_number(ch.get("warning_bar", 0.7), "chaining.warning_bar", errors) or 0.0,
                        warning_drop=_number(ch.get("warning_drop", 0.25), "chaining.warning_drop", errors) or 0.0,
                        withdraw_below=None if withdraw is None else
                        _number(withdraw, "chaining.withdraw_below", errors))
    if chaining.withdraw_below is not None and chaining.withdraw_below > chaining.warning_bar:
        errors.append(f"chaining.withdraw_below: {chaining.withdraw_below} is above warning_bar "
                      f"{chaining.warning_bar} (a label would be withdrawn without a warning first)")

    overrides = []
    seen = set()
    for i, o in enumerate(raw.get("overrides", [])):
        where = f"overrides[{i}]"
        tid, decision, rationale = o.get("territory"), o.get("decision"), o.get("rationale")
        if tid not in known:
            errors.append(f"{where}.territory: unknown territory {tid!r}")
        if tid in seen:
            errors.append(f"{where}.territory: a second override for {tid!r}")
        seen.add(tid)
        if decision not in DECISIONS + ("withdrawn", "confirmed", "deferred"):
            errors.append(f"{where}.decision: expected one of labelled, not_selected, deferred, confirmed, withdrawn; "
                          f"got {decision!r}")
        if not isinstance(rationale, str) or len(rationale.strip()) < 10:
            errors.append(f"{where}.rationale: a jury override needs a written rationale (10 characters or more)")
        overrides.append(Override(str(tid), str(decision), str(rationale or "").strip(), str(o.get("by", "jury"))))

    de = raw.get("declared", {})
    tolerance = _number(de.get("tolerance", 0.25), "declared.tolerance", errors) or 0.0
    min_difference = _number(de.get("min_difference", 1), "declared.min_difference", errors)
    tolerances = {}
    for k, v in (de.get("tolerances") or {}).items():
        if k not in DECLARED:
            errors.append(f"declared.tolerances: unknown declared figure {k!r}")
        tolerances[k] = _number(v, f"declared.tolerances.{k}", errors) or 0.0

    calendar = {}
    for k, v in (raw.get("calendar") or {}).items():
        if not isinstance(v, dt.date) or isinstance(v, dt.datetime):
            errors.append(f"calendar.{k}: expected a date, got {v!r}")
        else:
            calendar[k] = v
    order = [k for k in ("opens", "closes", "jury") if k in calendar]
    for a, b in zip(order, order[1:]):
        if calendar[a] > calendar[b]:
            errors.append(f"calendar: {a} ({calendar[a]}) is after {b} ({calendar[b]})")
    if announced is not None:
        for k, d in calendar.items():
            if k in ("opens", "closes", "jury") and d > announced:
                errors.append(f"calendar.{k}: {d} is after the announcement ({announced})")
        if window is not None and window[1] > announced.year:
            errors.append(f"campaign.evidence_window: ends in {window[1]}, after the announcement ({announced})")
    return Labelling(rules=rules, eligibility=eligibility, validity=validity, chaining=chaining,
                     overrides=overrides, tolerance=tolerance, tolerances=tolerances, calendar=calendar,
                     min_difference=1.0 if min_difference is None else float(min_difference))
