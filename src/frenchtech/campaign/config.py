"""Load a campaign file: read the TOML, validate it into the typed model (frenchtech.campaign.model),
check what spans sections or needs more than the file (the indicator catalogue, the geography, the index
engine, the predecessor), and resolve the campaign the audit runs. Every problem is reported at once,
each with the line of the key at fault: ``campaign.toml:12: [labelling] unknown key 'qouta'``."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from frenchtech.campaign.lines import SourceLines
from frenchtech.campaign.model import (
    CalendarSection,
    CampaignFile,
    Criterion,
    EligibilitySection,
    IndexMethod,
    LabellingSection,
    Sensitivity,
    Uncertainty,
)
from frenchtech.errors import ConfigError, GeographyError
from frenchtech.geo import VINTAGES, Territory, load_geography
from frenchtech.index import IndexInputError, pipeline
from frenchtech.index.monte_carlo import parse_inputs
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.labelling.settings import Labelling, resolve_labelling


@dataclass(frozen=True)
class IndicatorChoice:
    id: str
    pillar: str
    weight: float


@dataclass(frozen=True)
class TerritorySpec:
    id: str
    name: str
    epci: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    automatic: bool = False
    historical: str | None = None
    kind: str = "metropole"
    theme: str = ""                 # thematic labels: "MedTech", "IoT", ...


@dataclass
class Campaign:
    """A validated campaign: the typed model of its file (``model``) and what the audit resolves from
    it (the territories' perimeters and populations, the labelling rules)."""
    id: str
    name: str
    name_en: str
    vintage: int
    announced: dt.date
    window: tuple[int, int]
    seed: int
    tech_naf_tags: tuple[str, ...]
    indicators: list[IndicatorChoice]
    pillars: dict[str, float]
    index: IndexMethod
    labelling: LabellingSection
    territories: list[Territory]
    specs: list[TerritorySpec]
    model: CampaignFile = field(repr=False)
    path: Path | None = None
    rules: Labelling | None = None
    predecessor: str | None = None

    @property
    def window_start(self) -> dt.date:
        return dt.date(self.window[0], 1, 1)

    @property
    def window_end(self) -> dt.date:
        return dt.date(self.window[1], 12, 31)

    @property
    def uncertainty(self) -> Uncertainty:
        return self.model.uncertainty

    @property
    def sensitivity(self) -> Sensitivity:
        return self.model.sensitivity

    @property
    def calendar(self) -> CalendarSection:
        return self.model.calendar

    @property
    def eligibility(self) -> EligibilitySection:
        return self.model.eligibility

    @property
    def rubric(self) -> list[Criterion]:
        return self.model.rubric

    def configuration(self) -> dict:
        """The campaign's canonical configuration (what the manifest records)."""
        return self.model.configuration()

    def territory(self, territory_id: str) -> Territory:
        for t in self.territories:
            if t.id == territory_id:
                return t
        raise KeyError(territory_id)

    def spec(self, territory_id: str) -> TerritorySpec:
        return next(s for s in self.specs if s.id == territory_id)


def read_toml(path: Path, missing: str = "file not found") -> tuple[str, dict]:
    """A TOML file's text and table; a missing file, bad bytes or bad TOML is a ConfigError naming it."""
    if not path.is_file():
        raise ConfigError(str(path), [missing])
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from None


def load_campaign(path) -> Campaign:
    path = Path(path)
    text, raw = read_toml(path)
    campaign = parse_campaign(raw, source=str(path), source_path=path, text=text)
    campaign.path = path
    return campaign


# -- problems, each with the line of the key at fault ----------------------------------------------
class Problems:
    """Problems found in a campaign file, each placed by its path in the document (its line, when the
    file's text is known)."""

    def __init__(self, source: str, text: str | None):
        self.file = Path(source).name
        self.lines = SourceLines(text) if text is not None else None
        self.items: list[str] = []

    def line(self, path) -> int | None:
        return self.lines.line(path) if self.lines is not None else None

    def add(self, path, text: str) -> None:
        line = self.line(path)
        self.items.append(f"{self.file}:{line}: {text}" if line is not None else text)

    def __bool__(self) -> bool:
        return bool(self.items)


_EXPECTED = {"string_type": "text", "int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
             "date_type": "a date", "list_type": "a list", "tuple_type": "a list", "dict_type": "a table",
             "model_type": "a table", "model_attributes_type": "a table"}


def _is_table(raw, path: tuple, lines: SourceLines | None) -> bool:
    """Whether ``path`` is a table of the file (a [header], an entry of an [[array]]), not a key."""
    node = raw
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, dict):
        return False
    if lines is None or isinstance(path[-1], int):
        return True
    return any(h[:len(path)] == path for h in lines.headers)


