"""Read every evidence file of a folder into one :class:`Evidence`.

Layout of an evidence folder (funding rounds, structures and initiatives are required unless the
campaign's ``[evidence] optional`` names them; a missing optional file gives an empty table)::

    StockEtablissement_utf8.csv   SIRENE register (read by frenchtech.sources.sirene, not here)
    funding_rounds.csv            exchange_rates.csv
    structures.csv                initiatives.csv
    dossiers/<territory>.toml     (or .json)

The campaign chooses the reader of the rounds and of the rates (``[evidence.rounds] format``,
``[evidence.rates] format``): a Crunchbase export, any export through a column-mapping profile, the
ECB's reference rates. :data:`READERS` lists every reader, the files it expects and where they come from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from frenchtech.errors import InputError
from frenchtech.sources import ecb, ilab
from frenchtech.sources.csvutil import geography_of
from frenchtech.sources.dossier import dossier_files, read_dossiers
from frenchtech.sources.frames import INITIATIVES, ROUNDS, STRUCTURES, empty
from frenchtech.sources.initiatives import read_initiatives
from frenchtech.sources.rates import RateTable, read_exchange_rates
from frenchtech.sources.rounds import read_rounds
from frenchtech.sources.structures import read_structures

FILES = {"rounds": "funding_rounds.csv", "rates": "exchange_rates.csv", "structures": "structures.csv",
         "initiatives": "initiatives.csv", "dossiers": "dossiers"}
# Sources whose absence would read as "none": required unless the campaign marks them optional
# (by the name of their file without .csv, as in ``[evidence] optional = ["funding_rounds"]``).
REQUIRED = ("rounds", "structures", "initiatives")


@dataclass(frozen=True)
class Reader:
    source: str          # rounds, rates, structures, ...
    format: str          # the campaign's name for it ([evidence.<source>] format)
    files: tuple[str, ...]
    publisher: str       # where the publisher puts the file
    module: str


READERS = (
    Reader("establishments", "sirene", ("StockEtablissement_utf8.zip", "StockEtablissement_utf8.csv",
                                        "StockEtablissement_store/"),
           "INSEE, Base Sirene des entreprises et de leurs établissements, monthly stock: "
           "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/",
           "frenchtech.sources.sirene"),
    Reader("establishments", "sirene-historique", ("StockEtablissementHistorique_utf8.zip",
                                                   "StockEtablissementHistorique_utf8.csv"),
           "INSEE, same dataset, stock of the establishments' historised values (optional: when present, "
           "the state at the window's end is read from it, not derived from the stock's dateDebut)",
           "frenchtech.sources.history"),
    Reader("rounds", "frenchtech", ("funding_rounds.csv",), "this product's layout (docs/evidence-formats.md)",
           "frenchtech.sources.rounds"),
    Reader("rounds", "crunchbase", ("funding_rounds.csv",),
           "Crunchbase, bulk CSV export for subscribers: its file funding_rounds.csv",
           "frenchtech.sources.crunchbase"),
    Reader("rounds", "mapping", ("<export>.csv or .xlsx", "<profile>.toml"),
           "any deal-database or in-house export (Dealroom, a spreadsheet) with a column-mapping profile",
           "frenchtech.sources.mapping"),
    Reader("rates", "frenchtech", ("exchange_rates.csv",), "this product's layout: one rate per currency and year",
           "frenchtech.sources.rates"),
    Reader("rates", "ecb", ecb.FILES,
           "European Central Bank, euro foreign exchange reference rates, full history: "
           "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip", "frenchtech.sources.ecb"),
    Reader("structures", "frenchtech", ("structures.csv",), "this product's layout", "frenchtech.sources.structures"),
    Reader("initiatives", "frenchtech", ("initiatives.csv",), "this product's layout",
           "frenchtech.sources.initiatives"),
    Reader("laureates", "ilab", (f"frenchtech/data/{ilab.NAME} (shipped)",), ilab.PUBLISHER, "frenchtech.sources.ilab"),
    Reader("dossiers", "frenchtech", ("dossiers/<territory>.toml",), "the candidates' dossiers",
           "frenchtech.sources.dossier"),
)


def optional_sources(campaign) -> set[str]:
    """The source keys the campaign's ``[evidence] optional`` allows to be missing."""
    model = getattr(campaign, "model", None)
    names = getattr(getattr(model, "evidence", None), "optional", None) or ()
    return {key for key, file in FILES.items() if file.removesuffix(".csv") in names}


def _choice(campaign, source: str):
    """The campaign's ``[evidence.<source>]`` table, or None (the layout of our own design)."""
    return getattr(getattr(getattr(campaign, "model", None), "evidence", None), source, None)


@dataclass
class Evidence:
    folder: Path
    rounds: pd.DataFrame = field(default_factory=lambda: empty(ROUNDS))
    structures: pd.DataFrame = field(default_factory=lambda: empty(STRUCTURES))
    initiatives: pd.DataFrame = field(default_factory=lambda: empty(INITIATIVES))
    dossiers: dict[str, dict[str, float]] = field(default_factory=dict)
    dossier_info: dict[str, dict] = field(default_factory=dict)
    city_report: list[dict] = field(default_factory=list)
    rates: object = field(default_factory=RateTable)
    paths: dict[str, list[Path]] = field(default_factory=dict)
    """Files read, by source: {"rounds": [...], "rates": [...], ..., "dossiers": [one per dossier]}."""
    readers: dict[str, dict] = field(default_factory=dict)
    """Per source, the reader and the file it read: {"rounds": {"reader": "crunchbase", "file": ...}}."""
    laureates: pd.DataFrame | None = None
    """The i-Lab laureates of the evidence window (the shipped copy), before the audit locates them."""
    laureate_list: pd.DataFrame | None = None
    """The audit's ``laureates.csv``: the window's laureates, located or with the reason why not."""


