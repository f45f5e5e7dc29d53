"""Read every evidence file of a folder into one :class:`Evidence`.

Layout of an evidence folder (funding rounds, structures and initiatives are required unless the
campaign's ``[evidence] optional`` names them; a missing optional file gives an empty table)::

    StockEtablissement_utf8.csv   SIRENE register (read by frenchtech.sources.sirene, not here)
    funding_rounds.csv            exchange_rates.csv
    structures.csv                initiatives.csv
    dossiers/<territory>.toml     (or .json)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from frenchtech.errors import InputError
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


def optional_sources(campaign) -> set[str]:
    """The source keys the campaign's ``[evidence] optional`` allows to be missing."""
    model = getattr(campaign, "model", None)
    names = getattr(getattr(model, "evidence", None), "optional", None) or ()
    return {key for key, file in FILES.items() if file.removesuffix(".csv") in names}


@dataclass
class Evidence:
    folder: Path
    rounds: pd.DataFrame = field(default_factory=lambda: empty(ROUNDS))
    structures: pd.DataFrame = field(default_factory=lambda: empty(STRUCTURES))
    initiatives: pd.DataFrame = field(default_factory=lambda: empty(INITIATIVES))
    dossiers: dict[str, dict[str, float]] = field(default_factory=dict)
    dossier_info: dict[str, dict] = field(default_factory=dict)
    city_report: list[dict] = field(default_factory=list)
    rates: RateTable = field(default_factory=RateTable)
    paths: dict[str, list[Path]] = field(default_factory=dict)
    """Files read, by source: {"rounds": [...], "rates": [...], ..., "dossiers": [one per dossier]}."""


def read_evidence_folder(folder, campaign) -> Evidence:
    """Read the small evidence files of ``folder`` for ``campaign``; raise InputError on bad input."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "evidence folder not found", expected="a folder of evidence files")
    geo = geography_of(campaign)
    ev = Evidence(folder=folder)
    present = {key: folder / name for key, name in FILES.items() if (folder / name).exists()}
    optional = optional_sources(campaign)
    for key in REQUIRED:
        if key not in present and key not in optional:
            name = FILES[key].removesuffix(".csv")
            raise InputError(folder / FILES[key], "file not found (a missing file would count as none)",
                             expected=f"the file in the evidence folder, or `optional = [\"{name}\"]` in the "
                                      "campaign's [evidence] section when there is no such evidence")
    if "rates" in present:
        ev.rates = read_exchange_rates(present["rates"])
    if "rounds" in present:
        ev.rounds, ev.city_report = read_rounds(present["rounds"], geo, ev.rates)
    if "structures" in present:
        ev.structures = read_structures(present["structures"], geo)
    if "initiatives" in present:
        ev.initiatives = read_initiatives(present["initiatives"], geo)
    if "dossiers" in present:
        ev.dossiers = read_dossiers(present["dossiers"], campaign, info=ev.dossier_info)
    ev.paths = {key: [p] for key, p in present.items() if key != "dossiers"}
    ev.paths["dossiers"] = dossier_files(folder / FILES["dossiers"])
    return ev
