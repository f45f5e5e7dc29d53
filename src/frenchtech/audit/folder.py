"""The one reader of an audit folder (as written by ``frenchtech audit``): typed tables, the manifest,
the flags with the evidence rows behind them, the rank intervals, the index engine's tables (Sobol
indices among them) and the structures and initiatives the pages list.

``read(folder)`` returns an :class:`AuditFolder`. Every table is a pandas frame with known dtypes:
identifiers and codes are text (``str``; a Corsican commune such as ``2A004`` or a zero-padded
``01033`` stays as written), figures are numbers. Columns are named as the audit writes them:

==============  ===================================================================================
table           columns
==============  ===================================================================================
measures        territory, one column per measure (raw figures)
indicators      territory, population, one column per indicator
normalised      territory, one column per indicator (0-100)
scores          territory, name, one column per pillar, score, rank; with an uncertainty analysis
                rank_median, rank_p05, rank_p95 (5-95 % interval) and p_labelled
decisions       territory, name, kind, theme, decision, reason, score, relative, group, eligible,
                rule_decision, override, override_rationale, previous_decision, previous_relative,
                change, early_warning, label, valid_from, review_until, valid_until, reapply_from,
                decided_on, campaign, id, flags, historical (dates as ISO text)
national        epci, name, population, one column per indicator (every EPCI of the geography)
flags           territory, figure, measure, declared, observed, gap, tolerance, evidence, rows
==============  ===================================================================================

``scores``, ``decisions`` and ``indicators`` are required (with ``manifest.json``): a missing one is an
``InputError`` naming the file. The others are empty frames when the audit has none (``flags`` keeps
its columns). The index engine's tables (``index/``) are read by name with :meth:`AuditFolder.index_table`;
its Sobol indices (``index/sobol.csv``: Variable, S1, S1_conf, ST, ST_conf) are :attr:`AuditFolder.sobol`,
None when the audit ran no sensitivity analysis.

This module reads files only: no Django, no web layer, no command line.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from frenchtech.errors import InputError

MANIFEST = "manifest.json"
REQUIRED = ("scores", "decisions", "indicators")
TABLES = ("measures", "indicators", "normalised", "scores", "decisions", "national", "flags")
PUBLISHED_EVIDENCE = "published-evidence"   # a published audit carries the evidence its pages list here

# Columns read as text in every table: identifiers and codes.
CODES = ("territory", "epci", "commune", "commune_code", "siren", "siret", "uCode", "iCode", "code")
# Text columns of each table beyond the codes; every other column of these tables is a number.
TEXT = {
    "measures": (), "indicators": (), "normalised": (), "scores": ("name",), "national": ("name",),
}
# Tables whose other columns are text unless listed here as numbers or booleans.
NUMBERS = {
    "decisions": ("score", "relative", "previous_relative", "change"),
    "flags": ("declared", "observed", "gap", "tolerance"),
}
BOOLEANS = {"decisions": ("eligible", "override")}
INTEGERS = {"scores": ("rank",)}

FLAG_COLUMNS = ("territory", "figure", "measure", "declared", "observed", "gap", "tolerance", "evidence", "rows",
                "code", "params", "rows_code", "rows_params")
INTERVAL_COLUMNS = ("rank_median", "rank_p05", "rank_p95", "p_labelled")
SOBOL_COLUMNS = ("Variable", "S1", "S1_conf", "ST", "ST_conf")
DIRECTORIES = ("structures", "initiatives")


def _text_dtypes(columns, text=()) -> dict:
    return {c: str for c in columns if c in CODES or c in text}


def _header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig").lstrip("\ufeff").split("\n", 1)[0])), [])


def _as_bool(series: pd.Series) -> pd.Series:
    """True/False cells as bool; a column with empty cells keeps them as None (object), never pandas'
    NA, whose truth value is an error in a template."""
    values = series.map(lambda v: None if pd.isna(v) else str(v).strip().lower() in ("true", "1", "yes"))
    return values.astype(bool) if values.notna().all() else values.astype(object).where(values.notna(), None)


class AuditFolder:
    """One audit folder, read. Tables are read on first use and kept; the folder is checked when read."""

    def __init__(self, path, manifest: dict, manifest_bytes: bytes):
        self.path = Path(path)
        self.manifest = manifest
        self.manifest_bytes = manifest_bytes
        self._raw: dict[str, bytes] = {}
        self._tables: dict[str, pd.DataFrame] = {}
        self._evidence: dict[str, pd.DataFrame] = {}
        self._index: dict[str, pd.DataFrame | None] = {}
        self._rows: dict[str, dict[str, dict]] = {}   # table -> territory -> its row, for per-page lookups

    def __repr__(self) -> str:
        return f"AuditFolder({str(self.path)!r}, campaign={self.manifest.get('campaign')!r})"

    # -- files ---------------------------------------------------------------------------------
    def file(self, name: str) -> Path:
        return self.path / name

    def raw(self, name: str) -> bytes:
        """The bytes of an output file (``decisions.csv``, ``index/sobol.csv``...), read once."""
        if name not in self._raw:
            path = self.file(name)
            if not path.is_file():
                raise InputError(path, "missing", expected=f"{name} written by frenchtech audit")
            self._raw[name] = path.read_bytes()
        return self._raw[name]

    @property
    def manifest_sha256(self) -> str:
        """SHA-256 of manifest.json as read."""
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    def recorded_sha256(self, name: str) -> str | None:
        """The SHA-256 the manifest records for an output (None when it lists none)."""
        return (self.manifest.get("outputs") or {}).get(name)

    def output_intact(self, name: str) -> bool:
        """Whether the output's bytes, as read, are those whose hash the manifest records."""
        return hashlib.sha256(self.raw(name)).hexdigest() == self.recorded_sha256(name)

    # -- the audit's tables --------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """One of ``TABLES``, typed (see the module's documentation); empty when optional and absent."""
        if name not in TABLES:
            raise KeyError(f"{name}: not an audit table ({', '.join(TABLES)})")
        if name not in self._tables:
            self._tables[name] = self._read_table(name)
        return self._tables[name]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (the optional ones absent from the folder are empty)."""
        return {name: self.table(name) for name in TABLES}

    def _read_table(self, name: str) -> pd.DataFrame:
        filename = f"{name}.csv"
        if not self.file(filename).is_file():
            if name in REQUIRED:
                raise InputError(self.file(filename), "missing table", expected=f"{filename} written by frenchtech audit")
            return pd.DataFrame(columns=list(FLAG_COLUMNS)) if name == "flags" else pd.DataFrame()
        data = self.raw(filename)
        columns = _header(data)
        if name in NUMBERS:  # text unless a number or a boolean
            numbers, booleans = NUMBERS[name], BOOLEANS.get(name, ())
            dtypes = {c: str for c in columns if c not in numbers and c not in booleans}
        else:
            numbers, booleans = [c for c in columns if c not in CODES and c not in TEXT.get(name, ())], ()
            dtypes = _text_dtypes(columns, TEXT.get(name, ()))
        try:
            frame = pd.read_csv(io.BytesIO(data), dtype=dtypes)
        except (ValueError, pd.errors.ParserError) as exc:
            raise InputError(self.file(filename), f"unreadable table: {exc}") from None
        for col in numbers:
            if col in frame.columns:
                try:
                    frame[col] = pd.to_numeric(frame[col])
                    if name in NUMBERS:  # figures that may hold decimals: always floats
                        frame[col] = frame[col].astype("float64")
                except (ValueError, TypeError):
                    raise InputError(self.file(filename), "not a number", column=col) from None
        for col in booleans:
            if col in frame.columns:
                frame[col] = _as_bool(frame[col])
        for col in INTEGERS.get(name, ()):
            if col in frame.columns and frame[col].notna().all():
                frame[col] = frame[col].astype("int64")
        if name == "flags":
            frame = frame.reindex(columns=[*FLAG_COLUMNS, *[c for c in frame.columns if c not in FLAG_COLUMNS]])
        return frame

    @property
    def measures(self) -> pd.DataFrame:
        return self.table("measures")

    @property
    def indicators(self) -> pd.DataFrame:
        return self.table("indicators")

    @property
    def normalised(self) -> pd.DataFrame:
        return self.table("normalised")

    @property
    def scores(self) -> pd.DataFrame:
        return self.table("scores")

    @property
    def decisions(self) -> pd.DataFrame:
        return self.table("decisions")

    @property
    def national(self) -> pd.DataFrame:
        return self.table("national")

    @property
    def flags(self) -> pd.DataFrame:
        """The declared-vs-observed flags as the audit wrote them (``FLAG_COLUMNS``; empty when none)."""
        return self.table("flags")

    def decision_records(self) -> list[dict[str, str]]:
        """The rows of decisions.csv exactly as written (text; an empty cell is ""), from the same bytes
        :meth:`output_intact` checks."""
        if not self.file("decisions.csv").is_file():
            raise InputError(self.file("decisions.csv"), "missing table",
                             expected="decisions.csv written by frenchtech audit")
        text = self.raw("decisions.csv").decode("utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def row(self, name: str, territory: str) -> dict:
        """One territory's row of a table, missing values as None ({} when the territory has none)."""
        row = self._rows_by_territory(name).get(str(territory))
        return {} if row is None else dict(row)

    def _rows_by_territory(self, name: str) -> dict[str, dict]:
        # Pages look up one territory at a time (a deliberation list, every dossier): index each table
        # once per folder rather than filtering the frame on every call. The first row of a territory wins.
        if name not in self._rows:
            frame = self.table(name)
            index: dict[str, dict] = {}
            if not frame.empty and "territory" in frame.columns:
                for i in range(len(frame)):
                    r = frame.iloc[i]
                    if isinstance(r["territory"], str):
                        index.setdefault(r["territory"], {k: (None if _missing(v) else v) for k, v in r.items()})
            self._rows[name] = index
        return self._rows[name]

    # -- rank intervals ------------------------------------------------------------------------
    @property
    def has_intervals(self) -> bool:
        return {"rank_p05", "rank_p95"} <= set(self.scores.columns)

    @property
    def rank_intervals(self) -> pd.DataFrame | None:
        """territory, rank, rank_median, rank_p05, rank_p95, p_labelled (a column the audit did not
        write is missing); None when the audit ran no uncertainty analysis."""
        if not self.has_intervals:
            return None
        cols = ["territory", "rank", *[c for c in INTERVAL_COLUMNS if c in self.scores.columns]]
        return self.scores[cols].reset_index(drop=True)

    def rank_interval(self, territory: str) -> dict | None:
        """One territory's rank interval (keys as in :attr:`rank_intervals`), or None."""
        frame = self.rank_intervals
        if frame is None:
            return None
        rows = frame[frame["territory"] == str(territory)]
        if rows.empty or rows[["rank_p05", "rank_p95"]].iloc[0].isna().any():
            return None
        return {k: (None if _missing(v) else v) for k, v in rows.iloc[0].items()}

    # -- flags and their evidence --------------------------------------------------------------
    def flags_of(self, territory: str) -> pd.DataFrame:
        return self.flags[self.flags["territory"] == str(territory)].reset_index(drop=True)

    def evidence_rows(self, flag) -> pd.DataFrame:
        """The evidence rows behind a flag (a row of :attr:`flags`, or its ``evidence`` path such as
        ``evidence/brest-funding_eur.csv``): the lines counted, or the register's filter and count."""
        name = flag if isinstance(flag, str) else flag["evidence"]
        if name not in self._evidence:
            path = self.file(name)
            if _missing(name) or not path.is_file():
                raise InputError(path, "missing evidence of a flag", expected="the file flags.csv names")
            data = self.raw(name)
            self._evidence[name] = pd.read_csv(io.BytesIO(data), dtype=_text_dtypes(_header(data), ("file",)))
        return self._evidence[name]

    @property
    def evidence(self) -> dict[str, pd.DataFrame]:
        """The evidence rows behind every flag, by the ``evidence`` path flags.csv gives."""
        return {name: self.evidence_rows(name) for name in self.flags["evidence"].dropna().unique()}

    # -- the index engine's tables -------------------------------------------------------------
    def index_table(self, name: str) -> pd.DataFrame | None:
        """A table the index engine wrote under ``index/`` (``iData``, ``iMeta``, ``Treated``,
        ``Normalised``, ``Aggregated``, ``indicator_stats``, ``cronbach_alpha``, ``leave_one_out``,
        ``correlations_*``, ``rank_uncertainty``, ``uncertainty_inputs``, ``sobol``), None when absent."""
        if name not in self._index:
            path = self.file(f"index/{name}.csv")
            if not path.is_file():
                self._index[name] = None
            else:
                data = self.raw(f"index/{name}.csv")
                self._index[name] = pd.read_csv(io.BytesIO(data), dtype=_text_dtypes(_header(data), ("Variable",)))
        return self._index[name]

    @property
    def sobol(self) -> pd.DataFrame | None:
        """The audit's Sobol indices (``SOBOL_COLUMNS``: first-order and total index of each uncertain
        input, with their bootstrap confidence), None when the audit ran no sensitivity analysis."""
        return self.index_table("sobol")

    # -- the evidence the pages list -----------------------------------------------------------
    @cached_property
    def evidence_dir(self) -> Path:
        """Where the structures and initiatives are read: ``published-evidence/`` inside the folder when
        present (a published audit), else the manifest's ``evidence_dir`` (relative to the folder), else
        ``evidence/`` beside the folder."""
        folder = self.path
        evidence = Path(self.manifest.get("evidence_dir") or folder.parent / "evidence")
        if not evidence.is_absolute():
            evidence = folder / evidence
        if not evidence.exists():  # an audit folder copied elsewhere: its evidence beside it, if there
            evidence = folder.parent / "evidence"
        if (folder / PUBLISHED_EVIDENCE).is_dir():
            evidence = folder / PUBLISHED_EVIDENCE
        return evidence

    def directory(self, kind: str) -> pd.DataFrame:
        """Every support structure or entrepreneurial initiative of the evidence (empty when absent),
        ``commune_code`` as text."""
        if kind not in DIRECTORIES:
            raise KeyError(f"{kind}: one of {', '.join(DIRECTORIES)}")
        key = f"directory:{kind}"
        if key not in self._tables:
            path = self.evidence_dir / f"{kind}.csv"
            # evidence CSVs start with "# GENERATED ..." comment lines
            self._tables[key] = (pd.read_csv(path, comment="#", dtype={"commune_code": str, "territory": str})
                                 if path.exists() else pd.DataFrame())
        return self._tables[key]

    @property
    def structures(self) -> pd.DataFrame:
        return self.directory("structures")

    @property
    def initiatives(self) -> pd.DataFrame:
        return self.directory("initiatives")

    @property
    def laureates(self) -> pd.DataFrame:
        """The i-Lab laureates of the audit's window (``laureates.csv``: line, year, company, siren, kind, prize,
        domain, region, status, commune, territory), all as text, "" where empty; empty when the audit
        wrote none. ``status`` is ``located`` or why not (frenchtech.sources.ilab)."""
        if "laureates" not in self._tables:
            path = self.path / "laureates.csv"
            self._tables["laureates"] = (pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists()
                                         else pd.DataFrame(columns=["line", "year", "company", "siren", "status",
                                                                    "territory"]))
        return self._tables["laureates"]


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def read(folder) -> AuditFolder:
    """Read an audit folder: its manifest and required tables are checked now (an ``InputError`` names
    the missing or unreadable file); the other tables are read on first use."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise InputError(folder, f"not an audit folder (no {MANIFEST})", expected="the output folder of frenchtech audit")
    raw = manifest_path.read_bytes()
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(manifest_path, f"not a manifest: {exc}", expected="the manifest.json written by an audit") from None
    if not isinstance(manifest, dict):
        raise InputError(manifest_path, "not a manifest: not a JSON object", expected="the manifest.json written by an audit")
    audit = AuditFolder(folder, manifest, raw)
    for name in REQUIRED:
        audit.table(name)
    return audit


def stamp(folder) -> tuple:
    """What changes when the folder's files do (modification time and size of the manifest and of each
    table): the key of :func:`read_cached`."""
    folder = Path(folder)
    out = []
    for name in (MANIFEST, *(f"{t}.csv" for t in TABLES)):
        try:
            st = (folder / name).stat()
        except OSError:
            out.append((name, None))
        else:
            out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


@lru_cache(maxsize=16)
def _cached(folder: str, key: tuple) -> AuditFolder:
    return read(folder)


def read_cached(folder) -> AuditFolder:
    """:func:`read`, kept while the folder's manifest and tables are unchanged (long-running servers)."""
    folder = Path(folder)
    return _cached(str(folder), stamp(folder))


__all__ = ["FLAG_COLUMNS", "INTERVAL_COLUMNS", "REQUIRED", "SOBOL_COLUMNS", "TABLES", "AuditFolder", "read",
           "read_cached", "stamp"]
