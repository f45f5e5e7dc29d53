"""INSEE's StockEtablissementHistorique: the periods of every establishment, to tell its state on a day.

INSEE publishes, beside the stock, one row per period of each establishment: ``dateDebut`` and
``dateFin`` bound the period (both days included; ``dateFin`` is empty for the current period and
``dateDebut`` may be empty for the oldest), and ``etatAdministratifEtablissement`` is the state
during it (``A`` active, ``F`` closed). An establishment is active on a day when a period covering
that day has the state ``A``. The file is read like the stock: streamed, a few columns, as text;
its rows are checked in one grouped pass and the first malformed ones named by line and column.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from frenchtech.errors import InputError
from frenchtech.sources import csvscan
from frenchtech.sources import sirene

# The columns of StockEtablissementHistorique the product reads, and the standard names it gives them.
HISTORY_FIELDS = {
    "siret": "siret",
    "dateDebut": "since_raw",
    "dateFin": "until_raw",
    "etatAdministratifEtablissement": "state",
}
LAYOUT = "StockEtablissementHistorique"
NAMES = ("StockEtablissementHistorique_utf8.csv", "StockEtablissementHistorique_utf8.zip",
         "StockEtablissementHistorique.csv", "StockEtablissementHistorique.zip",
         "StockEtablissementHistorique.parquet", "StockEtablissementHistorique_utf8.parquet")
SIRET_PATTERN = r"^[0-9]{14}$"
STATES = ("A", "F")


def find_history(folder: Path) -> Path | None:
    """The StockEtablissementHistorique file of an evidence folder (or of a store's folder), if any."""
    folder = Path(folder)
    for name in NAMES:
        if (folder / name).is_file():
            return folder / name
    hits = sorted(p for p in folder.glob(f"{LAYOUT}*") if p.is_file() and p.suffix in (".csv", ".zip", ".parquet"))
    return hits[0] if hits else None


@dataclass
class HistorySource:
    """A lazily scanned Historique: ``table`` has siret, since, until (dates), state, and the dates'
    text (since_raw, until_raw). ``fresh(with_lines)`` gives the relation again (a streamed file is
    read once per relation), with each row's ``line`` in the file when asked."""

    path: Path
    table: ibis.Table
    fresh: Callable[..., ibis.Table]
    errors: list = field(default_factory=list)


_ids = itertools.count()


def periods(con, path) -> HistorySource:
    """Open a StockEtablissementHistorique file (CSV, zipped CSV or Parquet) on the connection's backend."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found", expected=f"a {LAYOUT} CSV, zip or Parquet file")
    header = sirene._check_header(path, HISTORY_FIELDS, LAYOUT)
    cols = list(HISTORY_FIELDS)
    errors: list = []
    if path.suffix == ".parquet":
        def fresh(with_lines: bool = False) -> ibis.Table:
            raw = con.read_parquet(path).select(*cols)
            return standardise(raw.mutate(line=ibis.row_number() + 1) if with_lines else raw)
    elif con.name == "duckdb" and csvscan.available():
        def fresh(with_lines: bool = False) -> ibis.Table:
            reader = csvscan.read_columns(path, header, cols, with_lines=with_lines, errors=errors)
            name = f"sirene_history_{next(_ids)}"
            con.con.register(name, reader)
            return standardise(con.table(name))
    elif path.suffix == ".zip":
        if con.name != "duckdb":
            raise InputError(path, f"the {con.name} engine does not read zipped CSV",
                             expected=f"the unzipped {LAYOUT} CSV")

        def fresh(with_lines: bool = False) -> ibis.Table:
            name = f"sirene_history_{next(_ids)}"
            try:
                con.con.register(name, sirene._zip_reader(path, errors, cols))
            except InputError:
                raise
            except Exception as exc:  # Arrow's error on the first block, re-said with the file
                raise (errors[0] if errors else sirene.engine_error(path, exc)) from None
            raw = con.table(name).select(*cols)
            return standardise(raw.mutate(line=ibis.row_number() + 2) if with_lines else raw)
    else:
        def fresh(with_lines: bool = False) -> ibis.Table:
            try:
                raw = sirene._read_csv(con, path, header).select(*cols)
            except Exception as exc:  # the engine's own error, re-said with the file and line
                raise sirene.engine_error(path, exc) from None
            # +1 for the header, +1 for 1-based lines
            return standardise(raw.mutate(line=ibis.row_number() + 2) if with_lines else raw)
    return HistorySource(path, fresh(), fresh, errors)


def standardise(raw: ibis.Table) -> ibis.Table:
    """INSEE names -> the standard period columns."""
    r = raw.rename({v: k for k, v in HISTORY_FIELDS.items()})
    since, until = r.since_raw.nullif(""), r.until_raw.nullif("")
    return r.select(
        siret=r.siret,
        since_raw=since,
        since=since.try_cast("date"),
        until_raw=until,
        until=until.try_cast("date"),
        state=r.state,
        **({"line": r.line} if "line" in r.columns else {}),
    )


def active_on(t: ibis.Table, day: dt.date) -> ibis.Table:
    """The sirets whose period covering ``day`` has the state A (one row per such period)."""
    covers = (t.since.isnull() | (t.since <= day)) & (t.until.isnull() | (t.until >= day))
    return t.filter(covers & (t.state == "A")).select("siret")


def _problems(t: ibis.Table) -> dict:
    """Each kind of malformed period as a boolean expression, with the column it names."""
    return {
        "siret": (t.siret.isnull() | ~t.siret.re_search(SIRET_PATTERN),
                  "a 14-digit SIRET"),
        "dateDebut": (t.since_raw.notnull() & t.since.isnull(), "an ISO date YYYY-MM-DD, or empty"),
        "dateFin": (t.until_raw.notnull() & (t.until.isnull() | (t.until < t.since).fill_null(False)),
                    "an ISO date YYYY-MM-DD not before dateDebut, or empty"),
        "etatAdministratifEtablissement": (t.state.isnull() | ~t.state.isin(STATES), "A or F"),
    }


def check(con, source: HistorySource, limit: int = 3) -> int:
    """Count the periods and the malformed ones in one pass; stop on any, naming the first ones.
    Returns the number of periods."""
    t = source.fresh()
    counts = t.aggregate(_rows=t.count(), **{f"bad_{i}": t.count(where=bad)
                                             for i, (bad, _) in enumerate(_problems(t).values())})
    try:
        res = con.execute(counts).iloc[0]
    except InputError:
        raise
    except Exception as exc:  # a parse error met while scanning: name the file and line
        raise (source.errors[0] if source.errors else sirene.engine_error(source.path, exc)) from None
    rows = int(res["_rows"])
    if rows == 0:
        raise InputError(source.path, "no period rows (the file holds only its header)",
                         expected=f"INSEE's {LAYOUT} file, one period of an establishment per line")
    total = sum(int(res[f"bad_{i}"]) for i in range(len(_problems(t))))
    if total:
        errors = first_bad_lines(con, source, limit)
        raise InputError(source.path, f"{total} malformed row(s); first: {errors[0]}" if errors
                         else f"{total} malformed row(s)", expected="SIRETs, ISO dates and states A/F")
    return rows


def first_bad_lines(con, source: HistorySource, limit: int = 3) -> list[InputError]:
    """Locate malformed periods (slow path, only when the counts say there are some)."""
    t = source.fresh(with_lines=True)
    problems = _problems(t)
    kind = ibis.cases(*[(bad, column) for column, (bad, _) in problems.items()], else_=None)
    rows = t.mutate(problem=kind).filter(lambda r: r.problem.notnull()).order_by("line").limit(limit)
    errors = []
    for row in con.execute(rows).itertuples():
        value = {"siret": row.siret, "dateDebut": row.since_raw, "dateFin": row.until_raw,
                 "etatAdministratifEtablissement": row.state}[row.problem]
        errors.append(InputError(source.path, f"bad value {value!r}", line=int(row.line), column=row.problem,
                                 expected=problems[row.problem][1]))
    return errors
