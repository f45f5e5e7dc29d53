"""The campaign file as one typed model: every section and key, its type and its default.

A key the model does not know is an error (``extra="forbid"``), values are taken as written (a quoted
number is not a number: ``strict=True``), and defaults are stated here only. What follows from other
sections (the uncertainty seed from the campaign's seed, the pillars from the indicators...) is
resolved here too, so the model's canonical form (``configuration()``) is the configuration the audit
runs, and reads back into an equal model.

Checks that need more than the file (the indicator catalogue, the geography, the predecessor's file)
are made by ``frenchtech.campaign.config``.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from frenchtech.index.steps import STEPS as ENGINE_STEPS
from frenchtech.labelling.settings import CANDIDATES, JURY

# The composite index's steps, in the order they run (COINr's names): the index engine's.
STEPS = tuple(ENGINE_STEPS)
# The six criteria the 2014 jury used: the rubric of a campaign file without [[rubric]].
RUBRIC_2014 = (
    {"id": "ecosystem", "label_en": "Existing ecosystem", "label_fr": "Écosystème existant", "weight": 1},
    {"id": "ambition", "label_en": "Growth ambition", "label_fr": "Ambition de croissance", "weight": 1},
    {"id": "federation", "label_en": "Entrepreneur-led federation of actors",
     "label_fr": "Fédération des acteurs portée par les entrepreneurs", "weight": 1},
    {"id": "accelerators", "label_en": "Private accelerators", "label_fr": "Accélérateurs privés", "weight": 1},
    {"id": "flagship", "label_en": "Flagship place", "label_fr": "Lieu totem", "weight": 1},
    {"id": "international", "label_en": "International attractiveness",
     "label_fr": "Attractivité internationale", "weight": 1},
)


NonNegative = Annotated[float, Field(ge=0)]


class Section(BaseModel):
    """A table of the campaign file: unknown keys refused, values of the declared type only."""
    model_config = ConfigDict(extra="forbid", strict=True)


# -- [campaign], [evidence] ------------------------------------------------------------------------
class CampaignInfo(Section):
    id: str
    name: str
    name_en: str | None = None            # resolved: the French name when not given
    vintage: int                          # geography vintage (perimeters and legal populations)
    announced: dt.date
    evidence_window: list[int] = Field(min_length=2, max_length=2)   # [first_year, last_year], inclusive
    seed: int = 0
    predecessor: str | None = None        # chained campaign: the id of the campaign it re-audits

    @model_validator(mode="after")
    def _name_en(self):
        if self.name_en is None:
            self.name_en = self.name
        return self


# The small evidence files a campaign may mark optional (by their name without .csv): a file that is
# not optional and is missing stops the audit, for a missing file would read as "none of that kind".
OptionalSource = Literal["funding_rounds", "structures", "initiatives"]


class RoundsSource(Section):
    """``[evidence.rounds]``: the layout of the funding-rounds file (docs/evidence-formats.md)."""
    format: Literal["frenchtech", "crunchbase", "mapping"] = "frenchtech"
    file: str | None = None       # in the evidence folder; default funding_rounds.csv
    profile: str | None = None    # mapping: the column-mapping profile (TOML), in the evidence folder

    @model_validator(mode="after")
    def _profile(self):
        if self.format == "mapping" and (self.profile is None or self.file is None):
            raise ValueError('format = "mapping" needs file (the export) and profile (its column-mapping TOML)')
        if self.format != "mapping" and self.profile is not None:
            raise ValueError('profile is read only with format = "mapping"')
        return self


class RatesSource(Section):
    """``[evidence.rates]``: the exchange-rate file and the rule that converts a round's amount."""
    format: Literal["frenchtech", "ecb"] = "frenchtech"
    file: str | None = None       # default exchange_rates.csv; ecb: eurofxref-hist.csv or eurofxref-hist.zip
    rule: Literal["day", "year_average"] = "year_average"   # the round's day (ecb only), or its year's mean

    @field_validator("rule")
    @classmethod
    def _daily_rates(cls, value, info):
        if value == "day" and info.data.get("format") == "frenchtech":
            raise ValueError('exchange_rates.csv has one rate per year: rule = "day" needs format = "ecb"')
        return value


class Evidence(Section):
    tech_naf_tags: list[str] = Field(default_factory=lambda: ["digital_core"])
    optional: list[OptionalSource] = Field(default_factory=list)
    rounds: RoundsSource | None = None    # unset: funding_rounds.csv in the layout of our own design
    rates: RatesSource | None = None      # unset: exchange_rates.csv, one rate per currency and year


class IndicatorEntry(Section):
    id: str
    pillar: str = "index"
    weight: float = Field(1.0, ge=0)