def _table_name(path: tuple) -> str:
    if not path:
        return ""
    if isinstance(path[-1], int):
        return f"[[{'.'.join(str(p) for p in path[:-1])}]] #{path[-1] + 1}"
    return "[" + ".".join(f"#{p + 1}" if isinstance(p, int) else str(p) for p in path) + "]"


def _key_name(parts: tuple) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _describe(error: dict, raw: dict, problems: Problems) -> None:
    """One structural problem (a pydantic error) in the words of the file: table, key, what is wrong."""
    loc = tuple(p for p in error["loc"])
    split = 0
    for k in range(len(loc) - 1, 0, -1):
        if _is_table(raw, loc[:k], problems.lines):
            split = k
            break
    table, key = loc[:split], loc[split:]
    kind = error["type"]
    if kind == "extra_forbidden":
        if not table and isinstance(error.get("input"), dict):
            text = f"unknown section [{_key_name(key)}]"
        elif not table:
            text = f"unknown top-level key '{_key_name(key)}'"
        else:
            text = f"{_table_name(table)} unknown key '{_key_name(key)}'"
    elif kind == "missing":
        if not table and len(key) == 1:
            text = f"missing section [{key[0]}]"
        else:
            text = f"{_table_name(table)} missing key '{_key_name(key)}'".lstrip()
    else:
        value = repr(error.get("input"))
        value = value if len(value) <= 60 else value[:59] + "…"
        ctx = error.get("ctx") or {}
        if kind in _EXPECTED:
            what = f"expected {_EXPECTED[kind]}, got {value}"
        elif kind == "literal_error":
            what = f"expected one of {ctx.get('expected')}, got {value}"
        elif kind in ("greater_than_equal", "greater_than"):
            bound = ctx.get("ge", ctx.get("gt"))
            what = f"expected a value {'>=' if kind == 'greater_than_equal' else '>'} {bound:g}, got {value}"
        elif kind in ("too_short", "too_long"):
            what = f"expected {ctx.get('min_length', ctx.get('max_length'))} items, got {value}"
        else:
            what = f"{error['msg'][0].lower()}{error['msg'][1:]}, got {value}"
        text = f"{_table_name(table)} {_key_name(key)}: {what}".lstrip()
    problems.add(loc, text)


def parse_campaign(raw: dict, source: str = "<campaign>", source_path=None, text: str | None = None) -> Campaign:
    """Validate a parsed campaign document (``text``: the file's text, to name the line of each
    problem); raise ConfigError listing every problem."""
    problems = Problems(source, text)
    try:
        model = CampaignFile.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _describe(error, raw, problems)
        raise ConfigError(source, problems.items) from None
    return _resolve(model, problems, source, source_path)


