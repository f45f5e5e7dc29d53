"""INSEE SIRENE stock files (StockEtablissement, StockUniteLegale): CSV, zipped CSV or Parquet.

The register is never loaded into Python: the reader returns a lazy, typed relation of the few
columns the indicators need, scanned by the query engine (DuckDB by default) in one streaming pass.
Every INSEE code is read as text: Corsican communes (2A004) and leading zeros break numeric guessing.

An establishment's state is taken on a given day (the window's last day), not as it is today: from
its periods in StockEtablissementHistorique when the evidence has that file, otherwise from the
stock's ``dateDebut``, the day its current state began (see ``STOCK_APPROXIMATION``).
"""
from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

from frenchtech.errors import InputError
from frenchtech.sources import csvscan
from frenchtech.sources import store as sirene_store
from frenchtech.sources.csvutil import COMMUNE_PATTERN

# The columns of StockEtablissement the product reads, and the standard names it gives them.
ESTABLISHMENT_FIELDS = {
    "siren": "siren",
    "codeCommuneEtablissement": "commune",
    "activitePrincipaleEtablissement": "naf",
    "dateCreationEtablissement": "created_raw",
    "etatAdministratifEtablissement": "state",
    "etablissementSiege": "head_office_raw",
    "dateDebut": "since_raw",
}
STOCK_APPROXIMATION = (
    "state on the day derived from the stock: an establishment active today is taken as active on the "
    "day if it was created by then; a closed one (state F) as active on the day if its current period "
    "(dateDebut, the closure) starts after it: its closure is taken to be its only change since the day")
HISTORY_APPROXIMATION = "none: the state of the period of StockEtablissementHistorique covering the day"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
STORE_NAME = "StockEtablissement_store"  # the folder ``frenchtech ingest sirene`` writes by default
STOCK_NAMES = ("StockEtablissement_utf8.csv", "StockEtablissement_utf8.zip", "StockEtablissement.csv",
               "StockEtablissement.parquet", "StockEtablissement_utf8.parquet", "StockEtablissement.zip")


def find_stock(folder: Path) -> Path | None:
    """The StockEtablissement evidence of a folder, if any.

    An ingested store (``StockEtablissement_store/``) wins over the file it was made from; it is
    returned as its manifest file, which identifies it (source hash, rows) and is what the audit hashes.
    A store made from another version of the file lying beside it is stale and ignored.
    """
    folder = Path(folder)
    raw = None
    for name in STOCK_NAMES:
        if (folder / name).is_file():
            raw = folder / name
            break
    if raw is None:
        hits = sorted(p for p in folder.glob("StockEtablissement*") if p.is_file()
                  and not p.name.startswith(("StockEtablissementHistorique", "StockEtablissementLiens")))
        raw = hits[0] if hits else None
    store = folder / STORE_NAME
    if sirene_store.is_store(store):
        made_from = sirene_store.read_manifest(store).get("source", {}).get("stat", {})
        if raw is None or sirene_store.source_stat(raw) == made_from:
            return store / sirene_store.MANIFEST
    return raw


def store_folder(path) -> Path | None:
    """The store folder when ``path`` is a store or its manifest, else None."""
    path = Path(path)
    if path.name == sirene_store.MANIFEST:
        path = path.parent
    return path if sirene_store.is_store(path) else None


def _check_header(path: Path, fields=ESTABLISHMENT_FIELDS, layout: str = "StockEtablissement") -> list[str]:
    """Fail early, with the expected columns, when the header is not INSEE's."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # only for a Parquet stock: off `import frenchtech.audit.run` (benchmarked)

        names = pq.read_schema(path).names
    else:
        with csvscan.open_text(path) as f:
            head = f.read(SAMPLE_BYTES)
        _check_utf8(path, head)
        text = head.split(b"\n", 1)[0].decode("utf-8")
        names = [n.strip().strip('"') for n in text.rstrip("\r\n").split(",")]
    missing = [c for c in fields if c not in names]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1, column=missing[0],
                         expected=f"the INSEE {layout} header (comma-separated, with " + ", ".join(fields) + ")")
    return names


SAMPLE_BYTES = 4 << 20  # the engine skips unread columns, so the encoding is checked on a sample


def _check_utf8(path: Path, head: bytes) -> None:
    """INSEE also published Latin-1 files; accents show up within the first megabytes."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut by the end of the sample
            return
        line = head.count(b"\n", 0, exc.start) + 1
        raise InputError(path, f"the file is not UTF-8 text (byte 0x{head[exc.start]:02x})", line=line,
                         expected="INSEE's UTF-8 stock file (StockEtablissement_utf8)") from None


