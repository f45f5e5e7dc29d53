"""Parse and validate a campaign file."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frenchtech.errors import ConfigError, GeographyError
from frenchtech.geo import VINTAGES, Territory, load_geography

RULES = ("quota", "threshold")


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
    index: dict[str, Any]
    labelling: dict[str, Any]
    territories: list[Territory]
    specs: list[TerritorySpec]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    path: Path | None = None
    rules: Any = None               # frenchtech.labelling.settings.Labelling
    predecessor: str | None = None

    @property
    def window_start(self) -> dt.date:
        return dt.date(self.window[0], 1, 1)

    @property
    def window_end(self) -> dt.date:
        return dt.date(self.window[1], 12, 31)

    def territory(self, territory_id: str) -> Territory:
        for t in self.territories:
            if t.id == territory_id:
                return t
        raise KeyError(territory_id)

    def spec(self, territory_id: str) -> TerritorySpec:
        return next(s for s in self.specs if s.id == territory_id)


def load_campaign(path) -> Campaign:
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), ["file not found"])
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from None
    campaign = parse_campaign(raw, source=str(path), source_path=path)
    campaign.path = path
    return campaign


def _require(section: dict, key: str, kind, where: str, errors: list[str]):
    if key not in section:
        errors.append(f"{where}: missing '{key}'")
        return None
    value = section[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        errors.append(f"{where}.{key}: expected {name}, got {value!r}")
        return None
    return value


def _index_errors(index: dict, uncertainty) -> list[str]:
    """Check the ``[index]`` steps and ``[uncertainty]`` inputs with the index engine itself."""
    from frenchtech.audit.score import STEPS, index_spec
    from frenchtech.index import IndexInputError, pipeline

    unknown = [k for k in index if k not in STEPS]
    if unknown:
        return [f"index: unknown step(s) {', '.join(unknown)}; steps: {', '.join(STEPS)}"]
    try:
        pipe = pipeline(index_spec(index))
    except (IndexInputError, ValueError, TypeError) as exc:
        return [f"index: {exc}"]
    errors = []
    if uncertainty is not None:
        from frenchtech.index.monte_carlo import parse_inputs

        n = uncertainty.get("n", 0) if isinstance(uncertainty, dict) else None
        if not isinstance(n, int) or n < 0:
            errors.append(f"uncertainty.n: expected a number of replications >= 0, got {n!r}")
        try:
            parse_inputs((uncertainty or {}).get("inputs", []), pipe)
        except IndexInputError as exc:
            errors.append(f"uncertainty.inputs: {exc}")
    return errors


def parse_campaign(raw: dict, source: str = "<campaign>", source_path=None) -> Campaign:
    """Validate a parsed campaign document; raise ConfigError listing every problem."""
    from frenchtech.indicators.catalogue import (
        load_catalogue,  # here to keep import light
    )
    from frenchtech.labelling.settings import parse_labelling

    errors: list[str] = []
    c = raw.get("campaign")
    if not isinstance(c, dict):
        raise ConfigError(source, ["missing [campaign] section"])
    cid = _require(c, "id", str, "campaign", errors)
    name = _require(c, "name", str, "campaign", errors)
    vintage = _require(c, "vintage", int, "campaign", errors)
    if vintage is not None and vintage not in VINTAGES:
        errors.append(f"campaign.vintage: {vintage} is not an available geography vintage ({', '.join(map(str, VINTAGES))})")
        vintage = None
    announced = _require(c, "announced", dt.date, "campaign", errors)
    window = c.get("evidence_window")
    if not (isinstance(window, list) and len(window) == 2 and all(isinstance(y, int) for y in window)):
        errors.append(f"campaign.evidence_window: expected [first_year, last_year], got {window!r}")
        window = None
    elif window[0] > window[1]:
        errors.append(f"campaign.evidence_window: first year {window[0]} is after last year {window[1]}")
        window = None
    seed = c.get("seed", 0)
    if not isinstance(seed, int):
        errors.append(f"campaign.seed: expected an integer, got {seed!r}")

    evidence = raw.get("evidence", {})
    tags = tuple(evidence.get("tech_naf_tags", ["digital_core"]))
    catalogue = load_catalogue()
    known_tags = catalogue.naf_tags()
    for tag in tags:
        if tag not in known_tags:
            errors.append(f"evidence.tech_naf_tags: unknown tag {tag!r}; known: {', '.join(sorted(known_tags))}")

    pillars = raw.get("pillars", {})
    indicators: list[IndicatorChoice] = []
    for i, item in enumerate(raw.get("indicators", [])):
        where = f"indicators[{i}]"
        iid = _require(item, "id", str, where, errors)
        pillar = item.get("pillar", "index")
        weight = item.get("weight", 1.0)
        if iid is not None and iid not in catalogue.indicators:
            errors.append(f"{where}.id: unknown indicator {iid!r}; known: {', '.join(sorted(catalogue.indicators))}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            errors.append(f"{where}.weight: expected a number >= 0, got {weight!r}")
            weight = 0.0
        if pillars and pillar not in pillars:
            errors.append(f"{where}.pillar: {pillar!r} is not declared in [pillars]")
        if iid is not None:
            indicators.append(IndicatorChoice(iid, pillar, float(weight)))
    if not indicators:
        errors.append("indicators: at least one [[indicators]] entry is needed")
    ids = [ind.id for ind in indicators]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        errors.append(f"indicators: {dup!r} is listed twice")
    if not pillars:
        pillars = {p: 1.0 for p in dict.fromkeys(ind.pillar for ind in indicators)}
    for p, w in pillars.items():
        if not isinstance(w, (int, float)) or w < 0:
            errors.append(f"pillars.{p}: expected a weight >= 0, got {w!r}")

    index = dict(raw.get("index", {}))
    index.setdefault("normalise", "n_minmax")
    index.setdefault("aggregate", "a_amean")
    errors.extend(_index_errors(index, raw.get("uncertainty")))

    labelling = dict(raw.get("labelling", {}))

    specs: list[TerritorySpec] = []
    territories: list[Territory] = []
    geo = load_geography(vintage) if vintage is not None else None
    seen: set[str] = set()
    for i, t in enumerate(raw.get("territories", [])):
        where = f"territories[{i}]"
        tid = _require(t, "id", str, where, errors)
        tname = _require(t, "name", str, where, errors)
        if tid in seen:
            errors.append(f"{where}.id: territory {tid!r} is listed twice")
        seen.add(tid)
        spec = TerritorySpec(id=tid or f"#{i}", name=tname or "", epci=tuple(t.get("epci", [])),
                             communes=tuple(t.get("communes", [])), automatic=bool(t.get("automatic", False)),
                             historical=t.get("historical"), kind=t.get("kind", "metropole"),
                             theme=t.get("theme", ""))
        specs.append(spec)
        if geo is not None and tid:
            try:
                territories.append(geo.territory(tid, tname or tid, epci=spec.epci, communes=spec.communes))
            except GeographyError as exc:
                errors.append(f"{where}: {exc}")
    if not specs:
        errors.append("territories: at least one [[territories]] entry is needed")
    rules = parse_labelling(raw, specs, announced, window, errors, campaign_path=source_path)

    if errors:
        raise ConfigError(source, errors)
    return Campaign(id=cid, name=name, name_en=c.get("name_en", name), vintage=vintage, announced=announced,
                    window=(window[0], window[1]), seed=seed, tech_naf_tags=tags, indicators=indicators,
                    pillars={k: float(v) for k, v in pillars.items()}, index=index, labelling=labelling,
                    territories=territories, specs=specs, raw=raw, rules=rules,
                    predecessor=rules.chaining.predecessor)
