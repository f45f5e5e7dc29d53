"""The SIRENE evidence store: a StockEtablissement CSV (zipped or not) as partitioned Parquet.

``ingest_sirene(source, store)`` streams the CSV once and writes only the columns the indicators
read, typed (codes as text, the creation date and the current period's start as dates, state and
head office as booleans, and ``scan_key``: what the audit's scan counts, packed in one integer), into
zstd-compressed Parquet files partitioned by department (``data/dep=35/...``): a territory is a set
of communes, so a campaign touches a known set of departments and a reader can skip the others.

Memory stays bounded: the source is cut into blocks at line ends, each block parsed by Arrow (only
the needed columns) and written by DuckDB, so at most a few blocks are in memory at once.
The work is split into parts of about ``part_bytes`` of CSV; each finished part is recorded in a
checkpoint inside a hidden work folder next to the store, so an interrupted ingest resumes where it
stopped. The store is replaced only at the end, by renaming: an interrupted ingest leaves the
previous store untouched. Rows with a bad commune code, a bad date or a wrong number of fields are
set aside (``rejected/``) and counted by reason in the summary and the store manifest.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from frenchtech.errors import InputError
from frenchtech.hashing import file_sha256
from frenchtech.sources.csvscan import BROKEN_ZIP, csv_member, damaged, open_zip
from frenchtech.sources.csvutil import COMMUNE_PATTERN

# /2: siret and since (dateDebut), for the state on a day; /3: scan_key, what the audit's scan reads
STORE_FORMAT = "frenchtech-sirene-store/3"
MANIFEST = "manifest.json"
DATA = "data"
REJECTED = "rejected"
BLOCK_BYTES = 64 << 20           # one Arrow parse (about 450,000 rows of StockEtablissement)
PART_BYTES = 1 << 30             # one checkpointed unit of work
FIELDS = {                       # INSEE column -> store column
    "siren": "siren",
    "siret": "siret",
    "codeCommuneEtablissement": "commune",
    "activitePrincipaleEtablissement": "naf",
    "dateCreationEtablissement": "created",
    "etatAdministratifEtablissement": "state",
    "etablissementSiege": "head_office",
    "dateDebut": "since",
}
ABROAD = "99"                    # INSEE's code for "abroad" (pays 99xxx): establishments without a commune
# scan_key packs, in one integer column, what the audit's counts read of a row besides its NAF code
# (one column to decode instead of five, no text compared or hashed per row):
#   bits 40+  the commune's number: its code read as a number, Corsica's 2A/2B as 100/101
#             (2A004 -> 100004), NO_COMMUNE for an establishment abroad
#   bit 39    head office;  bit 38  active today
#   bits 19-37, 0-18  the creation date and, for an establishment not active today, the day its
#             current state began (dateDebut): 0 when unknown, else 1 + days since DAY_ZERO, held
#             within [1, DAY_MAX] (an earlier or later day keeps its order against any window inside)
NO_COMMUNE = 102_000
DAY_ZERO = dt.date(1600, 1, 1)
DAY_MAX = (1 << 19) - 1


def _day_code(sql_date: str) -> str:
    return (f"coalesce(1 + least(greatest(datediff('day', DATE '{DAY_ZERO}', {sql_date}), 0), {DAY_MAX - 1}), 0)"
            "::BIGINT")

# Typed store columns from the raw text; invalid rows go to a ``_reject_<reason>`` partition.
TRANSFORM = f"""
SELECT siren,
       siret,
       commune,
       nullif(naf, '') AS naf,
       try_cast(created AS DATE) AS created,
       try_cast(since AS DATE) AS since,
       state = 'A' AS active,
       lower(head_office) = 'true' AS head_office,
       (coalesce(try_cast(CASE left(commune, 2) WHEN '2A' THEN '100' || substr(commune, 3)
                                               WHEN '2B' THEN '101' || substr(commune, 3)
                                               ELSE commune END AS INTEGER), {NO_COMMUNE})::BIGINT << 40)
        | (coalesce(lower(head_office) = 'true', false)::INTEGER::BIGINT << 39)
        | (coalesce(state = 'A', false)::INTEGER::BIGINT << 38)
        | ({_day_code("try_cast(created AS DATE)")} << 19)
        | {_day_code("CASE WHEN state = 'A' THEN NULL ELSE try_cast(since AS DATE) END")} AS scan_key,
       CASE
         WHEN commune IS NOT NULL AND NOT regexp_full_match(commune, '{COMMUNE_PATTERN[1:-1]}')
           THEN '_reject_commune'
         WHEN created IS NOT NULL AND try_cast(created AS DATE) IS NULL THEN '_reject_date'
         WHEN since IS NOT NULL AND try_cast(since AS DATE) IS NULL THEN '_reject_since'
         WHEN commune IS NULL THEN '{ABROAD}'
         WHEN commune LIKE '97%' OR commune LIKE '98%' THEN left(commune, 3)
         ELSE left(commune, 2)
       END AS dep