def _zip_reader(path: Path, errors: list, cols: list[str]):
    """Stream the CSV inside a zip through Arrow without unpacking it to disk."""
    return pacsv.open_csv(
        csvscan.open_text(path, errors),
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        convert_options=pacsv.ConvertOptions(include_columns=cols, column_types={c: pa.string() for c in cols},
                                             strings_can_be_null=True),
    )


@dataclass
class EstablishmentSource:
    """A lazily scanned StockEtablissement file: ``table`` has the standard columns
    commune, naf, created (date), active (bool), head_office (bool), siren, since (date: the start
    of the current period), and created_raw, since_raw (the dates' text) when read from text rather
    than from an ingested store. ``active`` is the state on the day ``at`` when one was given (see
    ``state_method``), today's otherwise.

    ``with_lines``, when set, gives the same relation again with each row's ``line`` in the file
    (for naming malformed rows; a streamed file cannot be read twice from one relation).
    ``errors`` receives the InputError a streamed reader raised, which the engine only re-words."""

    path: Path
    table: ibis.Table
    with_lines: Callable[[], ibis.Table] | None = None
    errors: list = field(default_factory=list)
    history: object | None = None  # the history.ActiveSet (or, on Spark, HistorySource) ``active`` came from

    def error(self, exc: Exception) -> InputError:
        """The problem behind an engine's error while scanning this source, naming the file and line."""
        if self.history is not None and self.history.errors:
            return self.history.errors[0]
        return self.errors[0] if self.errors else engine_error(self.path, exc)


def state_method(con, source: EstablishmentSource) -> dict:
    """How ``active`` was decided, for the audit's manifest. Periods read by the engine's own join
    (Spark) are checked here, in a pass of their own; DuckDB checked them as it read them. Malformed
    periods stop the audit, naming the first."""
    if source.history is None:
        return {"method": "stock-dateDebut", "approximation": STOCK_APPROXIMATION}
    from frenchtech.sources import history

    if isinstance(source.history, history.HistorySource):
        history.check(con, source.history)
    return {"method": "historique", "approximation": HISTORY_APPROXIMATION, "file": str(source.history.path)}


