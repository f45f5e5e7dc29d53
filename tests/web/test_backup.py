"""Backup and restore of a whole programme: dossiers with attachments, reviews, a conflict of interest,
published decisions and labels, fund ledger entries and the activity log are backed up, restored into an
empty home (SQLite: a new file; PostgreSQL: a second database) and compared row by row and byte by byte.
A damaged archive is refused before anything is written."""
from __future__ import annotations

import gzip
import io
import json
import sqlite3
import tarfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from frenchtech.errors import InputError
from frenchtech.programme import backup as programme_backup
from frenchtech.programme.backup import BackupError
from tests.web.conftest import NARRATIVE, PDF, set_phase
from tests.web.publishing import publish

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def committed(transactional_db):
    """Rows committed for real (a backup reads the database from another connection). SQLite's flush
    empties tables with DELETE, which the protected records refuse: it runs with the protections lifted."""
    yield
    from django.core.management import call_command

    from frenchtech.programme.records import lifted

    if connection.vendor == "sqlite":
        with lifted():
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)


def _build_programme(call, people):
    """A programme as a season leaves it, every step through the services and pages."""
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.deliberation.services import apply_proposals
    from frenchtech.programme.dossiers.services import add_attachment, create_dossier, submit_dossier, update_dossier
    from frenchtech.programme.fund import desk
    from frenchtech.programme.fund import services as ledger
    from frenchtech.programme.jury.services import assign, declare_conflict, save_review

    dossiers = {}
    for key in ("lyon", "bordeaux"):
        user = people[key]
        d = create_dossier(call, team_of(user), user)
        update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                           "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                           "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
        add_attachment(d, SimpleUploadedFile(f"plan-{key}.pdf", PDF + key.encode(), "application/pdf"), user)
        add_attachment(d, SimpleUploadedFile(f"map-{key}.png", PNG, "image/png"), user)
        dossiers[key] = submit_dossier(d, user)
    set_phase(call, "review")
    for juror in ("juror", "juror2"):
        for key in ("lyon", "bordeaux"):
            assign(people[juror], dossiers[key], people["admin"])
    criteria = [c["id"] for c in call.rubric.criteria]
    save_review(call.assignments.get(juror=people["juror"], dossier=dossiers["lyon"]),
                {c: "4" for c in criteria}, "Solid federation.", submit=True)
    save_review(call.assignments.get(juror=people["juror2"], dossier=dossiers["bordeaux"]),
                {c: "3" for c in criteria}, "Draft: still reading.", submit=False)
    save_review(call.assignments.get(juror=people["juror2"], dossier=dossiers["lyon"]),
                {c: "2" for c in criteria}, "Ambitious.", submit=True)
    declare_conflict(people["juror2"], call, "lyon", "Board member of the Lyon association")
    set_phase(call, "deliberation")
    apply_proposals(call, [d.pk for d in dossiers.values()], people["admin"])
    admin = Client()
    admin.force_login(people["admin"])
    assert publish(admin).redirect_chain[-1][1] == 302

    f = desk.fund()
    desk.generate(f, 12, 2)
    desk.run_allocation(f)
    desk.commit_latest(f, "fund")
    position = ledger.portfolio(f.id)[0]
    ledger.decide_and_book(f.id, "disburse", position["application_id"], Decimal("100000.00"), "IC-2015-03",
                           rationale="first tranche", decided_by="fund")