FROM (SELECT siren, siret, nullif(commune, '') AS commune, naf, nullif(created, '') AS created,
             nullif(since, '') AS since, state, head_office
      FROM batches)
"""
REASONS = {"_reject_commune": "bad commune code", "_reject_date": "bad creation date",
           "_reject_since": "bad dateDebut",
           "_reject_fields": "wrong number of fields"}


@dataclass
class IngestSummary:
    store: Path
    rows: int = 0
    rejected: dict = field(default_factory=dict)   # reason -> count
    seconds: float = 0.0
    resumed_parts: int = 0
    up_to_date: bool = False

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


def is_store(path) -> bool:
    return (Path(path) / MANIFEST).is_file() and (Path(path) / DATA).is_dir()


def read_manifest(store) -> dict:
    return json.loads((Path(store) / MANIFEST).read_text(encoding="utf-8"))


def parquet_glob(store) -> str:
    return str(Path(store) / DATA / "*" / "*.parquet")


def department(commune: str | None) -> str:
    """The store partition of a commune code (the same rule as the ingest's)."""
    if not commune:
        return ABROAD
    return commune[:3] if commune[:2] in ("97", "98") else commune[:2]


# -- the source: a byte stream of CSV lines, plain or zipped -------------------------------------------

def source_stat(path: Path) -> dict:
    st = path.stat()
    return {"name": path.name, "size": st.st_size, "mtime": int(st.st_mtime)}


def _open_source(path: Path):
    """(binary stream, uncompressed size) of the CSV, inside a zip or not."""
    if path.suffix.lower() == ".zip":
        zf = open_zip(path)
        try:
            member = csv_member(zf, path)
            return _Member(path, zf.open(member)), member.file_size
        except BROKEN_ZIP as exc:
            raise damaged(path, exc) from None
    return open(path, "rb"), path.stat().st_size


class _Member:
    """A zip member whose read errors (a damaged archive) are InputErrors naming the file."""

    def __init__(self, path: Path, stream):
        self.path, self.stream = path, stream

    def _call(self, name, *args):
        try:
            return getattr(self.stream, name)(*args)
        except BROKEN_ZIP as exc:
            raise damaged(self.path, exc) from None

    def read(self, n=-1):
        return self._call("read", n)

    def readline(self, n=-1):
        return self._call("readline", n)

    def seek(self, *args):
        return self._call("seek", *args)

    def close(self):
        self.stream.close()


def _header(path: Path, stream) -> bytes:
    header = stream.readline()
    try:
        names = [n.strip().strip('"') for n in header.decode("utf-8").rstrip("\r\n").split(",")]
    except UnicodeDecodeError:
        raise InputError(path, "the header is not UTF-8 text", line=1,
                         expected="INSEE's UTF-8 stock file (StockEtablissement_utf8)") from None
    missing = [c for c in FIELDS if c not in names]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1, column=missing[0],
                         expected="the INSEE StockEtablissement header (with " + ", ".join(FIELDS) + ")")
    return header


def _blocks(stream, start: int, end: int | None, block_bytes: int):
    """Blocks of whole lines from byte ``start`` (a line start) to ``end`` (or the end of the stream)."""
    stream.seek(start)
    pos = start
    while end is None or pos < end:
        want = block_bytes if end is None else min(block_bytes, end - pos)
        block = stream.read(want)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += stream.readline()
        pos += len(block)
        yield pos, block