class TerritoryEntry(Section):
    id: str
    name: str
    epci: list[str] = Field(default_factory=list)
    communes: list[str] = Field(default_factory=list)
    automatic: bool = False               # labelled whatever the score
    historical: str | None = None         # the real outcome, shown beside the decision
    kind: str = "metropole"               # label kind
    theme: str = ""                       # thematic labels: "MedTech", "IoT", ...


# -- [index]: the composite index's method, one table per step in COINr's parameter names ------------
class Step(Section):
    def params(self) -> dict:
        """The parameters written (the engine's defaults apply to the others)."""
        return self.model_dump(exclude_none=True)


class Denominate(Step):
    denomby: dict[str, Any] | None = None
    scale_factor: dict[str, Any] | None = None


class Impute(Step):
    f_i: str | None = None
    use_group: str | None = None
    max_time: float | None = None
    impute_by: str | None = None


class Screen(Step):
    unit_screen: str | None = None
    dat_thresh: float | None = None
    nonzero_thresh: float | None = None
    Force: dict[str, Any] | None = None


class Treat(Step):
    f1: str | None = None
    winmax: int | None = None
    skew_thresh: float | None = None
    kurt_thresh: float | None = None
    force_win: bool | None = None
    f2: str | None = None
    f1_para: dict[str, Any] | None = None
    f2_para: dict[str, Any] | None = None
    f_pass: str | None = None
    f_pass_para: dict[str, Any] | None = None
    combine_treat: bool | None = None
    indiv_specs: dict[str, Any] | None = None
    global_specs: dict[str, Any] | None = None


class Normalise(Step):
    f_n: str | None = None
    f_n_para: Any = None
    indiv_specs: dict[str, Any] | None = None
    directions: dict[str, Any] | None = None
    global_specs: dict[str, Any] | None = None


class Aggregate(Step):
    f_ag: str | None = None
    f_ag_para: Any = None
    w: Any = None
    dat_thresh: float | None = None
    by_df: bool | None = None


class IndexMethod(Section):
    """``[index.<step>]`` tables; a step left out is not run, except normalise (min-max to [0, 100])
    and aggregate (arithmetic mean). Short forms: ``normalise = "n_minmax"``, ``aggregate = "a_amean"``."""
    denominate: Denominate | None = None
    impute: Impute | None = None
    screen: Screen | None = None
    treat: Treat | None = None
    normalise: Normalise = Field(default_factory=lambda: Normalise(f_n="n_minmax", f_n_para=[0, 100]))
    aggregate: Aggregate = Field(default_factory=lambda: Aggregate(f_ag="a_amean"))

    @field_validator("normalise", mode="before")
    @classmethod
    def _normalise_short(cls, value):
        if isinstance(value, str):
            return {"f_n": value, **({"f_n_para": [0, 100]} if value == "n_minmax" else {})}
        return value

    @field_validator("aggregate", mode="before")
    @classmethod
    def _aggregate_short(cls, value):
        return {"f_ag": value} if isinstance(value, str) else value

    def spec(self) -> dict:
        """The index engine's spec: the steps to run, in order, with their parameters."""
        return {step: getattr(self, step).params() for step in STEPS if getattr(self, step) is not None}


# -- [uncertainty], [sensitivity] ------------------------------------------------------------------
class UncertainInput(Section):
    """One methodological choice to vary: ``values`` (alternatives), ``range`` (low, high) on a
    parameter at ``address`` (``step__parameter``), or ``noise`` on the weights by level."""
    name: str | None = None
    address: str | None = None
    values: list[Any] | None = None
    range: list[float] | None = Field(None, min_length=2, max_length=2)
    noise: dict[str, float] | None = None
    n_sets: int | None = Field(None, ge=1)

    def as_engine_input(self) -> dict:
        return self.model_dump(exclude_none=True)


class Uncertainty(Section):
    n: int = Field(0, ge=0)               # Monte Carlo replications; 0: no uncertainty analysis
    seed: int | None = None               # resolved: the campaign's seed
    inputs: list[UncertainInput] = Field(default_factory=list)

    def engine_inputs(self) -> list[dict]:
        return [i.as_engine_input() for i in self.inputs]


class Sensitivity(Section):
    n: int = Field(0, ge=0)               # Saltelli base samples; 0: no Sobol indices
    seed: int | None = None               # resolved: the campaign's seed
    n_boot: int = Field(100, ge=1)        # bootstrap resamples of the confidence intervals