def _resolve(model: CampaignFile, problems: Problems, source: str, source_path) -> Campaign:
    """The checks that span sections or need more than the file, then the campaign the audit runs."""
    c = model.campaign
    vintage_ok = c.vintage in VINTAGES
    if not vintage_ok:
        problems.add(("campaign", "vintage"), f"campaign.vintage: {c.vintage} is not an available geography "
                     f"vintage ({', '.join(map(str, VINTAGES))})")
    first, last = c.evidence_window
    if first > last:
        problems.add(("campaign", "evidence_window"),
                     f"campaign.evidence_window: first year {first} is after last year {last}")

    catalogue = load_catalogue()
    known_tags = catalogue.naf_tags()
    for i, tag in enumerate(model.evidence.tech_naf_tags):
        if tag not in known_tags:
            problems.add(("evidence", "tech_naf_tags", i), f"evidence.tech_naf_tags: unknown tag {tag!r}; "
                         f"known: {', '.join(sorted(known_tags))}")

    for i, item in enumerate(model.indicators):
        if item.id not in catalogue.indicators:
            problems.add(("indicators", i, "id"), f"indicators[{i}].id: unknown indicator {item.id!r}; known: "
                         f"{', '.join(sorted(catalogue.indicators))}")
        if item.pillar not in model.pillars:
            problems.add(("indicators", i, "pillar"), f"indicators[{i}].pillar: {item.pillar!r} is not declared "
                         "in [pillars]")
    if not model.indicators:
        problems.add(("indicators",), "indicators: at least one [[indicators]] entry is needed")
    ids = [item.id for item in model.indicators]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.add(("indicators", len(ids) - 1 - ids[::-1].index(dup), "id"),
                     f"indicators: {dup!r} is listed twice")

    _index_problems(model, problems)

    specs: list[TerritorySpec] = []
    territories: list[Territory] = []
    geo = load_geography(c.vintage) if vintage_ok else None
    seen: set[str] = set()
    for i, t in enumerate(model.territories):
        if t.id in seen:
            problems.add(("territories", i, "id"), f"territories[{i}].id: territory {t.id!r} is listed twice")
        seen.add(t.id)
        spec = TerritorySpec(id=t.id, name=t.name, epci=tuple(t.epci), communes=tuple(t.communes),
                             automatic=t.automatic, historical=t.historical, kind=t.kind, theme=t.theme)
        specs.append(spec)
        if geo is not None:
            try:
                territories.append(geo.territory(t.id, t.name, epci=spec.epci, communes=spec.communes))
            except GeographyError as exc:
                problems.add(("territories", i), f"territories[{i}]: {exc}")
    if not specs:
        problems.add(("territories",), "territories: at least one [[territories]] entry is needed")

    criteria = [r.id for r in model.rubric]
    if not criteria:
        problems.add(("rubric",), "rubric: at least one [[rubric]] criterion is needed")
    for i, cid in enumerate(criteria):
        if cid in criteria[:i]:
            problems.add(("rubric", i, "id"), f"[[rubric]] #{i + 1} id: criterion {cid!r} is listed twice")

    rules = resolve_labelling(model, specs, problems, campaign_path=source_path)

    if problems:
        raise ConfigError(source, problems.items)
    return Campaign(id=c.id, name=c.name, name_en=c.name_en, vintage=c.vintage, announced=c.announced,
                    window=(first, last), seed=c.seed, tech_naf_tags=tuple(model.evidence.tech_naf_tags),
                    indicators=[IndicatorChoice(i.id, i.pillar, i.weight) for i in model.indicators],
                    pillars=dict(model.pillars), index=model.index, labelling=model.labelling,
                    territories=territories, specs=specs, model=model, rules=rules,
                    predecessor=rules.chaining.predecessor)


def _index_problems(model: CampaignFile, problems: Problems) -> None:
    """The ``[index]`` steps and the ``[uncertainty]`` inputs, checked by the index engine itself."""
    try:
        pipe = pipeline(model.index.spec())
    except (IndexInputError, ValueError, TypeError) as exc:
        problems.add(("index",), f"index: {exc}")
        return
    try:
        parse_inputs(model.uncertainty.engine_inputs(), pipe)
    except IndexInputError as exc:
        problems.add(("uncertainty", "inputs"), f"uncertainty.inputs: {exc}")
