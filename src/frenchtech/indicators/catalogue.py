"""The declarative indicator catalogue (measures and indicators) and the NAF tagging."""
from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

SOURCES = {
    "establishments": {"naf_tags", "created", "active", "head_office"},
    "rounds": {"date"},
    "structures": {"kind", "open_at_end"},
    "initiatives": {"kind", "date"},
    "laureates": {"date"},      # i-Lab laureates, located in the register (frenchtech.sources.ilab)
}
AGGREGATES = ("count", "sum", "count_distinct")


@dataclass(frozen=True)
class Measure:
    id: str
    source: str
    aggregate: str
    column: str | None
    where: dict
    name_fr: str
    name_en: str
    declared: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    measure: str
    per: str | None = None
    scale: float = 1.0
    direction: int = 1
    name_fr: str | None = None      # optional; derived from the measure and the denominator otherwise
    name_en: str | None = None


@dataclass
class Catalogue:
    measures: dict[str, Measure]
    indicators: dict[str, Indicator]
    naf: dict[str, str] = field(default_factory=dict)  # NAF code -> tag

    def naf_tags(self) -> set[str]:
        return set(self.naf.values())

    def naf_codes(self, tags) -> list[str]:
        tags = set(tags)
        return sorted(code for code, tag in self.naf.items() if tag in tags)


def _check(measures: dict, indicators: dict) -> None:
    problems = []
    for mid, m in measures.items():
        if m.source not in SOURCES:
            problems.append(f"measure {mid}: unknown source {m.source!r}")
            continue
        if m.aggregate not in AGGREGATES:
            problems.append(f"measure {mid}: unknown aggregate {m.aggregate!r}")
        for key in m.where:
            if key not in SOURCES[m.source]:
                problems.append(f"measure {mid}: filter {key!r} does not apply to {m.source}")
    for iid, ind in indicators.items():
        if ind.measure not in measures:
            problems.append(f"indicator {iid}: unknown measure {ind.measure!r}")
        if ind.per not in (None, "population"):
            problems.append(f"indicator {iid}: unknown denominator {ind.per!r}")
    if problems:
        raise ValueError("invalid indicator catalogue: " + "; ".join(problems))


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    base = resources.files("frenchtech.indicators")
    raw = tomllib.loads((base / "catalogue.toml").read_text(encoding="utf-8"))
    measures = {
        mid: Measure(id=mid, source=m["source"], aggregate=m["aggregate"], column=m.get("column"),
                     where=dict(m.get("where", {})), name_fr=m["name_fr"], name_en=m["name_en"],
                     declared=m.get("declared"))
        for mid, m in raw["measures"].items()
    }
    indicators = {
        iid: Indicator(id=iid, measure=d["measure"], per=d.get("per"), scale=float(d.get("scale", 1)),
                       direction=int(d.get("direction", 1)), name_fr=d.get("name_fr"), name_en=d.get("name_en"))
        for iid, d in raw["indicators"].items()
    }
    _check(measures, indicators)
    naf = {row["code"]: row["tag"] for row in csv.DictReader(io.StringIO((base / "naf_tags.csv").read_text("utf-8")))}
    return Catalogue(measures, indicators, naf)


def _per(scale: float, lang: str) -> str:
    n = int(scale)
    if n == 1:
        return "par habitant" if lang == "fr" else "per inhabitant"
    if lang == "fr":
        return f"pour {n:,} hab.".replace(",", " ")
    return f"per {n:,} inhabitants"


def indicator_label(indicator_id: str, lang: str = "fr") -> str:
    """An indicator's name in French or English (any other language: English): its own name in the
    catalogue, else its measure's name with the denominator ("Levées de fonds pour 100 000 hab.").
    An id the catalogue does not know (a measure, a pillar, a column) is named as a measure if it is
    one, and returned as is otherwise."""
    lang = "fr" if (lang or "fr")[:2].lower() == "fr" else "en"
    cat = load_catalogue()
    ind = cat.indicators.get(indicator_id)
    if ind is not None:
        own = ind.name_fr if lang == "fr" else ind.name_en
        if own:
            return own
        m = cat.measures[ind.measure]
        base = m.name_fr if lang == "fr" else m.name_en
        return base if ind.per is None else f"{base} {_per(ind.scale, lang)}"
    m = cat.measures.get(indicator_id)
    if m is not None:
        return m.name_fr if lang == "fr" else m.name_en
    return indicator_id
