"""The laureates of the i-Lab national innovation competition, as the research ministry publishes them
(the shipped copy ``frenchtech/data/ilab_laureats.csv``, Licence Ouverte 2.0).

The file names no address: a laureate is located by its company's head office in the SIRENE register
(the establishment with ``etablissementSiege`` true of its SIREN), found during the audit's single scan
of the register. The rule, stated in docs/evidence-formats.md:

- only by SIREN (or the SIREN part of a SIRET), checked by its Luhn key; never by name, for a name
  matches several companies, and the establishment stock holds no legal names;
- never in a generated register: its SIRENs are drawn at random and may collide with a real one, so a
  real company would be placed at an invented address. With a generated or absent register every
  laureate is listed as not located, with the reason, and a campaign that scores laureates stops;
- a laureate counts for the year of its competition (1 January of that year against the window).
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from frenchtech.sources.csvutil import CsvRows

NAME = "ilab_laureats.csv"
COLUMNS = ("Identifiant", "Année de concours", "Type de candidature", "Grand-Prix", "Domaine technologique",
           "Id région", "Région", "Moto", "N° SIREN", "N° SIRET", "Libellé entreprise", "Site web entreprise",
           "Structure liée au projet")
FIELDS = {"line": "int64", "id": "str", "year": "int64", "kind": "str", "prize": "str", "domain": "str",
          "region": "str", "siren": "str", "company": "str", "status": "str"}
# Why a laureate has no place: codes, rendered in the reader's language at the edge.
LOCATED, NO_SIREN, BAD_SIREN, NOT_FOUND = "located", "no_siren", "bad_siren", "not_in_register"
GENERATED_REGISTER, NO_REGISTER = "generated_register", "no_register"
SCAN_COLUMN = "_ilab_sirens"     # the per-commune list of laureate SIRENs the register scan collects
PUBLISHER = ("French ministry of higher education and research, i-Lab laureates open data "
             "(data.enseignementsup-recherche.gouv.fr); shipped in frenchtech/data/")


def shipped_path() -> Path:
    return Path(str(resources.files("frenchtech") / "data" / NAME))


def siren_valid(siren: str) -> bool:
    """9 digits and a valid Luhn key (INSEE's check on SIREN numbers)."""
    if not re.fullmatch(r"\d{9}", siren):
        return False
    total = 0
    for i, ch in enumerate(reversed(siren)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def read_laureates(path=None) -> pd.DataFrame:
    """The laureates, one row per award: ``FIELDS``; ``status`` is ``no_siren``, ``bad_siren`` or, for a
    SIREN that can be looked up, empty (the audit locates it). A malformed file is refused (InputError
    with line and column); a SIREN that fails its check is the publisher's data, kept and reported."""
    path = Path(path) if path is not None else shipped_path()
    rows = CsvRows(path, COLUMNS)
    out: dict[str, list] = {c: [] for c in FIELDS}
    for line, r in rows:
        year = r["Année de concours"]
        if not re.fullmatch(r"(19|20)\d\d", year):
            raise rows.error(f"bad year {year!r}", line=line, column="Année de concours",
                             expected="the competition's year, 4 digits")
        siret = r["N° SIRET"]
        if siret and not re.fullmatch(r"\d{14}", siret):
            raise rows.error(f"bad SIRET {siret!r}", line=line, column="N° SIRET", expected="14 digits or empty")
        siren = r["N° SIREN"] or siret[:9]
        status = NO_SIREN if not siren else "" if siren_valid(siren) else BAD_SIREN
        for col, value in (("line", line), ("id", r["Identifiant"]), ("year", int(year)),
                           ("kind", r["Type de candidature"]), ("prize", r["Grand-Prix"]),
                           ("domain", r["Domaine technologique"]), ("region", r["Région"]),
                           ("siren", siren), ("company", r["Libellé entreprise"]), ("status", status)):
            out[col].append(value)
    return pd.DataFrame({c: pd.Series(v, dtype=FIELDS[c]) for c, v in out.items()})


@lru_cache(maxsize=1)
def shipped() -> tuple[pd.DataFrame, str]:
    """The shipped laureates and the SHA-256 of the file (recorded in the audit's manifest)."""
    path = shipped_path()
    return read_laureates(path), hashlib.sha256(path.read_bytes()).hexdigest()


def in_window(laureates: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    return laureates[laureates["year"].between(window[0], window[1])].reset_index(drop=True)


def scan_aggregates(table, sirens) -> dict:
    """The aggregate the register's per-commune scan adds: the SIRENs of laureates whose head office
    is in the commune (works on every engine: DuckDB ARRAY_AGG, Spark COLLECT_LIST)."""
    return {SCAN_COLUMN: table.siren.collect(where=table.head_office & table.siren.isin(tuple(sirens)))}


def pop_found(totals: pd.DataFrame) -> dict[str, str]:
    """{siren: commune} from the scan's result, whose list column it removes."""
    found: dict[str, str] = {}
    if SCAN_COLUMN not in totals.columns:
        return found
    for commune, sirens in zip(totals["commune"], totals.pop(SCAN_COLUMN)):
        for siren in (sirens if sirens is not None else ()):
            found.setdefault(str(siren), commune)
    return found


def locate(laureates: pd.DataFrame, found: dict[str, str] | None, reason: str | None = None) -> pd.DataFrame:
    """The laureates with their ``commune`` and final ``status``. ``found`` is the scan's {siren: commune};
    None when the register was not searched, ``reason`` then says why (generated or absent register)."""
    out = laureates.copy()
    communes, statuses = [], []
    for siren, status in zip(out["siren"], out["status"]):
        if found is None:
            communes.append(None)
            statuses.append(reason or NO_REGISTER)
        elif status:
            communes.append(None)
            statuses.append(status)
        elif siren in found:
            communes.append(found[siren])
            statuses.append(LOCATED)
        else:
            communes.append(None)
            statuses.append(NOT_FOUND)
    out["commune"] = pd.Series(communes, dtype="str")
    out["status"] = pd.Series(statuses, dtype="str")
    return out


def measure_table(located: pd.DataFrame) -> pd.DataFrame:
    """The located laureates as the engine reads a small source: ``commune`` and ``date`` (1 January of
    the competition's year)."""
    rows = located[located["status"] == LOCATED]
    return pd.DataFrame({"commune": rows["commune"].astype("str"),
                         "date": pd.to_datetime(rows["year"].astype(str) + "-01-01").dt.date})


def listing(located: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """``laureates.csv`` of the audit: every laureate of the window (``line``: its line in the published
    file), with its commune and territory when located (one row per territory whose perimeter holds the
    commune), else the reason."""
    cols = ["line", "year", "company", "siren", "kind", "prize", "domain", "region", "status", "commune"]
    table = located[cols].merge(members, on="commune", how="left")
    table = table.sort_values(["territory", "year", "company", "line"], na_position="last", kind="stable")
    return table[cols + ["territory"]].reset_index(drop=True)


def lookup_sirens(laureates: pd.DataFrame | None) -> tuple[str, ...]:
    """The SIRENs the register scan looks for (the laureates whose SIREN passes its check)."""
    if laureates is None or laureates.empty:
        return ()
    return tuple(sorted(set(laureates.loc[laureates["status"] == "", "siren"])))


def settle(evidence, found: dict[str, str] | None, generated: bool, members: pd.DataFrame,
           scored: bool) -> None:
    """Locate the evidence's laureates (``found``: the scan's {siren: commune}, None when the register
    was not searched) and keep the audit's listing on ``evidence.laureate_list``. A campaign that
    ``scored`` laureates cannot go on without a real register: its figure would be invented."""
    from frenchtech.errors import InputError

    if getattr(evidence, "laureates", None) is None:
        return
    reason = GENERATED_REGISTER if generated else NO_REGISTER
    located = locate(evidence.laureates, None if generated else found, reason)
    evidence.laureate_list = listing(located, members)
    evidence.readers.setdefault("laureates", {})["located"] = int((located["status"] == LOCATED).sum())
    if scored and (generated or found is None):
        raise InputError(shipped_path(), "the campaign scores i-Lab laureates, which are located by their "
                         "head office in the register, and " + ("this register is generated: a real company is "
                                                                "never placed in generated data" if generated
                                                                else "the evidence has no register"),
                         expected="INSEE's real StockEtablissement in the evidence folder, or a campaign without "
                                  "the laureates indicator")


def summary(listing_table: pd.DataFrame) -> str:
    """One line for the audit's notes: how many laureates of the window were located, and why not."""
    per = listing_table.drop_duplicates(subset=["line"])
    counts = per["status"].value_counts()
    others = ", ".join(f"{n} {status}" for status, n in counts.items() if status != LOCATED)
    return (f"i-Lab laureates of the window: {int(counts.get(LOCATED, 0))} located by their head office"
            + (f"; not located: {others}" if others else "") + " (see laureates.csv)")