def _located(folder: Path, campaign) -> dict[str, tuple[Path, dict]]:
    """{source: (file, reader entry)} of the files present, as the campaign's choices name them."""
    found = {}
    for key in ("structures", "initiatives"):
        if (folder / FILES[key]).exists():
            found[key] = (folder / FILES[key], {"reader": "frenchtech", "file": FILES[key]})
    rounds = _choice(campaign, "rounds")
    fmt = rounds.format if rounds else "frenchtech"
    name = (rounds.file if rounds and rounds.file else FILES["rounds"])
    if (folder / name).exists():
        entry = {"reader": fmt, "file": name}
        if fmt == "mapping":
            profile = (folder / rounds.profile)
            if not profile.resolve().is_relative_to(folder.resolve()):
                raise InputError(profile, "the profile is outside the evidence folder",
                                 expected="a profile path relative to the evidence folder, inside it "
                                          "(the audit records and re-reads it with the export)")
            entry["profile"] = rounds.profile
        found["rounds"] = (folder / name, entry)
    elif rounds is not None and rounds.file and "rounds" not in optional_sources(campaign):
        raise InputError(folder / name, "file not found (named by the campaign's [evidence.rounds] file)",
                         expected=f"the {fmt} export in the evidence folder")
    rates = _choice(campaign, "rates")
    fmt = rates.format if rates else "frenchtech"
    names = (rates.file,) if rates and rates.file else ecb.FILES if fmt == "ecb" else (FILES["rates"],)
    hit = next((folder / n for n in names if (folder / n).exists()), None)
    if hit is not None:
        found["rates"] = (hit, {"reader": fmt, "file": hit.name, "rule": rates.rule if rates else "year_average"})
    elif rates is not None:   # chosen explicitly: the rounds' conversion depends on it
        raise InputError(folder / names[0], "file not found (named by the campaign's [evidence.rates])",
                         expected=" or ".join(names) + " in the evidence folder")
    return found


def read_evidence_folder(folder, campaign) -> Evidence:
    """Read the small evidence files of ``folder`` for ``campaign``; raise InputError on bad input."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "evidence folder not found", expected="a folder of evidence files")
    geo = geography_of(campaign)
    ev = Evidence(folder=folder)
    present = _located(folder, campaign)
    optional = optional_sources(campaign)
    for key in REQUIRED:
        if key not in present and key not in optional:
            name = FILES[key].removesuffix(".csv")
            raise InputError(folder / FILES[key], "file not found (a missing file would count as none)",
                             expected=f"the file in the evidence folder, or `optional = [\"{name}\"]` in the "
                                      "campaign's [evidence] section when there is no such evidence")
    ev.paths = {key: [p] for key, (p, _) in present.items()}
    if "rates" in present:
        path, entry = present["rates"]
        ev.rates = (ecb.read_ecb_rates(path, entry["rule"]) if entry["reader"] == "ecb"
                    else read_exchange_rates(path))
    if "rounds" in present:
        path, entry = present["rounds"]
        if entry["reader"] == "crunchbase":
            from frenchtech.sources.crunchbase import read_crunchbase_rounds
            ev.rounds, ev.city_report = read_crunchbase_rounds(path, geo, ev.rates)
        elif entry["reader"] == "mapping":
            from frenchtech.sources.mapping import read_mapped_rounds, read_profile
            profile_path = folder / entry["profile"]
            profile = read_profile(profile_path)
            ev.rounds, ev.city_report = read_mapped_rounds(path, profile, geo, ev.rates)
            ev.paths["rounds"].append(profile_path)
            if profile.profile.name:
                entry["profile_name"] = profile.profile.name
        else:
            ev.rounds, ev.city_report = read_rounds(path, geo, ev.rates)
    if "structures" in present:
        ev.structures = read_structures(present["structures"][0], geo)
    if "initiatives" in present:
        ev.initiatives = read_initiatives(present["initiatives"][0], geo)
    if (folder / FILES["dossiers"]).exists():
        ev.dossiers = read_dossiers(folder / FILES["dossiers"], campaign, info=ev.dossier_info)
    ev.paths["dossiers"] = dossier_files(folder / FILES["dossiers"])
    ev.readers = {key: entry for key, (_, entry) in sorted(present.items())}
    laureates, digest = ilab.shipped()
    window = getattr(campaign, "window", None)
    ev.laureates = ilab.in_window(laureates, window) if window else laureates
    ev.readers["laureates"] = {"reader": "ilab", "file": f"frenchtech/data/{ilab.NAME}", "sha256": digest}
    if ev.paths["dossiers"]:
        ev.readers["dossiers"] = {"reader": "frenchtech", "file": f"{FILES['dossiers']}/",
                                  "count": len(ev.paths["dossiers"])}
    return ev


def describe_readers(readers: dict[str, dict]) -> list[str]:
    """One line per source: the reader and the file it read (the audit prints them)."""
    out = []
    for source, e in readers.items():
        extra = "".join(f", {k} {e[k]}" for k in ("profile", "rule", "count", "located") if k in e)
        out.append(f"{source}: {e['file']} read as {e['reader']}{extra}")
    return out
