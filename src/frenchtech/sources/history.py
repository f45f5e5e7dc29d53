"""INSEE's StockEtablissementHistorique: the periods of every establishment, to tell its state on a day.

INSEE publishes, beside the stock, one row per period of each establishment: ``dateDebut`` and
``dateFin`` bound the period (both days included; ``dateFin`` is empty for the current period and
``dateDebut`` may be empty for the oldest), and ``etatAdministratifEtablissement`` is the state
during it (``A`` active, ``F`` closed). An establishment is active on a day when a period covering
that day has the state ``A``. The file is read like the stock: streamed, a few columns, as text.

On DuckDB it is read once (``active_set``): each batch is checked as it streams by and reduced to
the SIRETs active on the day, kept as a sorted array of integers (a SIRET is 14 digits) that the
stock's scan looks its rows up in; the same pass feeds the file's digest. Memory is that array, not
the periods. Spark joins the periods to the stock (``periods``, ``active_on``) and checks them in a
grouped pass of its own (``check``).
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


# -- one streamed pass: checked, and reduced to the SIRETs active on the day (DuckDB) -----------------

EXPECTED = {
    "siret": "a 14-digit SIRET",
    "dateDebut": "an ISO date YYYY-MM-DD, or empty",
    "dateFin": "an ISO date YYYY-MM-DD not before dateDebut, or empty",
    "etatAdministratifEtablissement": "A or F",
}


SIRET_BITS = 47  # 10**14 < 2**47: a SIRET as a number


@dataclass
class ActiveSet:
    """The SIRETs of a StockEtablissementHistorique active on ``day``, and the number of periods read.

    The SIRETs, as numbers, are kept sorted and split in two: their high bits name a bucket, whose
    slice of ``low`` is given by ``starts``; ``low`` holds only the low ``shift`` bits (4 bytes a SIRET,
    not 8). ``errors`` is kept for the interface of a scanned source: the periods were checked as read.
    """

    path: Path
    day: dt.date
    low: np.ndarray  # uint32, the low bits of the sorted SIRETs
    starts: np.ndarray  # int64, where each bucket begins in ``low`` (one more entry: the end)
    shift: int
    rows: int
    errors: list = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.low)

    def numbers(self) -> np.ndarray:
        """The SIRETs as sorted numbers again (8 bytes each), for an engine's own semi-join."""
        buckets = np.repeat(np.arange(len(self.starts) - 1, dtype=np.int64), np.diff(self.starts))
        return (buckets << self.shift) | self.low

    def contains(self, sirets: pa.Array) -> pa.Array:
        """Whether each SIRET (text) is active on the day; a malformed or missing SIRET is not. A binary
        search within each key's bucket, all keys stepping together (independent memory reads: the
        stock's rows come in any order)."""
        keys = siret_numbers(sirets)
        found = np.zeros(len(keys), dtype=bool)
        if not self.size or not len(keys):
            return pa.array(found)
        valid = keys >= 0
        bucket = np.where(valid, keys >> self.shift, 0)
        want = (keys & ((1 << self.shift) - 1)).astype(np.uint32)
        lo, hi = self.starts[bucket], self.starts[bucket + 1]
        last = self.size - 1
        while True:
            open_ = lo < hi
            if not open_.any():
                break
            mid = (lo + hi) >> 1
            less = self.low[np.minimum(mid, last)] < want
            lo = np.where(open_ & less, mid + 1, lo)
            hi = np.where(open_ & ~less, mid, hi)
        found = valid & (lo < self.starts[bucket + 1]) & (self.low[np.minimum(lo, last)] == want)
        return pa.array(found)