class _Batches:
    """Arrow record batches of the needed columns from CSV blocks, counting malformed lines."""

    def __init__(self, header: bytes, blocks, on_block=None):
        self.header, self.blocks, self.on_block = header, blocks, on_block
        self.bad_fields = 0
        self.end = None
        self.errors: list[BaseException] = []  # raised while reading, re-raised as themselves
        names = list(FIELDS)
        self.schema = pa.schema([(FIELDS[c], pa.string()) for c in names])
        self.convert = pacsv.ConvertOptions(include_columns=names, column_types={c: pa.string() for c in names},
                                            strings_can_be_null=True, quoted_strings_can_be_null=False)
        self.parse = pacsv.ParseOptions(invalid_row_handler=self._bad_row)
        self.read = pacsv.ReadOptions(block_size=16 << 20)

    def _bad_row(self, row) -> str:
        self.bad_fields += 1
        return "skip"

    def __iter__(self):
        for end, block in self.blocks:
            table = pacsv.read_csv(io.BytesIO(self.header + block), read_options=self.read,
                                   parse_options=self.parse, convert_options=self.convert)
            table = table.rename_columns([FIELDS[c] for c in table.column_names]).select(
                [FIELDS[c] for c in FIELDS])
            del block
            yield from table.to_batches()
            self.end = end
            if self.on_block is not None:
                self.on_block(end)

    def reader(self):
        return pa.RecordBatchReader.from_batches(self.schema, _prefetch(iter(self), self.errors))


def _prefetch(items, errors: list, depth: int = 2):
    """Run ``items`` in a thread, ``depth`` ahead: Arrow parses the next block while DuckDB writes."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce():
        try:
            for item in items:
                q.put(item)
            q.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            errors.append(exc)
            q.put(exc)

    threading.Thread(target=produce, daemon=True).start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


# -- ingest ------------------------------------------------------------------------------------------

def _work_dir(store: Path) -> Path:
    return store.parent / f".{store.name}.ingest"


def _connect(memory_limit: str, threads: int | None):
    import duckdb  # 35 ms: only an ingest needs it, not every `import frenchtech.audit.run` (benchmarked)

    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _write_part(con, batches: _Batches, work: Path, k: int) -> int:
    """Write one part's rows into ``work/data/dep=*/p{k}_*.parquet``; returns the rows written."""
    for stale in (work / DATA).glob(f"*/p{k:05d}_*.parquet"):
        stale.unlink()  # a part interrupted earlier is written again from its first byte
    reader = batches.reader()
    con.register("batches", reader)
    try:
        rows = con.execute(f"""
            COPY ({TRANSFORM}) TO '{work / DATA}'
            (FORMAT parquet, PARTITION_BY (dep), COMPRESSION zstd, FILENAME_PATTERN 'p{k:05d}_{{i}}',
             OVERWRITE_OR_IGNORE true, ROW_GROUP_SIZE 122880)
        """).fetchone()[0]
    except Exception:
        if batches.errors:  # the engine wraps what went wrong in the reader: say it plainly
            raise batches.errors[0] from None
        raise
    finally:
        con.unregister("batches")
    return int(rows)


def _collect_rejects(con, work: Path) -> dict:
    """Move the reject partitions out of the data folder; count them by reason."""
    counts = {}
    (work / REJECTED).mkdir(exist_ok=True)
    for folder in sorted((work / DATA).glob("dep=_reject_*")):
        reason = folder.name.split("=", 1)[1]
        target = work / REJECTED / reason
        shutil.rmtree(target, ignore_errors=True)
        os.replace(folder, target)
    for folder in sorted((work / REJECTED).iterdir()):
        if folder.is_dir():
            n = con.execute(f"SELECT count(*) FROM read_parquet('{folder}/*.parquet')").fetchone()[0]
            counts[REASONS.get(folder.name, folder.name)] = int(n)
    return counts


def _checkpoint(work: Path) -> dict:
    path = work / "checkpoint.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save_checkpoint(work: Path, state: dict) -> None:
    tmp = work / "checkpoint.json.tmp"
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, work / "checkpoint.json")


def _joined(thread, result: list) -> str:
    thread.join()
    if not result:
        raise RuntimeError("hashing the source failed")
    return result[0]