def establishments(con, path, departments=None, digest=None, at=None, history_path=None,
                   with_siren: bool = True, history_digest=None) -> EstablishmentSource:
    """Open a StockEtablissement file, or an ingested store, as a typed relation on the connection's backend.

    ``departments`` (store only) limits the scan to those department partitions. ``digest``
    (frenchtech.hashing.InPassDigest) is fed the file by the field extractor's scan, if it reads it.
    ``at`` (a date) makes ``active`` the state on that day: from the periods of the
    StockEtablissementHistorique file ``history_path`` when given, else from the stock's ``dateDebut``.
    ``with_siren=False`` leaves out ``siren`` where that saves reading it (no measure counts it).
    On DuckDB the Historique is read here, once (checked, reduced to the SIRETs active on the day, and
    fed to ``history_digest``, an InPassDigest of it); Spark joins its periods in the scan.
    """
    path = Path(path)
    hist = None
    if at is not None and history_path is not None:
        from frenchtech.sources import history

        hist = (history.active_set(con, history_path, at, digest=history_digest) if con.name == "duckdb"
                else history.periods(con, history_path))

    lookup = hist is not None and hasattr(hist, "contains")  # an ActiveSet: looked up in the scan

    def on_day(t: ibis.Table) -> ibis.Table:
        return _state_on(con, t, at, hist)

    store = store_folder(path)
    if store is not None:
        return EstablishmentSource(path, on_day(_read_store(con, store, departments)), history=hist)
    if not path.exists():
        raise InputError(path, "file not found", expected="a StockEtablissement CSV, zip or Parquet file")
    header = _check_header(path)
    # the siret joins the stock to its periods: read only when they are
    cols = [c for c in ESTABLISHMENT_FIELDS if with_siren or c != "siren"] + (["siret"] if hist is not None else [])
    if hist is not None and "siret" not in header:
        raise InputError(path, "missing column(s) siret", line=1, column="siret",
                         expected="the INSEE StockEtablissement header, with siret (to join its periods)")
    if path.suffix == ".parquet":
        raw = con.read_parquet(path)
    elif con.name == "duckdb" and csvscan.available():
        # INSEE's text files go through the parallel field extractor, which hands DuckDB the few
        # columns as Arrow batches: far faster than a general CSV reader on a national file.
        errors: list = []

        def scanned(with_lines: bool = False) -> ibis.Table:
            reader = csvscan.read_columns(path, header, cols, with_lines=with_lines, errors=errors,
                                          digest=None if with_lines else digest)
            if lookup and not with_lines:
                reader = _looked_up(reader, hist)
            name = f"sirene_scan_{next(_scan_ids)}"
            con.con.register(name, reader)
            t = standardise(con.table(name), empty_is_null=True)
            return t if with_lines else on_day(t)  # malformed rows are located without the periods

        return EstablishmentSource(path, scanned(), lambda: scanned(with_lines=True), errors, hist)
    elif path.suffix == ".zip":
        if con.name != "duckdb":
            raise InputError(path, f"the {con.name} engine does not read zipped CSV",
                             expected="the unzipped CSV, or a store made by `frenchtech ingest sirene`")
        name = f"sirene_zip_{next(_scan_ids)}"
        errors = []
        try:
            con.con.register(name, _zip_reader(path, errors, cols))
        except InputError:
            raise
        except Exception as exc:  # Arrow's error on the first block, re-said with the file and line
            raise (errors[0] if errors else engine_error(path, exc)) from None
        return EstablishmentSource(path, on_day(standardise(con.table(name).select(*cols))), errors=errors,
                                   history=hist)
    else:
        try:
            raw = _read_csv(con, path, header)
        except Exception as exc:  # the engine's own error, re-said with the file and line
            raise engine_error(path, exc) from None
    return EstablishmentSource(path, on_day(standardise(raw.select(*cols))), history=hist)


