"""Backup and restore of the programme: its database and its private files, in one archive.

The archive is a gzip-compressed tar file holding

- ``database/programme.sqlite3`` (SQLite, copied by SQLite's online backup API, so a backup taken
  while the platform runs is consistent) or ``database/programme.pgdump`` (PostgreSQL, ``pg_dump``'s
  custom format, taken in a snapshot in which the rows are also counted);
- ``private-files/...``: every file under the private-files folder (attachments, the fund's files);
- ``manifest.json``: every other member with its SHA-256 and size, and the row count of every table.

A backup is written beside its destination under a temporary name and renamed at the end: a failed
backup leaves nothing. A restore goes into an empty database and an absent (or empty) private-files
folder only; it checks every member against the manifest before writing anything, restores the
database whole (its schema, migrations and row-protection triggers come with it: nothing is lifted),
checks the row counts, and removes what it wrote when any step fails.

Databases are named by a Django ``DATABASES`` entry (``ENGINE``, ``NAME``, ``USER``, ``PASSWORD``,
``HOST``, ``PORT``); this module talks to them with their own drivers and tools, not through Django.
"""
from __future__ import annotations

import datetime as dt
import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from frenchtech import __version__
from frenchtech.errors import FrenchTechError, InputError

FORMAT = "frenchtech-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/programme.sqlite3"
PG_MEMBER = "database/programme.pgdump"
FILES = "private-files"
CHUNK = 1 << 20


class BackupError(FrenchTechError):
    """A backup or a restore that cannot be done as asked (the target is not empty, a tool is missing)."""


@dataclass
class Summary:
    """What a backup holds (or a restore brought back): row count per table, number and size of files."""
    archive: Path
    vendor: str
    tables: dict[str, int]
    files: int
    file_bytes: int
    members: dict[str, dict] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# -- databases ----------------------------------------------------------------------------------------

def vendor_of(database: dict) -> str:
    engine = database.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"database engine {engine!r}: backups cover SQLite and PostgreSQL only")


def _sqlite_connect(name: str, must_exist: bool = True) -> sqlite3.Connection:
    if name.startswith("file:"):  # an in-memory or URI database (tests)
        return sqlite3.connect(name, uri=True)
    if must_exist and not Path(name).is_file():
        raise BackupError(f"{name}: no programme database there (set FRENCHTECH_HOME or DATABASE_URL)")
    return sqlite3.connect(name)


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _sqlite_counts(con: sqlite3.Connection) -> dict[str, int]:
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _sqlite_tables(con)}


def _pg_env(database: dict) -> dict:
    """libpq's environment for the tools: the password never appears on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if database.get(key):
            env[var] = str(database[key])
    return env


def _pg_connect(database: dict, **kwargs):
    try:
        import psycopg
    except ImportError:
        raise BackupError("a PostgreSQL backup needs its driver: pip install 'frenchtech[postgres]'") from None
    params = {k.lower(): database[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if database.get(k)}
    try:
        return psycopg.connect(dbname=database["NAME"], **params, **kwargs)
    except psycopg.OperationalError as exc:
        raise BackupError(f"PostgreSQL database {database['NAME']!r}: cannot connect: {exc}".strip()) from None


def _pg_tables(cur) -> list[str]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [r[0] for r in cur.fetchall()]


def _pg_counts(cur) -> dict[str, int]:
    out = {}
    for t in _pg_tables(cur):
        cur.execute(f'SELECT count(*) FROM "{t}"')
        out[t] = cur.fetchone()[0]
    return out


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: the newest PostgreSQL's under /usr/lib/postgresql, else the PATH's."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()])
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupError(f"{name} not found (install PostgreSQL's client programs, e.g. apt-get install "
                          "postgresql-client)")
    return tool


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _dump_database(database: dict, folder: Path) -> tuple[str, Path, dict[str, int]]:
    """Copy the database into ``folder``: (member name, file, rows per table), one consistent state."""
    vendor = vendor_of(database)
    if vendor == "sqlite":
        target = folder / "programme.sqlite3"
        source = _sqlite_connect(str(database["NAME"]))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # online backup: a consistent copy even while the platform writes
            counts = _sqlite_counts(copy)
        except sqlite3.Error as exc:
            raise BackupError(f"{database['NAME']}: cannot be copied: {exc}") from None
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER, target, counts
    target = folder / "programme.pgdump"
    from psycopg import IsolationLevel

    with _pg_connect(database) as con:
        con.isolation_level = IsolationLevel.REPEATABLE_READ  # the counts and pg_dump read one snapshot
        con.read_only = True
        with con.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = _pg_counts(cur)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={target}"], _pg_env(database))
        con.rollback()
    return PG_MEMBER, target, counts


# -- backup -------------------------------------------------------------------------------------------

def _private_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under ``root``, sorted; a link is refused (a backup
    follows no link out of the folder)."""
    if not root.exists():
        return []
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            raise BackupError(f"{path}: a symbolic link in the private files; backups copy regular files only")
        if path.is_file():
            out.append((f"{FILES}/{path.relative_to(root).as_posix()}", path))
    return out