def ingest_sirene(source, store, *, progress=None, part_bytes: int = PART_BYTES,
                  block_bytes: int = BLOCK_BYTES, memory_limit: str = "1GB", threads: int | None = None,
                  force: bool = False) -> IngestSummary:
    """Convert a StockEtablissement CSV (or zip) into the partitioned Parquet store ``store``.

    ``progress(total_bytes, done_bytes)`` is called as the source is read. Re-running after an
    interruption resumes from the last finished part; re-running on an unchanged source whose store
    is complete does nothing (unless ``force``).
    """
    source, store = Path(source), Path(store)
    if not source.is_file():
        raise InputError(source, "file not found", expected="a StockEtablissement CSV or zipped CSV")
    t0 = time.perf_counter()
    stat = source_stat(source)
    summary = IngestSummary(store)
    if not force and is_store(store) and read_manifest(store).get("source", {}).get("stat") == stat:
        m = read_manifest(store)
        summary.rows, summary.rejected, summary.up_to_date = m["rows"], m["rejected"], True
        summary.seconds = time.perf_counter() - t0
        return summary
    work = _work_dir(store)
    stream, total = _open_source(source)  # a damaged archive or a wrong header: said before any work
    try:
        header = _header(source, stream)
    except BaseException:
        stream.close()
        raise
    # The source hash runs beside the conversion (hashlib releases the GIL); a daemon thread, so
    # that an interrupted ingest exits at once.
    digest: list[str] = []
    hasher = threading.Thread(target=lambda: digest.append(file_sha256(source)), daemon=True)
    hasher.start()
    state = _checkpoint(work)
    if state.get("source") != stat or force:
        shutil.rmtree(work, ignore_errors=True)
        state = {"source": stat, "parts": []}
    work.mkdir(parents=True, exist_ok=True)
    (work / DATA).mkdir(exist_ok=True)
    summary.resumed_parts = len(state["parts"])
    con = _connect(memory_limit, threads)
    try:
        start = state["parts"][-1]["end"] if state["parts"] else len(header)
        if progress:
            progress(total, start)
        while True:
            k = len(state["parts"])
            batches = _Batches(header, _blocks(stream, start, start + part_bytes, block_bytes),
                               on_block=(lambda pos: progress(total, pos)) if progress else None)
            rows = _write_part(con, batches, work, k)
            if batches.end is None:  # nothing left to read
                break
            state["parts"].append({"start": start, "end": batches.end, "rows": rows,
                                   "bad_fields": batches.bad_fields})
            _save_checkpoint(work, state)
            start = batches.end
        rejected = _collect_rejects(con, work)
    except InputError:  # the file itself is bad: resuming would meet it again; leave nothing behind
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        stream.close()
        con.close()
    bad_fields = sum(p["bad_fields"] for p in state["parts"])
    if bad_fields:
        rejected[REASONS["_reject_fields"]] = bad_fields
    total_rows = sum(p["rows"] for p in state["parts"])
    if total_rows + bad_fields == 0:
        shutil.rmtree(work, ignore_errors=True)
        raise InputError(source, "no establishment rows (the register holds only its header)",
                         expected="INSEE's StockEtablissement file with its establishments, one per line")
    kept = total_rows - sum(v for k, v in rejected.items() if k != REASONS["_reject_fields"])
    departments = sorted(p.name.split("=", 1)[1] for p in (work / DATA).glob("dep=*"))
    manifest = {
        "format": STORE_FORMAT,
        "source": {"path": str(source.resolve()), "sha256": _joined(hasher, digest), "stat": stat},
        "rows": kept,
        "rejected": rejected,
        "columns": {"siren": "text", "siret": "text", "commune": "text", "naf": "text", "created": "date",
                    "since": "date", "active": "boolean", "head_office": "boolean",
                    "scan_key": "integer (commune, head office, active, creation and closure days)"},
        "partitioned_by": "dep",
        "departments": departments,
        "compression": "zstd",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (work / "checkpoint.json").unlink()
    _swap(work, store)
    summary.rows, summary.rejected = kept, rejected
    summary.seconds = time.perf_counter() - t0
    return summary


def _swap(work: Path, store: Path) -> None:
    """Put the finished store in place by renames: readers see the old store or the new one."""
    if store.exists():
        old = store.parent / f".{store.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(store, old)
        os.replace(work, store)
        shutil.rmtree(old, ignore_errors=True)
    else:
        store.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work, store)


# -- the audit's scan --------------------------------------------------------------------------------