def _looked_up(reader: pa.RecordBatchReader, hist) -> pa.RecordBatchReader:
    """The stock's batches with ``on_day``: whether the Historique has the row's SIRET active on the
    day, looked up as the batches stream by (no join: memory stays the compact set of SIRETs)."""
    schema = reader.schema.append(pa.field("on_day", pa.bool_()))

    def batches():
        for b in reader:
            yield pa.RecordBatch.from_arrays([*b.columns, hist.contains(b.column("siret"))], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _state_on(con, t: ibis.Table, at, hist) -> ibis.Table:
    """``t`` with ``active`` the state on the day ``at`` (today's state when ``at`` is None)."""
    if at is None:
        return t
    exists = t.created.isnull() | (t.created <= at)  # either way, created by then (or long ago)
    if hist is not None:
        from frenchtech.sources import history

        if "on_day" in t.columns:  # looked up during the scan
            return t.mutate(active=exists & t.on_day)
        if isinstance(hist, history.ActiveSet):  # another reader: a semi-join on the 14-digit numbers
            name = f"sirene_active_{next(_scan_ids)}"
            con.con.register(name, pa.table({"siret": hist.numbers()}))
            return t.mutate(active=exists & t.siret.try_cast("int64").isin(con.table(name).siret).fill_null(False))
        return t.mutate(active=exists & t.siret.isin(history.active_on(hist.table, at).siret))
    # ``active`` holds today's state here: a closed establishment was still open on the day when its
    # closure (the start of its current period) came after it.
    return t.mutate(active=exists & (t.active | (t.since > at).fill_null(False)))


_scan_ids = itertools.count()


def _read_csv(con, path: Path, header: list[str]):
    if con.name == "duckdb":
        # INSEE's dialect is known: no sniffing, every column as text (codes keep zeros and letters).
        return con.read_csv(path, columns={c: "VARCHAR" for c in header}, auto_detect=False, header=True,
                            delim=",", quote='"', escape='"', strict_mode=True, null_padding=False)
    if con.name == "pyspark":
        # Spark reads every column as text unless asked to infer; INSEE doubles quotes inside fields.
        return con.read_csv(str(path), header=True, quote='"', escape='"', inferSchema=False)
    return con.read_csv(path, header=True)


def _read_store(con, store: Path, departments=None) -> ibis.Table:
    """The store's typed columns as the standard establishment relation (validated at ingest)."""
    cols = ["siren", "siret", "commune", "naf", "created", "since", "active", "head_office"]
    manifest = sirene_store.read_manifest(store)
    if manifest.get("format") != sirene_store.STORE_FORMAT:
        raise InputError(store / sirene_store.MANIFEST, f"a store of format {manifest.get('format')!r}",
                         expected=f"{sirene_store.STORE_FORMAT}: run `frenchtech ingest sirene` again")
    if departments is None:
        paths = [sirene_store.parquet_glob(store)]
    else:
        keep = {f"dep={d}" for d in departments}
        paths = [str(f) for f in sorted((store / sirene_store.DATA).glob("dep=*/*.parquet"))
                 if f.parent.name in keep]
    if con.name == "duckdb":
        raw = con.read_parquet(paths, hive_partitioning=False)
    else:  # one Hadoop glob: dep={35,29} picks those partitions
        deps = "*" if departments is None else "{" + ",".join(f"dep={d}" for d in departments) + "}"
        raw = con.read_parquet(str(store / sirene_store.DATA / deps / "*.parquet"))
    raw = raw.select(*cols)
    # No created_raw: the store holds typed values, checked when it was ingested.
    return raw


def engine_error(path: Path, exc: Exception) -> InputError:
    """A query engine's parse error as an InputError naming the file and line."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    m = re.search(r"[Ll]ine:? (\d+)", text)
    line = int(m.group(1)) if m else None
    said = text.replace(str(path), "").lower()  # the file's own name (..._utf8.csv) says nothing
    if ("expected number of columns" in said or "unterminated quote" in said) and _ends_inside_row(path, line):
        counts = re.search(r"expected number of columns: (\d+) found: (\d+)", said)
        what = (f"{counts.group(2)} fields where the header has {counts.group(1)}" if counts
                else "a quoted value is never closed")
        return InputError(path, f"the file ends inside a row (it is truncated): {what}", line=line,
                          expected="complete rows as in the header, each ending with a line end; "
                                   "download the file again")
    if "invalid unicode" in said or "utf-8" in said or "utf8" in said:
        return InputError(path, "the file is not valid UTF-8 text", line=line,
                          expected="INSEE's UTF-8 stock file (StockEtablissement_utf8)")
    if "columns" in text.lower() or "quote" in text.lower():
        return InputError(path, f"malformed CSV row ({first})", line=line,
                          expected=f"{len(ESTABLISHMENT_FIELDS)}+ comma-separated fields as in the header; "
                                   "the file may be truncated")
    return InputError(path, first, line=line)


def _ends_inside_row(path: Path, line: int | None) -> bool:
    """Whether the engine's malformed row starting at ``line`` is the last row of a file that ends
    without a line end: the file was cut inside that row (read only on this error path)."""
    if line is None or path.suffix != ".csv" or not path.is_file():
        return False
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return False
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return False
        f.seek(0)
        breaks = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(16 << 20), b""))
        later = breaks + 1 - line  # line ends from that row to the end of the file
        if later <= 0:
            return later == 0
        # the row spans its later lines only if a quoted value is still open at the end of the file
        f.seek(max(0, size - (16 << 20)))
        tail = f.read()
    cut = len(tail)
    for _ in range(later):
        cut = tail.rfind(b"\n", 0, cut)
        if cut < 0:
            return False
    return tail.count(b'"', cut) % 2 == 1


def standardise(raw: ibis.Table, empty_is_null: bool = False) -> ibis.Table:
    """INSEE names -> the product's standard establishment columns. ``empty_is_null``: the reader
    already gives an empty field as null (the field extractor), so no per-row test is spent on it."""
    r = raw.rename({v: k for k, v in ESTABLISHMENT_FIELDS.items() if k in raw.columns})

    def blank(column):
        return column if empty_is_null else column.nullif("")

    created = blank(r.created_raw)
    since = blank(r.since_raw)
    return r.select(
        **({"siren": r.siren} if "siren" in r.columns else {}),
        **({"siret": r.siret} if "siret" in r.columns else {}),
        commune=blank(r.commune),
        naf=blank(r.naf),
        created_raw=created,
        created=created.try_cast("date"),
        since_raw=since,
        since=since.try_cast("date"),
        active=r.state == "A",
        head_office=r.head_office_raw == "true",  # INSEE writes true/false in lower case
        **({"line": r.line} if "line" in r.columns else {}),
        **({"on_day": r.on_day} if "on_day" in r.columns else {}),
    )


def row_checks(t: ibis.Table) -> dict:
    """Per-group counts evaluated in the same scan as the measures: rows, and malformed dates.

    A relation without raw text (an ingested store) was validated at ingest: nothing to count again.
    """
    if "created_raw" not in t.columns:
        return {"_rows": t.count(), "_bad_date": t.count(where=ibis.literal(False))}
    # a date given but not parsed: counted without a per-row filter
    return {"_rows": t.count(), "_bad_date": t.created_raw.count() - t.created.count()
            + t.since_raw.count() - t.since.count()}


def register_checks(per_commune: ibis.Table) -> ibis.Table:
    """Rows, malformed commune codes and malformed dates of a register, from its commune totals
    (the code pattern is checked once per distinct code, not once per row)."""
    t = per_commune
    bad_code = t.commune.notnull() & ~t.commune.re_search(COMMUNE_PATTERN)
    return t.aggregate(_rows=t._rows.sum(), _bad_commune=t._rows.sum(where=bad_code),
                       _bad_date=t._bad_date.sum())


def first_bad_lines(con, source: EstablishmentSource, limit: int = 3) -> list[InputError]:
    """Locate malformed rows (slow path, only when the counts say there are some)."""
    def numbered() -> ibis.Table:  # one fresh relation per query: a streamed file is read once each
        if source.with_lines is not None:
            return source.with_lines()
        return source.table.mutate(line=ibis.row_number() + 2)  # +1 for the header, +1 for 1-based lines

    t = numbered()
    bad_c = t.filter(t.commune.notnull() & ~t.commune.re_search(COMMUNE_PATTERN)).order_by("line").limit(limit)
    t = numbered()
    bad_d = t.filter(t.created_raw.notnull() & t.created.isnull()).order_by("line").limit(limit)
    t = numbered()
    bad_s = t.filter(t.since_raw.notnull() & t.since.isnull()).order_by("line").limit(limit)
    errors = []
    for row in con.execute(bad_c).itertuples():
        errors.append(InputError(source.path, f"bad commune code {row.commune!r}", line=row.line,
                                 column="codeCommuneEtablissement",
                                 expected="a 5-character INSEE code: 5 digits, or 2A/2B and 3 digits"))
    for row in con.execute(bad_d).itertuples():
        errors.append(InputError(source.path, f"bad date {row.created_raw!r}", line=row.line,
                                 column="dateCreationEtablissement", expected="an ISO date YYYY-MM-DD"))
    for row in con.execute(bad_s).itertuples():
        errors.append(InputError(source.path, f"bad date {row.since_raw!r}", line=row.line,
                                 column="dateDebut", expected="an ISO date YYYY-MM-DD"))
    return errors