def backup(out, database: dict, private_root) -> Summary:
    """Write the programme's backup archive to ``out`` (refused when ``out`` exists)."""
    out, private_root = Path(out), Path(private_root)
    if out.exists():
        raise BackupError(f"{out}: already exists; a backup never overwrites a file, choose another name")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such folder")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise BackupError(f"{out}: the backup could not be written: {exc}") from None
    try:
        member, db_file, counts = _dump_database(database, staging)
        members: dict[str, dict] = {}
        partial = staging / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            _add(tar, member, db_file, members)
            files = _private_files(private_root)
            for name, path in files:
                _add(tar, name, path, members)
            manifest = {"format": FORMAT, "version": VERSION, "frenchtech": __version__,
                        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "database": {"vendor": vendor_of(database), "member": member, "tables": counts},
                        "files": len(files), "members": members}
            raw = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(raw), int(dt.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(raw))
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
    except OSError as exc:  # a full disk, a folder not writable: nothing is left behind
        raise BackupError(f"{out}: the backup could not be written: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    file_bytes = sum(m["size"] for n, m in members.items() if n.startswith(FILES + "/"))
    return Summary(out, vendor_of(database), counts, len(files), file_bytes, members)


class _Hashing(io.RawIOBase):
    """A file read through SHA-256: the hash is that of the very bytes the archive receives."""

    def __init__(self, f):
        self.f, self.sha, self.size = f, hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, members: dict) -> None:
    """Add one file, streamed, hashing the bytes written (a file changing meanwhile cannot slip past: a
    file cut short is an error of tarfile, one grown is stored at its first size, hash of what is stored)."""
    with open(path, "rb") as f:
        info = tarfile.TarInfo(name)
        stat = os.fstat(f.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(f)
        try:
            tar.addfile(info, reader)
        except OSError:
            if reader.size < info.size:  # the file was cut short while it was read
                raise BackupError(f"{path}: changed while it was being backed up; run the backup again") from None
            raise
    members[name] = {"sha256": reader.sha.hexdigest(), "size": reader.size}


# -- reading an archive -------------------------------------------------------------------------------

def _safe_name(archive: Path, name: str) -> str:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts or name != p.as_posix():
        raise InputError(archive, f"member {name!r} has an unsafe path", expected="a relative path inside the archive")
    return name


def _members(archive: Path):
    """Yield (name, file object) of each file member, refusing links and other special members."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:
                name = _safe_name(archive, info.name)
                if not info.isfile():
                    raise InputError(archive, f"member {name!r} is not a regular file",
                                     expected="files only (no links, devices or folders)")
                yield name, tar.extractfile(info)
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InputError(archive, "no such file") from None
        raise InputError(archive, f"damaged archive ({type(exc).__name__}: {exc})",
                         expected=f"a {FORMAT} archive as `frenchtech backup` writes it") from None


def _copy(f, out) -> tuple[str, int]:
    """SHA-256 and size of the rest of ``f``, read in chunks (and written to ``out`` unless None)."""
    h, size = hashlib.sha256(), 0
    while chunk := f.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return h.hexdigest(), size


def _check_compression(archive: Path) -> None:
    """Read the gzip stream to its end: its CRC-32 and length catch a changed byte anywhere, and a cut
    (tar alone would stop early, at the first header it cannot read, as if the archive ended there)."""
    try:
        with gzip.open(archive, "rb") as f:
            while f.read(CHUNK):
                pass
    except FileNotFoundError:
        raise InputError(archive, "no such file") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(archive, f"damaged archive ({type(exc).__name__}: {exc})",
                         expected=f"a {FORMAT} archive as `frenchtech backup` writes it") from None


def _read_manifest(archive: Path, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"{archive}:{MANIFEST}", f"not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{archive}:{MANIFEST}", "not a programme backup manifest",
                         expected=f'"format": "{FORMAT}"')
    if manifest.get("version") != VERSION:
        raise InputError(f"{archive}:{MANIFEST}", f"backup format version {manifest.get('version')!r}",
                         expected=f"version {VERSION}")
    for key in ("database", "members"):
        if not isinstance(manifest.get(key), dict):
            raise InputError(f"{archive}:{MANIFEST}", f"field '{key}' missing", expected="an object")
    return manifest


def verify(archive) -> dict:
    """Check ``archive`` whole, writing nothing: its manifest, every member it lists present with its
    SHA-256 and size, no member it does not list. Returns the manifest; raises InputError naming the
    archive and the member."""
    archive = Path(archive)
    _check_compression(archive)
    manifest_raw, seen = None, {}
    for name, f in _members(archive):
        if name in seen or (name == MANIFEST and manifest_raw is not None):
            raise InputError(archive, f"member {name!r} appears twice")
        if name == MANIFEST:
            manifest_raw = f.read()
        else:
            seen[name] = _copy(f, None)
    if manifest_raw is None:
        raise InputError(archive, f"no {MANIFEST} in the archive", expected="a backup written by `frenchtech backup`")
    manifest = _read_manifest(archive, manifest_raw)
    listed = manifest["members"]
    for name, entry in sorted(listed.items()):
        if name not in seen:
            raise InputError(archive, f"member {name!r} is listed in the manifest but missing from the archive")
        digest, size = seen[name]
        if digest != entry.get("sha256") or size != entry.get("size"):
            raise InputError(archive, f"member {name!r} differs from the manifest (SHA-256 {digest}, "
                                      f"{size} bytes)", expected=f"SHA-256 {entry.get('sha256')}, "
                                                                 f"{entry.get('size')} bytes")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise InputError(archive, f"member {extra[0]!r} is not listed in the manifest")
    database = manifest["database"]
    if database.get("member") not in listed or database.get("vendor") not in ("sqlite", "postgresql"):
        raise InputError(f"{archive}:{MANIFEST}", "field 'database' names no database member of the archive")
    return manifest


# -- restore ------------------------------------------------------------------------------------------

def database_contents(database: dict) -> list[str]:
    """The tables the database already holds ([] when it is empty or does not exist yet)."""
    if vendor_of(database) == "sqlite":
        name = str(database["NAME"])
        if not name.startswith("file:") and (not Path(name).is_file() or Path(name).stat().st_size == 0):
            return []
        con = _sqlite_connect(name)
        try:
            return _sqlite_tables(con)
        finally:
            con.close()
    with _pg_connect(database, autocommit=True) as con, con.cursor() as cur:
        return _pg_tables(cur)


def _folder_contents(root: Path) -> list[str]:
    if not root.exists():
        return []
    if not root.is_dir():
        return [root.name]
    return sorted(p.name for p in root.iterdir())


def _named(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def restore(archive, database: dict, private_root) -> Summary:
    """Restore ``archive`` into ``database`` (empty) and ``private_root`` (absent or empty)."""
    archive, private_root = Path(archive), Path(private_root)
    manifest = verify(archive)
    vendor, target_vendor = manifest["database"]["vendor"], vendor_of(database)
    if vendor != target_vendor:
        raise BackupError(f"{archive}: a {vendor} backup restores into a {vendor} database, and DATABASE_URL "
                          f"names a {target_vendor} one")
    where = database["NAME"]
    tables = database_contents(database)
    if tables:
        raise BackupError(f"the database {where} is not empty: it holds {len(tables)} table(s) "
                          f"({_named(tables)}); restore into an empty database")
    present = _folder_contents(private_root)
    if present:
        raise BackupError(f"the private-files folder {private_root} is not empty: it holds {_named(present)}; "
                          "restore into an empty home")
    private_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{private_root.name}.restoring-", dir=private_root.parent))
    undo = None
    try:
        _extract(archive, manifest, staging)
        undo = _restore_database(manifest, staging / manifest["database"]["member"], database)
        restored = _restored_counts(database)
        expected = manifest["database"]["tables"]
        if restored != expected:
            diff = sorted(t for t in set(restored) | set(expected) if restored.get(t) != expected.get(t))
            raise BackupError(f"{archive}: the restored database differs from the manifest's row counts "
                              f"({_named([f'{t}: {restored.get(t)} not {expected.get(t)}' for t in diff])})")
        files = staging / FILES
        if private_root.exists():
            private_root.rmdir()  # empty, checked above
        if files.exists():
            os.replace(files, private_root)
        else:
            private_root.mkdir()
    except BaseException:
        if undo is not None:
            undo()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    members = manifest["members"]
    file_bytes = sum(m["size"] for n, m in members.items() if n.startswith(FILES + "/"))
    return Summary(archive, vendor, restored, manifest.get("files", 0), file_bytes, members)


def _extract(archive: Path, manifest: dict, staging: Path) -> None:
    """Write the members under ``staging``, checking each hash again (the archive may have changed since
    it was verified)."""
    listed = manifest["members"]
    for name, f in _members(archive):
        if name == MANIFEST:
            continue
        if name not in listed:
            raise InputError(archive, f"member {name!r} changed while it was being restored")
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            digest, _size = _copy(f, out)
        if digest != listed[name]["sha256"]:
            raise InputError(archive, f"member {name!r} changed while it was being restored")


def _restore_database(manifest: dict, dump: Path, database: dict):
    """Load the dump into the (empty) database; returns the function that removes it again."""
    if vendor_of(database) == "sqlite":
        target = Path(database["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(dump)
        try:
            check = con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
        if check != "ok":
            raise BackupError(f"the archive's database fails SQLite's integrity check: {check}")
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(dump, partial)
        os.replace(partial, target)
        return lambda: target.unlink(missing_ok=True)
    # One transaction: a failing restore leaves the database as empty as it was.
    _run([pg_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
          f"--dbname={database['NAME']}", str(dump)], _pg_env(database))
    return lambda: _pg_empty(database)


def _pg_empty(database: dict) -> None:
    """Remove what the restore created (the database was empty before it)."""
    with _pg_connect(database, autocommit=True) as con, con.cursor() as cur:
        for t in _pg_tables(cur):
            cur.execute(f'DROP TABLE IF EXISTS "{t}" CASCADE')
        cur.execute("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = 'public'")
        for (fn,) in cur.fetchall():
            cur.execute(f"DROP FUNCTION IF EXISTS {fn} CASCADE")


def _restored_counts(database: dict) -> dict[str, int]:
    if vendor_of(database) == "sqlite":
        con = _sqlite_connect(str(database["NAME"]))
        try:
            return _sqlite_counts(con)
        finally:
            con.close()
    with _pg_connect(database, autocommit=True) as con, con.cursor() as cur:
        return _pg_counts(cur)
