"""The places the generator draws from: the register units of a geography and the territory factors.

A *unit* is a code as SIRENE writes it: every commune, except Paris, Lyon and Marseille which are
coded by municipal arrondissement. Each unit carries its population, the population of its city
(the commune, for an arrondissement), its SIRENE label and a plausible postcode, and the random
factor of the candidate territory it belongs to (1 outside candidates).
"""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np

from frenchtech.geo import load_geography

TERRITORY_SPREAD = 0.35     # sd of the log territory factor: how much seeds reshuffle rankings


@dataclass
class Places:
    codes: np.ndarray            # unit codes (str)
    labels: np.ndarray           # SIRENE libelleCommune: upper case, no accents
    postcodes: np.ndarray
    cities: np.ndarray           # city name as a deal database writes it (the commune's name)
    deps: np.ndarray
    population: np.ndarray       # float64
    city_population: np.ndarray  # float64
    factor: np.ndarray           # territory factor per unit
    territory_units: dict[str, np.ndarray]   # territory id -> unit indices
    territory_factor: dict[str, float]


def sirene_label(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return text.upper().replace("'", " ").replace("’", " ")


def _postcode(code: str, dep: str, parent: str | None) -> str:
    if parent == "75056":
        return "750" + code[-2:]
    if parent == "69123":
        return "6900" + code[-1]
    if parent == "13055":
        return "130" + code[-2:]
    if dep in ("2A", "2B"):
        return "20" + ("0" if dep == "2A" else "2") + code[-2:]
    if len(dep) == 3:
        return dep + code[-2:]
    return dep + code[2:4] + "0"


def build_places(campaign, seed: int) -> Places:
    geo = load_geography(campaign.vintage)
    c = geo.communes
    plm = set(c.loc[c["kind"] == "arrondissement", "parent"])
    keep = c[~c["code"].isin(plm)]
    codes = keep["code"].to_numpy(dtype=object)
    parents = [parent if kind == "arrondissement" else None
               for parent, kind in zip(keep["parent"], keep["kind"])]
    names = keep["name"].to_numpy(dtype=object)
    deps = keep["dep"].to_numpy(dtype=object)
    labels, cities, posts = [], [], []
    for code, name, dep, parent in zip(codes, names, deps, parents):
        if parent:
            city = c.at[parent, "name"]
            number = int(code[-2:]) if parent != "69123" else int(code[-1])
            labels.append(f"{sirene_label(city)} {number}")
            cities.append(city)
        else:
            labels.append(sirene_label(name))
            cities.append(name)
        posts.append(_postcode(code, dep, parent))
    population = keep["population"].to_numpy(dtype="float64")
    city_pop = np.array([c.at[p, "population"] if p else pop for p, pop in zip(parents, population)],
                        dtype="float64")
    index = {code: i for i, code in enumerate(codes)}
    rng = np.random.default_rng([seed, 0])
    factor = np.ones(len(codes))
    territory_units, territory_factor = {}, {}
    for t in campaign.territories:
        f = float(np.exp(rng.normal(0.0, TERRITORY_SPREAD)))
        units = np.array(sorted(index[m] for m in t.match_codes if m in index), dtype=np.int64)
        territory_units[t.id], territory_factor[t.id] = units, f
        factor[units] = f
    return Places(codes=codes, labels=np.array(labels, dtype=object), postcodes=np.array(posts, dtype=object),
                  cities=np.array(cities, dtype=object), deps=deps, population=population,
                  city_population=city_pop, factor=factor, territory_units=territory_units,
                  territory_factor=territory_factor)


def naf_codes(tags) -> tuple[list[str], list[str]]:
    """(tech codes for the campaign's tags, every other NAF rev. 2 subclass)."""
    data = resources.files("frenchtech")
    with (data / "indicators" / "naf_tags.csv").open(encoding="utf-8") as f:
        tech = sorted({r["code"] for r in csv.DictReader(f) if r["tag"] in set(tags)})
    with (data / "data" / "naf_rev2_subclasses.csv").open(encoding="utf-8") as f:
        every = [r["code"] for r in csv.DictReader(f)]
    return tech, [code for code in every if code not in set(tech)]