# -- labelling: [labelling], [eligibility], [validity], [chaining], [declared], [calendar], [[overrides]]
class RuleTable(Section):
    rule: Literal["quota", "threshold"]
    quota: int | None = Field(None, ge=0)             # quota: the N best
    threshold: float | None = Field(None, ge=0)       # threshold: share of the reference score
    reference: str = CANDIDATES                       # "candidates" (their mean score) or a territory id
    name: str | None = None                           # the label kind's name


class LabellingSection(RuleTable):
    """The rule for métropole candidates, and ``[labelling.kinds.<kind>]`` for other label kinds."""
    kinds: dict[str, RuleTable] = Field(default_factory=dict)


class EligibilitySection(Section):
    min_population: int = Field(0, ge=0)
    complete_dossier: list[str] = Field(default_factory=list)   # declared figures every dossier must give
    require_dossier: bool | None = None                         # resolved: true when complete_dossier is given
    rejected_within_years: int | None = Field(None, ge=0)       # unset: the predecessor's dates decide

    @model_validator(mode="after")
    def _require_dossier(self):
        if self.require_dossier is None:
            self.require_dossier = bool(self.complete_dossier)
        return self


class ValiditySection(Section):
    review_years: int = Field(1, ge=0)        # first period, under review
    full_years: int = Field(3, ge=0)          # then the full period
    reapply_years: int = Field(0, ge=0)       # delay before a candidate not selected may apply again


class ChainingSection(Section):
    warning_bar: float = Field(0.7, ge=0)     # relative score below which a labelled territory is warned
    warning_drop: float = Field(0.25, ge=0)   # fall of the relative score (points of reference) that warns
    withdraw_below: float | None = Field(None, ge=0)   # relative score below which the label is withdrawn


class DeclaredSection(Section):
    tolerance: float = Field(0.25, ge=0)      # relative gap declared/observed that raises a flag
    min_difference: float = Field(1.0, ge=0)  # absolute gaps this small never flag
    tolerances: dict[str, NonNegative] = Field(default_factory=dict)   # per declared figure


class CalendarSection(Section):
    opens: dt.date | None = None
    closes: dt.date | None = None
    jury: dt.date | None = None

    def dates(self) -> dict[str, dt.date]:
        return {k: v for k, v in (("opens", self.opens), ("closes", self.closes), ("jury", self.jury))
                if v is not None}


class OverrideEntry(Section):
    territory: str
    decision: Literal["labelled", "not_selected", "deferred", "confirmed", "withdrawn"]
    rationale: str = ""                       # mandatory, checked with the other rules of the campaign
    by: str = JURY


# -- [[rubric]]: the jury's criteria --------------------------------------------------------------
class Criterion(Section):
    id: str
    label_fr: str
    label_en: str
    weight: float = Field(1.0, gt=0)


# -- the file ----------------------------------------------------------------------------------
class CampaignFile(Section):
    campaign: CampaignInfo
    evidence: Evidence = Field(default_factory=Evidence)
    index: IndexMethod = Field(default_factory=IndexMethod)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    labelling: LabellingSection
    eligibility: EligibilitySection = Field(default_factory=EligibilitySection)
    validity: ValiditySection = Field(default_factory=ValiditySection)
    chaining: ChainingSection = Field(default_factory=ChainingSection)
    declared: DeclaredSection = Field(default_factory=DeclaredSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    overrides: list[OverrideEntry] = Field(default_factory=list)
    indicators: list[IndicatorEntry] = Field(default_factory=list)
    pillars: dict[str, NonNegative] = Field(default_factory=dict)   # resolved: weight 1 per indicators' pillar
    territories: list[TerritoryEntry] = Field(default_factory=list)
    rubric: list[Criterion] = Field(default_factory=lambda: [Criterion(**c) for c in RUBRIC_2014])

    @model_validator(mode="after")
    def _resolve(self):
        if self.uncertainty.seed is None:
            self.uncertainty.seed = self.campaign.seed
        if self.sensitivity.seed is None:
            self.sensitivity.seed = self.campaign.seed
        if not self.pillars:
            self.pillars = {p: 1.0 for p in dict.fromkeys(i.pillar for i in self.indicators)}
        return self

    def configuration(self) -> dict:
        """The canonical form: plain JSON values (dates as ISO text), every default resolved, nothing
        unset; keys sorted. It reads back into an equal model (``from_configuration``)."""
        dumped = self.model_dump(mode="json", exclude_none=True)
        return json.loads(json.dumps(dumped, sort_keys=True, ensure_ascii=False))

    @classmethod
    def from_configuration(cls, configuration: dict) -> CampaignFile:
        """The model from its canonical form (as a manifest records it)."""
        return cls.model_validate_json(json.dumps(configuration, ensure_ascii=False))
