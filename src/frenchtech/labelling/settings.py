"""The labelling settings of a campaign, resolved from its typed model (frenchtech.campaign.model):
rules per label kind, eligibility, validity periods, chaining to a predecessor, jury overrides and
declared-vs-observed tolerances, with the checks that span sections (a quota against the candidates,
an override against the territories, the calendar against the announcement).

Every problem is added to ``problems`` so that the campaign loader reports them all at once.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from frenchtech.sources.dossier import DECLARED  # the dossier vocabulary

CANDIDATES = "candidates"   # the reference of a threshold: the candidates' mean score
JURY = "jury"               # who decides an override
# European Innovation Scoreboard groups, by score relative to the reference (lower bounds).
EIS_GROUPS = (("leader", 1.25), ("strong", 1.0), ("moderate", 0.7), ("emerging", float("-inf")))


@dataclass(frozen=True)
class KindRule:
    """How candidates of one label kind are decided: the N best (quota) or a share of a reference."""
    kind: str
    rule: str
    quota: int | None = None
    threshold: float | None = None     # share of the reference score, e.g. 1.0 = at the average
    reference: str = CANDIDATES        # "candidates" (their mean score) or a territory id
    name: str = ""


@dataclass(frozen=True)
class Eligibility:
    min_population: int
    complete_dossier: tuple[str, ...]        # declared figures every dossier must give; () = no check
    require_dossier: bool
    rejected_within_years: int | None = None  # None: the predecessor's re-application dates decide


@dataclass(frozen=True)
class Validity:
    review_years: int        # first period, under review
    full_years: int          # then the full period
    reapply_years: int       # delay before a candidate not selected may apply again


@dataclass(frozen=True)
class Chaining:
    predecessor: str | None
    warning_bar: float               # relative score below which a labelled territory is warned
    warning_drop: float              # fall of the relative score (in points of reference) that warns
    withdraw_below: float | None     # relative score below which the label is withdrawn


@dataclass(frozen=True)
class Override:
    territory: str
    decision: str
    rationale: str
    by: str = JURY


@dataclass
class Labelling:
    """The resolved labelling settings (defaults come from the campaign model)."""
    rules: dict[str, KindRule]
    eligibility: Eligibility
    validity: Validity
    chaining: Chaining
    overrides: list[Override]
    tolerance: float                  # relative gap declared/observed that raises a flag
    tolerances: dict[str, float]      # per declared figure
    min_difference: float             # gaps this small (absolute) never flag: 0 vs 1 is noise
    calendar: dict[str, dt.date]

    def rule_for(self, kind: str) -> KindRule:
        return self.rules.get(kind) or self.rules["metropole"]

    def tolerance_for(self, figure: str) -> float:
        return self.tolerances.get(figure, self.tolerance)


def _kind_rule(kind: str, table, where: tuple, problems, competing: int, known: set[str]) -> KindRule:
    """A rule table of the model (``[labelling]`` or ``[labelling.kinds.<kind>]``) checked against
    the candidates."""
    name = ".".join(where)
    quota = threshold = None
    if table.rule == "quota":
        quota = table.quota
        if quota is None:
            problems.add(where + ("quota",), f"{name}.quota: expected an integer >= 0, got None")
            quota = 0
        elif quota > competing:
            problems.add(where + ("quota",), f"{name}.quota: {quota} is larger than the {competing} competing "
                         "candidates" + (f" of kind {kind!r}" if kind != "metropole" else ""))
    else:
        threshold = table.threshold
        if threshold is None:
            problems.add(where + ("threshold",), f"{name}.threshold: expected a number >= 0, got None")
            threshold = 0.0
    if table.reference != CANDIDATES and table.reference not in known:
        problems.add(where + ("reference",), f"{name}.reference: unknown territory {table.reference!r} "
                     "(use \"candidates\" or a territory id)")
    return KindRule(kind, table.rule, quota=quota, threshold=threshold, reference=table.reference,
                    name=table.name or kind)


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


def resolve_labelling(model, specs, problems, campaign_path=None) -> Labelling:
    """The labelling settings of a campaign model (frenchtech.campaign.model.CampaignFile), checked
    against its candidates, territories, announcement and predecessor; problems added to ``problems``
    (``problems.add(path, text)``, path: the key's place in the file)."""
    known = {s.id for s in specs}
    kinds = sorted({s.kind for s in specs} | {"metropole"})
    competing = {k: sum(1 for s in specs if s.kind == k and not s.automatic) for k in kinds}
    lab = model.labelling
    rules = {"metropole": _kind_rule("metropole", lab, ("labelling",), problems, competing["metropole"], known)}
    for kind, table in lab.kinds.items():
        where = ("labelling", "kinds", kind)
        if kind not in kinds:
            problems.add(where, f"labelling.kinds.{kind}: no candidate territory has kind {kind!r}")
        rules[kind] = _kind_rule(kind, table, where, problems, competing.get(kind, 0), known)
    for kind in kinds:
        if kind not in rules and competing[kind]:
            problems.add(("labelling",), f"labelling.kinds.{kind}: candidates have kind {kind!r} but no rule "
                         "decides it")

    el = model.eligibility
    for i, f in enumerate(el.complete_dossier):
        if f not in DECLARED:
            problems.add(("eligibility", "complete_dossier", i),
                         f"eligibility.complete_dossier: unknown declared figure {f!r}")
    eligibility = Eligibility(min_population=el.min_population, complete_dossier=tuple(el.complete_dossier),
                              require_dossier=bool(el.require_dossier),
                              rejected_within_years=el.rejected_within_years)

    va = model.validity
    validity = Validity(va.review_years, va.full_years, va.reapply_years)
    if va.full_years == 0 and va.review_years == 0:
        problems.add(("validity",), "validity: a label must last: review_years and full_years are both 0")

    announced = model.campaign.announced
    predecessor = model.campaign.predecessor
    if predecessor is not None:
        path = predecessor_file(predecessor, campaign_path)
        if path is None:
            problems.add(("campaign", "predecessor"),
                         f"campaign.predecessor: no campaign {predecessor!r} (not beside this file, not shipped)")
        else:
            try:
                before = tomllib.loads(path.read_text(encoding="utf-8")).get("campaign", {}).get("announced")
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                before = None
                problems.add(("campaign", "predecessor"),
                             f"campaign.predecessor: {path.name} is not a readable campaign file")
            if isinstance(before, dt.date) and before >= announced:
                problems.add(("campaign", "announced"), f"campaign.announced: {announced} is not after the "
                             f"predecessor's announcement ({before})")
    ch = model.chaining
    chaining = Chaining(predecessor=predecessor, warning_bar=ch.warning_bar, warning_drop=ch.warning_drop,
                        withdraw_below=ch.withdraw_below)
    if ch.withdraw_below is not None and ch.withdraw_below > ch.warning_bar:
        problems.add(("chaining", "withdraw_below"),
                     f"chaining.withdraw_below: {ch.withdraw_below} is above warning_bar {ch.warning_bar} "
                     "(a label would be withdrawn without a warning first)")

    overrides = []
    seen = set()
    for i, o in enumerate(model.overrides):
        where = f"overrides[{i}]"
        if o.territory not in known:
            problems.add(("overrides", i, "territory"), f"{where}.territory: unknown territory {o.territory!r}")
        if o.territory in seen:
            problems.add(("overrides", i, "territory"), f"{where}.territory: a second override for {o.territory!r}")
        seen.add(o.territory)
        if len(o.rationale.strip()) < 10:
            problems.add(("overrides", i, "rationale"),
                         f"{where}.rationale: a jury override needs a written rationale (10 characters or more)")
        overrides.append(Override(o.territory, o.decision, o.rationale.strip(), o.by))

    de = model.declared
    for k in de.tolerances:
        if k not in DECLARED:
            problems.add(("declared", "tolerances", k), f"declared.tolerances: unknown declared figure {k!r}")

    calendar = model.calendar.dates()
    order = list(calendar)
    for a, b in zip(order, order[1:]):
        if calendar[a] > calendar[b]:
            problems.add(("calendar", b), f"calendar: {a} ({calendar[a]}) is after {b} ({calendar[b]})")
    for k, d in calendar.items():
        if d > announced:
            problems.add(("calendar", k), f"calendar.{k}: {d} is after the announcement ({announced})")
    window = model.campaign.evidence_window
    if window[1] > announced.year:
        problems.add(("campaign", "evidence_window"),
                     f"campaign.evidence_window: ends in {window[1]}, after the announcement ({announced})")
    return Labelling(rules=rules, eligibility=eligibility, validity=validity, chaining=chaining,
                     overrides=overrides, tolerance=de.tolerance, tolerances=dict(de.tolerances),
                     min_difference=de.min_difference, calendar=calendar)