def _rows(con, vendor: str) -> dict[str, list]:
    """Every row of every table, in a stable order (sorted by their text form)."""
    cur = con.cursor()
    if vendor == "sqlite":
        tables = [r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
    else:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [r[0] for r in cur.fetchall()]
    out = {}
    for t in sorted(tables):
        cur.execute(f'SELECT * FROM "{t}"')
        out[t] = sorted(cur.fetchall(), key=repr)
    return out


def _triggers(con, vendor: str) -> dict[str, str]:
    cur = con.cursor()
    if vendor == "sqlite":
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    else:
        cur.execute("SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal")
    return dict(cur.fetchall())


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _connect(database: dict, vendor: str):
    if vendor == "sqlite":
        name = str(database["NAME"])
        return sqlite3.connect(name, uri=name.startswith("file:"))
    import psycopg

    return psycopg.connect(dbname=database["NAME"], host=database["HOST"] or None, port=database["PORT"] or None,
                           user=database["USER"] or None, password=database["PASSWORD"] or None, autocommit=True)


@pytest.fixture
def second_database(tmp_path):
    """An empty database beside the test's: a new SQLite file, or a second PostgreSQL database."""
    source = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        yield {**source, "NAME": str(tmp_path / "restored-home" / "frenchtech.sqlite3")}
        return
    name = f"{source['NAME']}_restored"
    admin = _connect({**source, "NAME": "postgres"}, "postgresql")
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_whole_programme_is_restored_row_for_row_and_byte_for_byte(committed, call, people, settings, tmp_path,
                                                                      second_database):
    _build_programme(call, people)
    vendor = connection.vendor
    source_db = dict(connection.settings_dict)
    source_files = Path(settings.PRIVATE_FILES_ROOT)
    archive = tmp_path / "programme.tar.gz"

    made = programme_backup.backup(archive, source_db, source_files)
    assert archive.is_file() and not [p for p in tmp_path.iterdir() if p.name.startswith(".programme.tar.gz")]

    target_files = tmp_path / "restored-home" / "private-files"
    restored = programme_backup.restore(archive, second_database, target_files)

    with _connect(source_db, vendor) as a, _connect(second_database, vendor) as b:
        before, after = _rows(a, vendor), _rows(b, vendor)
        triggers_before, triggers_after = _triggers(a, vendor), _triggers(b, vendor)
    assert list(before) == list(after)
    for table in before:
        assert before[table] == after[table], table
    assert _files(source_files) == _files(target_files)
    # the programme's content is all there (not an empty programme compared with an empty copy)
    for table in ("dossiers_attachment", "jury_review", "jury_conflict", "labels_decision", "fund_entry",
                  "activity_entry", "deliberation_publishedfile"):
        assert len(after[table]) > 0, table
    assert len([n for n in _files(target_files) if n.startswith("dossiers/")]) == 4
    assert made.tables == restored.tables == {t: len(r) for t, r in after.items()}
    # the row-protection triggers came back as they were, and they still refuse
    assert triggers_before and triggers_before == triggers_after
    with _connect(second_database, vendor) as b:
        with pytest.raises(Exception, match="labels_decision"):
            b.cursor().execute("DELETE FROM labels_decision")
    print(f"\nbackup/restore ({vendor}): {len(after)} tables, {restored.rows} rows, {restored.files} private files "
          f"({restored.file_bytes} bytes) compared, {len(triggers_after)} protection triggers")


def test_restore_refuses_a_home_that_is_not_empty(committed, call, people, settings, tmp_path, second_database):
    archive = tmp_path / "programme.tar.gz"
    programme_backup.backup(archive, dict(connection.settings_dict), settings.PRIVATE_FILES_ROOT)
    # the test's own database holds the programme: refused, naming what is there
    with pytest.raises(BackupError, match=r"is not empty: it holds \d+ table\(s\) \(accounts_"):
        programme_backup.restore(archive, dict(connection.settings_dict), tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists()
    occupied = tmp_path / "occupied"
    (occupied / "dossiers").mkdir(parents=True)
    with pytest.raises(BackupError, match="private-files folder .*occupied is not empty: it holds dossiers"):
        programme_backup.restore(archive, second_database, occupied)
    assert programme_backup.database_contents(second_database) == []
    with pytest.raises(BackupError, match="already exists"):
        programme_backup.backup(archive, dict(connection.settings_dict), settings.PRIVATE_FILES_ROOT)


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with its members passed through ``change(name, data)`` (None drops one)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            data = change(info.name, src.extractfile(info).read())
            if data is None:
                continue
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _damaging_flip(raw: bytes) -> bytes:
    """The compressed archive with one bit changed from its middle on, the first such change that alters
    what it decompresses to (deflate ignores a few padding bits: a flip there damages nothing)."""
    for at in range(len(raw) // 2, len(raw)):
        damaged = _flip(raw, at)
        try:
            gzip.decompress(damaged)
        except (OSError, EOFError, zlib.error):
            return damaged
    raise AssertionError("no damaging change found")


def test_a_damaged_archive_is_refused_and_nothing_is_written(committed, call, people, settings, tmp_path,
                                                              second_database):
    from frenchtech.programme.dossiers.services import add_attachment, create_dossier
    from frenchtech.programme.accounts.services import team_of

    d = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    add_attachment(d, SimpleUploadedFile("plan.pdf", PDF, "application/pdf"), people["lyon"])
    good = tmp_path / "good.tar.gz"
    programme_backup.backup(good, dict(connection.settings_dict), settings.PRIVATE_FILES_ROOT)
    attachment = next(n for n in json.loads(_member(good, "manifest.json"))["members"] if n.endswith("plan.pdf"))
    db_member = json.loads(_member(good, "manifest.json"))["database"]["member"]

    cases = {
        "changed-file": (_rewrite(good, tmp_path / "a.tar.gz", lambda n, b: _flip(b, 3) if n == attachment else b),
                         rf"member '{attachment}' differs from the manifest"),
        "changed-database": (_rewrite(good, tmp_path / "b.tar.gz", lambda n, b: _flip(b, len(b) // 2)
                                      if n == db_member else b), rf"member '{db_member}' differs from the manifest"),
        "missing-member": (_rewrite(good, tmp_path / "c.tar.gz", lambda n, b: None if n == attachment else b),
                           rf"member '{attachment}' is listed in the manifest but missing"),
        "missing-manifest": (_rewrite(good, tmp_path / "d.tar.gz", lambda n, b: None if n == "manifest.json" else b),
                             "no manifest.json in the archive"),
        "damaged-compression": (tmp_path / "f.tar.gz", "damaged archive"),
        "cut-short": (tmp_path / "g.tar.gz", "damaged archive"),
    }
    raw = good.read_bytes()
    (tmp_path / "f.tar.gz").write_bytes(_damaging_flip(raw))
    (tmp_path / "g.tar.gz").write_bytes(raw[: len(raw) * 2 // 3])
    extra = tmp_path / "e.tar.gz"
    with tarfile.open(good, "r:gz") as src, tarfile.open(extra, "w:gz") as dst:
        for info in src:
            dst.addfile(info, src.extractfile(info))
        info = tarfile.TarInfo("private-files/dossiers/intruder.pdf")
        info.size = len(PDF)
        dst.addfile(info, io.BytesIO(PDF))
    cases["extra-member"] = (extra, "member 'private-files/dossiers/intruder.pdf' is not listed in the manifest")

    target_files = tmp_path / "restored-home" / "private-files"
    for case, (archive, message) in cases.items():
        with pytest.raises(InputError, match=message) as caught:
            programme_backup.restore(archive, second_database, target_files)
        assert str(archive) in str(caught.value), case
        assert not target_files.exists(), case
        assert programme_backup.database_contents(second_database) == [], case
        assert not target_files.parent.exists() or not any(target_files.parent.iterdir()), case
    # the intact archive still restores after all these refusals
    assert programme_backup.restore(good, second_database, target_files).files == 1


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as t:
        return t.extractfile(name).read()


def test_the_command_line_backs_up_and_restores_a_home(tmp_path, monkeypatch):
    """``frenchtech backup`` / ``restore`` on the configured home (SQLite), as an operator runs them."""
    import subprocess
    import sys

    if connection.vendor != "sqlite":
        pytest.skip("the command line's SQLite home; PostgreSQL is covered by the restore test above")
    frenchtech = [sys.executable, "-c", "from frenchtech.cli.main import main; main()"]
    env = lambda home: {**__import__("os").environ, "FRENCHTECH_HOME": str(home), "DATABASE_URL": "",
                        "DJANGO_SETTINGS_MODULE": "frenchtech.web.settings"}
    home, other = tmp_path / "home", tmp_path / "other"
    home.mkdir()
    other.mkdir()
    run = lambda args, h: subprocess.run(frenchtech + args, env=env(h), capture_output=True, text=True)
    assert run(["labels", "list"], home).returncode == 0  # creates and migrates the home's database
    (home / "private-files" / "fund").mkdir(parents=True)
    (home / "private-files" / "fund" / "applications.csv").write_bytes(b"application_id\nA1\n")
    done = run(["backup", "--out", str(tmp_path / "b.tar.gz")], home)
    assert done.returncode == 0, done.stderr
    assert "1 private files" in done.stdout
    done = run(["restore", str(tmp_path / "b.tar.gz")], other)
    assert done.returncode == 0, done.stderr
    assert (other / "private-files" / "fund" / "applications.csv").read_bytes() == b"application_id\nA1\n"
    again = run(["restore", str(tmp_path / "b.tar.gz")], other)
    assert again.returncode == 2 and "error: the database" in again.stderr and "is not empty" in again.stderr