def _compact(chunks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted low bits, bucket starts and the shift of the SIRET numbers in ``chunks`` (emptied on the
    way: memory holds the numbers once, then half of them)."""
    n = sum(len(c) for c in chunks)
    numbers = np.empty(n, dtype=np.int64)
    at = 0
    while chunks:  # each chunk freed once copied
        numbers[at:at + len(chunks[0])] = chunks[0]
        at += len(chunks.pop(0))
    if n > 1 and not (numbers[1:] >= numbers[:-1]).all():  # INSEE's file is in SIRET order
        numbers.sort()
    # about 4 SIRETs a bucket; at most 32 low bits (uint32), at least 25 (the bucket table stays small)
    shift = int(min(32, max(25, SIRET_BITS - max(0, int(np.log2(max(n, 1) / 4))))))
    starts = np.searchsorted(numbers, np.arange((1 << (SIRET_BITS - shift)) + 1, dtype=np.int64) << shift)
    starts = starts.astype(np.int32 if n < 1 << 30 else np.int64)
    low = numbers.view(np.uint32)[:n]  # filled with each number's low bits, front to back
    step = 1 << 20
    for i in range(0, n, step):  # in place, front to back (a block is read before it is overwritten)
        low[i:i + step] = (numbers[i:i + step] & ((1 << shift) - 1)).astype(np.uint32)
    del low
    numbers.resize(0 if n == 0 else (n + 1) // 2, refcheck=False)  # give back the upper half
    return numbers.view(np.uint32)[:n], starts, shift


def siret_numbers(sirets: pa.Array) -> np.ndarray:
    """14-digit SIRETs as integers; anything else (null, other text) as -1, which no SIRET is."""
    if isinstance(sirets, pa.ChunkedArray):
        sirets = sirets.combine_chunks()
    ok = pc.and_kleene(pc.equal(pc.utf8_length(sirets), 14), pc.ascii_is_decimal(sirets))
    if sirets.null_count == 0 and pc.all(ok).as_py():
        return pc.cast(sirets, pa.int64()).to_numpy()
    ok = ok.fill_null(False)
    numbers = np.full(len(sirets), -1, dtype=np.int64)
    numbers[ok.to_numpy(zero_copy_only=False)] = pc.cast(sirets.filter(ok), pa.int64()).to_numpy()
    return numbers


def active_set(con, path, day: dt.date, digest=None, limit: int = 3) -> ActiveSet:
    """Read a StockEtablissementHistorique once, streamed: check every period and keep the SIRETs whose
    period covering ``day`` has the state A. Malformed periods stop the read at the end of the file,
    naming the first ``limit`` (file, line, column) and how many there are. ``digest``
    (frenchtech.hashing.InPassDigest) is fed the file by the field extractor, when it reads it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found", expected=f"a {LAYOUT} CSV, zip or Parquet file")
    header = sirene._check_header(path, HISTORY_FIELDS, LAYOUT)
    day_number = (day - dt.date(1970, 1, 1)).days
    kept: list[np.ndarray] = []
    errors: list[InputError] = []
    rows = bad = 0
    try:
        for batch, first_line in _period_batches(con, path, header, digest):
            active, wrong = _reduce(path, batch, first_line, day_number, errors, limit)
            rows += batch.num_rows
            bad += wrong
            if len(active):
                kept.append(active)
    except InputError:
        raise
    except Exception as exc:  # the engine's or Arrow's parse error, re-said with the file and line
        raise sirene.engine_error(path, exc) from None
    if rows == 0:
        raise InputError(path, "no period rows (the file holds only its header)",
                         expected=f"INSEE's {LAYOUT} file, one period of an establishment per line")
    if bad:
        raise InputError(path, f"{bad} malformed row(s); first: {errors[0]}",
                         expected="SIRETs, ISO dates and states A/F")
    low, starts, shift = _compact(kept)
    pa.default_memory_pool().release_unused()  # the stream's buffers, before the stock's scan needs its own
    return ActiveSet(path, day, low, starts, shift, rows)


def _period_batches(con, path: Path, header: list[str], digest=None):
    """The four columns as Arrow batches (text), each with the file line of its first row (for
    Parquet, its row number), in file order."""
    cols = list(HISTORY_FIELDS)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        line = 1
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1 << 18, columns=cols):
            yield _as_text(batch, cols), line
            line += batch.num_rows
    elif csvscan.available():
        for batch in csvscan.read_columns(path, header, cols, with_lines=True, digest=digest):
            yield batch, None
    else:
        if path.suffix == ".zip":
            reader = sirene._zip_reader(path, [], cols)
        else:
            query = con.compile(sirene._read_csv(con, path, header).select(*cols))
            reader = con.con.sql(query).to_arrow_reader(1 << 18)
        line = 2  # the header is line 1; a value holding a line end is not expected in these columns
        for batch in reader:
            yield _as_text(batch, cols), line
            line += batch.num_rows