def _day(day: dt.date) -> int:
    return 1 + (day - DAY_ZERO).days


def scannable(measures, window) -> bool:
    """Whether ``commune_totals`` computes these measures (counts under the establishments' filters)
    exactly: the window's days must lie strictly inside the days ``scan_key`` tells apart."""
    def known(k, v):
        if k == "created":
            return v in ("window", "by_end")
        return v is True if k in ("active", "head_office") else k == "naf_tags"

    inside = 1 < _day(window.start) <= _day(window.end) < DAY_MAX
    return inside and all(m.aggregate == "count" and all(known(k, v) for k, v in m.where.items())
                          for m in measures)


def check_format(store) -> None:
    """Refuse a store written in another layout (``frenchtech ingest sirene`` writes this one)."""
    manifest = read_manifest(store)
    if manifest.get("format") != STORE_FORMAT:
        raise InputError(Path(store) / MANIFEST, f"a store of format {manifest.get('format')!r}",
                         expected=f"{STORE_FORMAT}: run `frenchtech ingest sirene` again")


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def commune_totals(con, store, measures, window):
    """Every measure per commune in one pass over the store, as the engine's ``commune_totals``
    computes it on the relation of ``sirene.establishments(..., at=window.end)`` (the state on the
    window's last day from ``dateDebut``), with the same columns (``_rows``, ``_bad_date``).

    ``con`` is an Ibis DuckDB connection. The query reads two columns, ``scan_key`` and ``naf``, and
    groups by the commune's number: every filter but the NAF list is integer arithmetic on the key,
    where the engine's query reads six columns, compares dates and hashes the commune's text."""
    import numpy as np
    import pandas as pd

    start, end = _day(window.start), _day(window.end)
    created = f"((scan_key >> 19) & {DAY_MAX})"
    tests = {
        ("created", "window"): f"{created} BETWEEN {start} AND {end}",
        # an empty creation date (0) is "long ago": the establishment exists by the end
        ("created", "by_end"): f"{created} <= {end}",
        # active on the window's last day: created by then, and open today or closed after it
        ("active", True): f"{created} <= {end} AND ((scan_key >> 38) & 1 = 1 OR (scan_key & {DAY_MAX}) > {end})",
        ("head_office", True): "(scan_key >> 39) & 1 = 1",
    }
    # Each distinct filter is computed once per row, in the inner query; the counts combine them.
    filters: dict[str, str] = {}
    aggregates = []
    for m in measures:
        names = []
        for k, v in m.where.items():
            if k == "naf_tags":
                if v == "campaign":
                    codes = window.tech_naf
                else:
                    from frenchtech.indicators.catalogue import load_catalogue

                    codes = load_catalogue().naf_codes(v)
                test = f"naf IN ({', '.join(_sql_text(c) for c in sorted(codes))})" if codes else "false"
            else:
                test = tests[k, v]
            names.append(filters.setdefault(test, f"f{len(filters)}"))
        aggregates.append(f'count(*) FILTER (WHERE {" AND ".join(names) or "true"}) AS "{m.id}"')
    inner = "".join(f", coalesce({test}, false) AS {name}" for test, name in filters.items())
    check_format(store)
    files = _sql_text(str(Path(store) / DATA / "*" / "*.parquet"))
    columns = con.con.sql(f"""
        SELECT CASE WHEN number >= {NO_COMMUNE} THEN NULL
                    WHEN number >= 100000 THEN (CASE WHEN number >= 101000 THEN '2B' ELSE '2A' END)
                                               || lpad(CAST(number % 1000 AS VARCHAR), 3, '0')
                    ELSE lpad(CAST(number AS VARCHAR), 5, '0') END AS commune, * EXCLUDE (number)
        FROM (SELECT number, {", ".join(aggregates)}, count(*) AS _rows
              FROM (SELECT scan_key >> 40 AS number{inner} FROM read_parquet({files}, hive_partitioning = false))
              GROUP BY number)""").to_arrow_table()
    out = pd.DataFrame({"commune": pd.Series(columns.column("commune").to_pylist(), dtype=object)})
    for name in columns.column_names[1:]:
        out[name] = columns.column(name).to_numpy().astype(np.int64)
    out["_bad_date"] = np.zeros(len(out), np.int64)
    return out
