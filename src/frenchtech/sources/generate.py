"""The seeded generator: a complete evidence folder in the real formats, labelled as generated.

``generate_evidence(campaign, out_dir, rows, seed)`` writes the SIRENE register (national, ``rows``
rows) with the periods of its establishments (StockEtablissementHistorique), funding rounds with their
exchange-rate table, support structures, initiatives and one dossier per candidate territory. Volumes
follow the real populations of the campaign's geography, denser in big cities, times a random factor
per candidate territory (so rankings change with the seed). Each dossier declares its observed
figures with a little noise, except one territory, drawn by the seed, which inflates its funding
threefold. Same campaign, rows and seed give byte-identical files.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from frenchtech import __version__
from frenchtech.geo import load_geography
from frenchtech.hashing import file_sha256
from frenchtech.sources.generate_sirene import tech_rows_for, write_register
from frenchtech.sources.places import Places, build_places

GENERATOR_VERSION = "1"
REGISTER_FILE = "StockEtablissement_utf8.csv"
HISTORY_FILE = "StockEtablissementHistorique_utf8.csv"
INFLATION = 3.0
# INSEE's StockEtablissement holds about 40 million establishments (open and closed) for about 66 million
# inhabitants: the density a "register" tech density gives the tech establishments, everywhere.
REGISTER_ROWS_PER_INHABITANT = 0.6
TECH_DENSITIES = ("sample", "register")
DECLARED_NOISE = 0.05        # sd of the log noise on declared figures
CITY_ONLY_SHARE = 0.35       # rounds located by city name only
AMBIGUOUS_KEPT_SHARE = 0.15  # of those with an ambiguous name, left without department (reported)
ROUNDS_PER_YEAR = 600        # national volume of the deal database
STRUCTURE_PEOPLE = 70_000    # inhabitants per support structure at the mean
INITIATIVE_PEOPLE = 25_000   # inhabitants per initiative over the period

# Approximate yearly averages (EUR per unit); the generator adds its own noise, so the table it
# writes is illustrative, not a reference.
USD_EUR = {2008: 0.683, 2009: 0.719, 2010: 0.755, 2011: 0.719, 2012: 0.778, 2013: 0.753, 2014: 0.754,
           2015: 0.902, 2016: 0.904, 2017: 0.887, 2018: 0.847, 2019: 0.893, 2020: 0.877, 2021: 0.846,
           2022: 0.951, 2023: 0.925, 2024: 0.924, 2025: 0.890}
GBP_EUR = {2008: 1.259, 2009: 1.122, 2010: 1.166, 2011: 1.152, 2012: 1.233, 2013: 1.178, 2014: 1.241,
           2015: 1.378, 2016: 1.224, 2017: 1.141, 2018: 1.130, 2019: 1.140, 2020: 1.125, 2021: 1.163,
           2022: 1.173, 2023: 1.150, 2024: 1.181, 2025: 1.180}
STRUCTURE_KINDS = {"incubator": 0.30, "accelerator": 0.15, "startup_studio": 0.10, "coworking": 0.45}
STRUCTURE_NAMES = {"incubator": "Incubateur", "accelerator": "Accélérateur", "startup_studio": "Studio",
                   "coworking": "Coworking"}
SUPPORT_KINDS = ("incubator", "accelerator", "startup_studio")
INITIATIVE_KINDS = {"event": 0.30, "programme": 0.15, "meetup": 0.35, "hackathon": 0.12, "competition": 0.08}
INITIATIVE_NAMES = {"event": "Journée", "programme": "Programme", "meetup": "Meetup", "hackathon": "Hackathon",
                    "competition": "Concours"}
SYLLABLES = ("al", "bo", "ca", "da", "fi", "go", "ka", "li", "mo", "na", "pi", "qu", "ra", "si", "ta", "vo",
             "xe", "za", "lu", "ne")
FUNDS = ("Atlas", "Boréal", "Cobalt", "Dune", "Écume", "Fjord", "Granit", "Hélios", "Iris", "Jade", "Kairos",
         "Lumen", "Mistral", "Nova", "Opale")
FUND_SUFFIX = ("Capital", "Ventures", "Partners", "Invest", "Gestion")


def _label(seed: int) -> str:
    return f"# GENERATED DATA — frenchtech generate, seed={seed}, not real figures\n"


def _date(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _pick(rng, weights: dict[str, float], n: int) -> list[str]:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return [keys[i] for i in rng.choice(len(keys), n, p=p / p.sum())]


def _city_multiplier(places: Places) -> np.ndarray:
    """Support and events concentrate in cities: a village weighs far less per inhabitant."""
    return np.clip((np.maximum(places.city_population, 1.0) / 2e5) ** 0.5, 0.02, 2.5)


def _write_csv(path: Path, seed: int, header: str, lines: list[str]) -> None:
    path.write_text(_label(seed) + header + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")


# -- exchange rates and funding rounds ---------------------------------------------------------------

def _rates(rng, years: range) -> dict[tuple[str, int], float]:
    table = {}
    for currency, known in (("USD", USD_EUR), ("GBP", GBP_EUR)):
        for y in years:
            base = known.get(y, known[min(known, key=lambda k: abs(k - y))])
            table[(currency, y)] = round(base * float(np.exp(rng.normal(0.0, 0.01))), 4)
    return table


def _company(rng, number: int) -> str:
    parts = rng.integers(0, len(SYLLABLES), 3)
    word = "".join(SYLLABLES[i] for i in parts).capitalize()
    return f"{word} {number}"


def _rounds(rng, places: Places, campaign, geo) -> tuple[list[str], dict[str, np.ndarray]]:
    first, last = campaign.window[0] - 1, campaign.window[1] + 1
    years = last - first + 1
    rates = _rates(rng, range(first, last + 1))
    weight = places.population * _city_multiplier(places) ** 1.5 * places.factor ** 1.5
    n = int(ROUNDS_PER_YEAR * years)
    units = rng.choice(len(weight), n, p=weight / weight.sum())
    days = rng.integers(_days(dt.date(first, 1, 1)), _days(dt.date(last, 12, 31)) + 1, n)
    eur = np.exp(rng.normal(np.log(800_000), 1.2, n))
    currency = rng.choice(3, n, p=[0.88, 0.08, 0.04])
    city_only = rng.random(n) < CITY_ONLY_SHARE
    keep_ambiguous = rng.random(n) < AMBIGUOUS_KEPT_SHARE
    with_siren = rng.random(n) < 0.7
    sirens = rng.integers(0, 1_000_000_000, n)
    n_investors = rng.integers(0, 4, n)
    lines, funding = [], np.zeros(len(weight))
    rounds = np.zeros(len(weight))
    window = (_days(campaign.window_start), _days(campaign.window_end))
    for i in range(n):
        u = int(units[i])
        date = _date(days[i])
        year = int(date[:4])
        cur = ("EUR", "USD", "GBP")[currency[i]]
        rate = 1.0 if cur == "EUR" else rates[(cur, year)]
        amount = max(1000, int(round(eur[i] / rate / 1000.0)) * 1000)
        code, city, dep = places.codes[u], "", ""
        counted = True
        if city_only[i]:
            city = places.cities[u]
            candidates = geo.resolve_city(city)
            parent = geo.parent_commune(code)
            if len(candidates) > 1 and not keep_ambiguous[i]:
                dep = places.deps[u]
                candidates = geo.resolve_city(city, dep)
            if candidates == [parent] or len(candidates) > 1:
                code = ""
                counted = len(candidates) == 1
            else:
                city, dep = "", ""
        kind = ("seed" if eur[i] < 500_000 else "series_a" if eur[i] < 3_000_000
                else "series_b" if eur[i] < 15_000_000 else "series_c")
        investors = ";".join(f"{FUNDS[j]} {FUND_SUFFIX[j % len(FUND_SUFFIX)]}"
                             for j in rng.choice(len(FUNDS), n_investors[i], replace=False))
        siren = f"{sirens[i]:09d}" if with_siren[i] else ""
        lines.append(",".join((_company(rng, i + 1), siren, code, city, dep, date, str(amount), cur, kind,
                               investors)))
        if counted and window[0] <= days[i] <= window[1]:
            funding[u] += amount * rate
            rounds[u] += 1
    header_rates = sorted(rates.items())
    rate_lines = [f"{c},{y},{r}" for (c, y), r in header_rates]
    return lines, {"funding_eur": funding, "funding_rounds": rounds, "_rates": rate_lines}


# -- structures and initiatives ----------------------------------------------------------------------

def _structures(rng, places: Places, campaign) -> tuple[list[str], dict[str, np.ndarray]]:
    lam = places.population / STRUCTURE_PEOPLE * places.factor * _city_multiplier(places)
    counts = rng.poisson(lam)
    units = np.repeat(np.arange(len(counts)), counts)
    n = len(units)
    kinds = _pick(rng, STRUCTURE_KINDS, n)
    end = _days(campaign.window_end)
    opened = rng.integers(_days(dt.date(1995, 1, 1)), _days(dt.date(campaign.window[1] + 1, 12, 31)) + 1, n)
    closes = rng.random(n) < 0.12
    closed = opened + rng.integers(180, 3650, n)
    capacity = np.maximum(1, np.round(np.exp(rng.normal(np.log(25), 0.6, n)))).astype(int)
    structures, capacities = np.zeros(len(lam)), np.zeros(len(lam))
    lines, seen = [], {}
    for i in range(n):
        u, kind = int(units[i]), kinds[i]
        cap = int(capacity[i] * (1.5 if kind == "accelerator" else 1))
        key = (u, kind)
        seen[key] = seen.get(key, 0) + 1
        name = f"{STRUCTURE_NAMES[kind]} {places.cities[u]} {seen[key]}"
        close = _date(closed[i]) if closes[i] else ""
        lines.append(",".join((name, kind, places.codes[u], _date(opened[i]), close, str(cap))))
        if kind in SUPPORT_KINDS and opened[i] <= end and not (closes[i] and closed[i] <= end):
            structures[u] += 1
            capacities[u] += cap
    return lines, {"support_structures": structures, "support_capacity": capacities}


def _initiatives(rng, places: Places, campaign) -> tuple[list[str], dict[str, np.ndarray]]:
    lam = places.population / INITIATIVE_PEOPLE * places.factor * _city_multiplier(places)
    counts = rng.poisson(lam)
    units = np.repeat(np.arange(len(counts)), counts)
    n = len(units)
    kinds = _pick(rng, INITIATIVE_KINDS, n)
    first, last = _days(dt.date(campaign.window[0] - 1, 1, 1)), _days(dt.date(campaign.window[1] + 1, 12, 31))
    days = rng.integers(first, last + 1, n)
    participants = np.maximum(5, np.round(np.exp(rng.normal(np.log(60), 0.8, n)))).astype(int)
    window = (_days(campaign.window_start), _days(campaign.window_end))
    initiatives, people = np.zeros(len(lam)), np.zeros(len(lam))
    lines = []
    for i in range(n):
        u = int(units[i])
        date = _date(days[i])
        name = f"{INITIATIVE_NAMES[kinds[i]]} {places.cities[u]} {date[:4]}-{i + 1}"
        lines.append(",".join((name, kinds[i], places.codes[u], date, str(participants[i]))))
        if window[0] <= days[i] <= window[1]:
            initiatives[u] += 1
            people[u] += participants[i]
    return lines, {"initiatives": initiatives, "initiative_participants": people}


# -- dossiers ----------------------------------------------------------------------------------------

FIGURES = {"tech_created": "tech_establishments_created", "tech_active": "tech_establishments_active",
           "new_companies": "new_companies", "funding_eur": "funding_eur", "funding_rounds": "funding_rounds",
           "support_structures": "support_structures", "support_capacity": "support_capacity",
           "initiatives": "initiatives", "initiative_participants": "initiative_participants"}


def _dossiers(rng, campaign, observed: dict, folder: Path, seed: int) -> str | None:
    competing = [s.id for s in campaign.specs if not s.automatic and observed[s.id]["funding_eur"] > 0]
    inflated = str(rng.choice(competing)) if competing else None
    folder.mkdir(parents=True, exist_ok=True)
    for t in campaign.territories:
        submitted = campaign.announced - dt.timedelta(days=int(rng.integers(120, 160)))
        lines = [_label(seed).rstrip("\n"), "[dossier]", f'territory = "{t.id}"', f"submitted = {submitted}",
                 "", "[declared]"]
        for figure, value in observed[t.id].items():
            declared = value * float(np.exp(rng.normal(0.0, DECLARED_NOISE)))
            if figure == "funding_eur" and t.id == inflated:
                declared *= INFLATION
            lines.append(f"{figure} = {int(round(declared))}")
        (folder / f"{t.id}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return inflated


# -- the whole folder --------------------------------------------------------------------------------

def generate_evidence(campaign, out_dir, rows: int, seed: int, progress=None, tech_density: str = "sample") -> dict:
    """Write a generated evidence folder for ``campaign``; return its manifest (also GENERATED.json).

    ``rows`` is the size of the SIRENE register; ``progress(advance_rows)`` is called as it grows.
    ``tech_density="register"`` adds tech establishments, all over France, until the tech part of the
    register has the real register's density (``REGISTER_ROWS_PER_INHABITANT``): the per-inhabitant tech
    figures of every territory and of every EPCI (the national medians) are then of the real order, while
    the other rows stay a sample of ``rows``.
    """
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if tech_density not in TECH_DENSITIES:
        raise ValueError(f"tech_density must be one of {', '.join(TECH_DENSITIES)}, not {tech_density!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    places = build_places(campaign, seed)
    geo = load_geography(campaign.vintage)
    tech_rows = (tech_rows_for(places, campaign, rows, seed, round(REGISTER_ROWS_PER_INHABITANT * places.population.sum()))
                 if tech_density == "register" else 0)
    register = write_register(out / REGISTER_FILE, out / HISTORY_FILE, places, campaign, rows, seed, progress,
                              tech_rows=tech_rows)

    per_unit: dict[str, np.ndarray] = {}
    rng = np.random.default_rng([seed, 3])
    lines, stats = _rounds(rng, places, campaign, geo)
    _write_csv(out / "funding_rounds.csv", seed,
               "company,siren,commune_code,city,department,date,amount,currency,round_type,investors", lines)
    _write_csv(out / "exchange_rates.csv", seed, "currency,year,eur_per_unit", stats.pop("_rates"))
    per_unit.update(stats)
    lines, stats = _structures(np.random.default_rng([seed, 4]), places, campaign)
    _write_csv(out / "structures.csv", seed, "name,kind,commune_code,opened,closed,capacity", lines)
    per_unit.update(stats)
    lines, stats = _initiatives(np.random.default_rng([seed, 5]), places, campaign)
    _write_csv(out / "initiatives.csv", seed, "name,kind,commune_code,date,participants", lines)
    per_unit.update(stats)
    per_unit.update(register["unit_counts"])

    observed = {}
    for t in campaign.territories:
        units = places.territory_units[t.id]
        observed[t.id] = {FIGURES[m]: (round(float(per_unit[m][units].sum()), 2)) for m in FIGURES}
    inflated = _dossiers(np.random.default_rng([seed, 6]), campaign, observed, out / "dossiers", seed)

    files = [{"path": REGISTER_FILE, "sha256": register["sha256"], "rows": rows + tech_rows},
             {"path": HISTORY_FILE, "sha256": register["history"]["sha256"], "rows": register["history"]["rows"]}]
    for name in ("funding_rounds.csv", "exchange_rates.csv", "structures.csv", "initiatives.csv"):
        files.append({"path": name, "sha256": file_sha256(out / name)})
    for t in campaign.territories:
        files.append({"path": f"dossiers/{t.id}.toml", "sha256": file_sha256(out / "dossiers" / f"{t.id}.toml")})
    manifest = {
        "generated": True,
        "note": "Generated demo data: not real figures.",
        "generator": "frenchtech generate",
        "generator_version": GENERATOR_VERSION,
        "frenchtech_version": __version__,
        "campaign": campaign.id,
        "vintage": campaign.vintage,
        "seed": seed,
        "rows": rows,
        "tech_density": tech_density,
        "tech_rows": tech_rows,
        "inflated_territory": inflated,
        "inflation_factor": INFLATION,
        "territory_factors": {k: round(v, 6) for k, v in places.territory_factor.items()},
        "observed": observed,
        "files": files,
    }
    (out / "GENERATED.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.txt").write_text(
        "GENERATED DEMO DATA — not real figures.\n\n"
        f"This folder was written by `frenchtech generate` (generator version {GENERATOR_VERSION}) for the "
        f"campaign {campaign.id!r} with seed {seed} and {rows} register rows.\n"
        f"{REGISTER_FILE} and {HISTORY_FILE} have the exact INSEE SIRENE layouts, so they carry no comment "
        "line: they are labelled by GENERATED.json beside them, which lists every file with its SHA-256.\n"
        "The small CSV files and the dossiers start with a '# GENERATED DATA' comment line.\n"
        + (f"\nDensity: the register's {rows} sampled rows are a small fraction of the real register (about "
           f"{REGISTER_ROWS_PER_INHABITANT} establishments per inhabitant, open and closed). {tech_rows} tech "
           "establishments follow them, drawn all over France as the sample's tech rows are, so that the tech "
           "part of the register has the real register's density everywhere: the tech figures per 10,000 "
           "inhabitants of every territory and every EPCI (hence the national medians) are of the real order "
           "and stay comparable. These added rows are not head offices, so the new-company figures are those "
           "of the sampled rows alone (a fraction of the real ones).\n" if tech_rows else
           f"\nDensity: the register's {rows} rows are a small fraction of the real register (about "
           f"{REGISTER_ROWS_PER_INHABITANT} establishments per inhabitant, open and closed): counts per "
           "10,000 inhabitants are that fraction of the real ones, for every territory and every EPCI alike.\n"),
        encoding="utf-8")
    return manifest