def _as_text(batch: pa.RecordBatch, cols: list[str]) -> pa.RecordBatch:
    """A batch of another reader as the extractor gives it: text columns, an empty value null."""
    arrays = []
    for name in cols:
        a = batch.column(name)
        if not pa.types.is_string(a.type):
            a = pc.cast(a, pa.string())
        arrays.append(pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a) if name != "siret" else a)
    return pa.RecordBatch.from_arrays(arrays, names=cols)


def _dates(raw: pa.Array) -> tuple[pa.Array, pa.Array]:
    """ISO dates (YYYY-MM-DD, a real day) as date32, and where a value is given but is not one."""
    try:
        return pc.cast(raw, pa.date32()), pa.array(np.zeros(len(raw), dtype=bool))
    except pa.ArrowInvalid:  # some value is not a date: tell which, one by one (rare path)
        days, bad = [], []
        for value in raw.to_pylist():
            try:
                days.append(None if value is None else dt.date.fromisoformat(value) if ISO_DATE.fullmatch(value)
                            else _not_a_date())
                bad.append(False)
            except ValueError:
                days.append(None)
                bad.append(True)
        return pa.array(days, pa.date32()), pa.array(bad)


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _not_a_date():
    raise ValueError("not YYYY-MM-DD")


def _reduce(path: Path, batch: pa.RecordBatch, first_line, day: int, errors: list, limit: int
            ) -> tuple[np.ndarray, int]:
    """The SIRETs of ``batch`` active on ``day`` (days since 1970), and how many of its periods are
    malformed; the first of those (up to ``limit`` in all) are added to ``errors``."""
    siret, state = batch.column("siret"), batch.column("etatAdministratifEtablissement")
    since_raw, until_raw = batch.column("dateDebut"), batch.column("dateFin")
    since, bad_since = _dates(since_raw)
    until, bad_until = _dates(until_raw)
    is_a = pc.equal(state, "A")
    problems = {  # in this order, the first problem of a row is the one named
        "siret": pc.invert(pc.and_(pc.equal(pc.utf8_length(siret), 14), pc.ascii_is_decimal(siret))).fill_null(True),
        "dateDebut": bad_since,
        "dateFin": pc.or_(bad_until, pc.less(until, since).fill_null(False)),
        "etatAdministratifEtablissement": pc.invert(pc.or_(is_a, pc.equal(state, "F"))).fill_null(True),
    }
    wrong = problems["siret"]
    for column in list(problems)[1:]:
        wrong = pc.or_(wrong, problems[column])
    bad = pc.sum(wrong).as_py() or 0
    if bad and len(errors) < limit:
        raw = {"siret": siret, "dateDebut": since_raw, "dateFin": until_raw, "etatAdministratifEtablissement": state}
        lines = batch.column("line") if first_line is None else None
        for i in np.flatnonzero(wrong.to_numpy(zero_copy_only=False))[:limit - len(errors)]:
            column = next(c for c, p in problems.items() if p[i].as_py())
            line = lines[i].as_py() if lines is not None else first_line + int(i)
            errors.append(InputError(path, f"bad value {raw[column][i].as_py()!r}", line=line, column=column,
                                     expected=EXPECTED[column]))
    day_scalar = pa.scalar(day, pa.date32())
    covers = pc.and_kleene(pc.or_kleene(pc.is_null(since), pc.less_equal(since, day_scalar)),
                           pc.or_kleene(pc.is_null(until), pc.greater_equal(until, day_scalar)))
    keep = pc.and_(pc.and_(covers, is_a.fill_null(False)), pc.invert(wrong))
    return siret_numbers(siret.filter(keep)), bad
