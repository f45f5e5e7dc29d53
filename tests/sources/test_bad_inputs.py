"""Bad input gets one clear error naming the file (and line), and leaves nothing behind: damaged
register zips on every path that opens one, a register without rows, a register cut inside a row
(on both text readers), a missing small evidence file, and the scratch folders of killed audits."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from frenchtech.audit.run import compute_measures, run_audit
from frenchtech.campaign import load_campaign
from frenchtech.errors import ConfigError, InputError
from frenchtech.indicators.backends import connect
from frenchtech.sources import csvscan, sirene
from frenchtech.sources.evidence import read_evidence_folder
from frenchtech.sources.fetch import FetchError, _check_zip
from frenchtech.sources.store import ingest_sirene
from tests.conftest import FIXTURES as CAMPAIGNS
from tests.conftest import write_stock

VALID = CAMPAIGNS.parent / "sources" / "fixtures" / "valid"
ROWS = [dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
             dateCreationEtablissement="2012-03-01"),
        dict(codeCommuneEtablissement="29019", activitePrincipaleEtablissement="62.01Z",
             dateCreationEtablissement="2013-03-01")]
STOCK = "StockEtablissement_utf8.csv"


@pytest.fixture(params=["extractor", "duckdb-reader"])
def text_reader(request, monkeypatch):
    """Both readers of text registers: the compiled field extractor, and DuckDB's own reader."""
    if request.param == "duckdb-reader":
        monkeypatch.setattr(csvscan, "_csvscan", None)
    elif not csvscan.available():
        pytest.skip("the C extractor is not built")
    return request.param


def measures(folder, campaign):
    return compute_measures(connect("duckdb"), campaign, folder, None)[0]


def _zipped(folder, rows=ROWS):
    csv_path = write_stock(folder / "src" / STOCK, rows)
    target = folder / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, STOCK)
    shutil.rmtree(folder / "src")
    return target


def _not_a_zip(folder):
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "StockEtablissement_utf8.zip"
    target.write_bytes(b"PK\x03\x04" + b"this is not an archive" * 20)
    return target


def _damaged_inside(folder):
    """A zip whose directory is fine and whose compressed bytes are not (a corrupted copy)."""
    target = _zipped(folder, ROWS * 400)
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zf:
        info = zf.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 40, start + info.compress_size - 40):
        data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


# -- 1. a damaged register zip ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [_not_a_zip, _damaged_inside], ids=["not-a-zip", "corrupt-bytes"])
def test_damaged_zip_in_an_audit_names_the_file(tmp_path, mini_campaign, text_reader, make):
    target = make(tmp_path)
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    assert str(info.value).startswith(f"{target}: the archive is damaged")
    assert "download it again" in str(info.value)


@pytest.mark.parametrize("make", [_not_a_zip, _damaged_inside], ids=["not-a-zip", "corrupt-bytes"])
def test_damaged_zip_in_an_ingest_writes_no_store(tmp_path, make):
    target = make(tmp_path / "ev")
    store = tmp_path / "store"
    with pytest.raises(InputError) as info:
        ingest_sirene(target, store, block_bytes=4096)
    assert str(info.value).startswith(f"{target}: the archive is damaged")
    assert not store.exists() and not list(tmp_path.glob(".store*"))


def test_ingest_command_says_the_archive_is_damaged(tmp_path):
    target = _not_a_zip(tmp_path / "ev")
    res = subprocess.run([sys.executable, "-c", "from frenchtech.cli import run; run()", "ingest", "sirene", str(target),
                          "--store", str(tmp_path / "store")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert res.returncode == 2, res.stderr
    assert f"error: {target}: the archive is damaged" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "store").exists()


def test_fetch_refuses_a_download_that_is_not_a_zip(tmp_path):
    part = _not_a_zip(tmp_path)
    with pytest.raises(FetchError) as info:
        _check_zip(part, "https://example.org/StockEtablissement_utf8.zip")
    assert "not a valid zip archive" in str(info.value) and str(part) in str(info.value)
    assert not part.exists()


# -- 2. a register with only its header ------------------------------------------------------------

def test_register_without_rows_is_refused(tmp_path, mini_campaign, text_reader):
    path = write_stock(tmp_path / STOCK, [])
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    assert str(info.value).startswith(f"{path}: no establishment rows")


def test_zipped_register_without_rows_is_refused(tmp_path, mini_campaign, text_reader):
    target = _zipped(tmp_path, [])
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    assert str(info.value).startswith(f"{target}: no establishment rows")


def test_audit_of_a_register_without_rows_writes_nothing(tmp_path, mini_campaign):
    evidence = tmp_path / "ev"
    shutil.copytree(VALID, evidence, ignore=shutil.ignore_patterns("dossiers"))  # the mini campaign's candidates differ
    path = write_stock(evidence / STOCK, [])
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_audit(mini_campaign, evidence, out)
    assert str(info.value).startswith(f"{path}: no establishment rows")
    assert not out.exists() and not list(tmp_path.glob(".audit-*"))


def test_ingest_of_a_register_without_rows_writes_no_store(tmp_path):
    path = write_stock(tmp_path / STOCK, [])
    with pytest.raises(InputError) as info:
        ingest_sirene(path, tmp_path / "store")
    assert str(info.value).startswith(f"{path}: no establishment rows")
    assert not (tmp_path / "store").exists() and not list(tmp_path.glob(".store*"))


# -- 3. a register cut inside a row ----------------------------------------------------------------

def _cut(tmp_path, rows, at: bytes, keep: int = 0):
    path = write_stock(tmp_path / STOCK, rows)
    data = path.read_bytes()
    path.write_bytes(data[:data.rfind(at) + keep])
    return path


@pytest.mark.parametrize("case", ["fields", "quoted", "character"])
def test_register_cut_inside_a_row_says_so(tmp_path, mini_campaign, text_reader, case):
    if case == "fields":  # the last row loses its last columns
        path = _cut(tmp_path, ROWS + ROWS, b"35238", 3)
        line = 4
    elif case == "quoted":  # the cut falls inside a quoted value
        path = _cut(tmp_path, ROWS + [dict(libelleCommuneEtablissement='SAINT-MALO, "INTRA"')], b"INTRA")
        line = 4
    else:  # the cut falls inside a two-byte character
        path = _cut(tmp_path, ROWS + [dict(libelleCommuneEtablissement="SAINT-ÉTIENNE")], "É".encode(), 1)
        line = 4
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    text = str(info.value)
    assert text.startswith(f"{path}, line {line}: the file ends inside a row"), text
    assert "UTF-8" not in text and "Invalid Input Error" not in text


def test_malformed_row_inside_the_file_is_still_a_malformed_row(tmp_path, mini_campaign, text_reader):
    path = write_stock(tmp_path / STOCK, ROWS)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].rsplit(b",", 3)[0]  # row 2 (line 3) loses 3 fields; the file ends normally
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    text = str(info.value)
    assert text.startswith(f"{path}, line 3: malformed CSV row"), text


def test_latin1_register_is_still_not_utf8(tmp_path, mini_campaign, text_reader):
    path = write_stock(tmp_path / STOCK, ROWS + [dict(libelleCommuneEtablissement="SAINT-ÉTIENNE")])
    path.write_bytes(path.read_text("utf-8").encode("latin-1"))
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    assert str(info.value).startswith(f"{path}, line 4") and "not" in str(info.value) and "UTF-8" in str(info.value)


# -- 5. a missing small evidence file --------------------------------------------------------------

def _campaign_with(tmp_path, evidence_section: str):
    text = (CAMPAIGNS / "mini-2014.toml").read_text(encoding="utf-8")
    text = text.replace('[evidence]\ntech_naf_tags = ["digital_core"]\n',
                        '[evidence]\ntech_naf_tags = ["digital_core"]\n' + evidence_section)
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return load_campaign(path)


def test_missing_funding_rounds_is_an_error(tmp_path, mini_campaign):
    evidence = tmp_path / "ev"
    shutil.copytree(VALID, evidence, ignore=shutil.ignore_patterns("dossiers"))  # the mini campaign's candidates differ
    (evidence / "funding_rounds.csv").unlink()
    with pytest.raises(InputError) as info:
        read_evidence_folder(evidence, mini_campaign)
    text = str(info.value)
    assert text.startswith(f"{evidence / 'funding_rounds.csv'}: file not found")
    assert 'optional = ["funding_rounds"]' in text


def test_optional_source_may_be_missing(tmp_path):
    campaign = _campaign_with(tmp_path, 'optional = ["funding_rounds"]\n')
    evidence = tmp_path / "ev"
    shutil.copytree(VALID, evidence, ignore=shutil.ignore_patterns("dossiers"))  # the mini campaign's candidates differ
    (evidence / "funding_rounds.csv").unlink()
    ev = read_evidence_folder(evidence, campaign)
    assert ev.rounds.empty and not ev.structures.empty
    (evidence / "structures.csv").unlink()  # not optional
    with pytest.raises(InputError, match="structures.csv: file not found"):
        read_evidence_folder(evidence, campaign)


@pytest.mark.parametrize("section", ['optional = ["fundingrounds"]\n', 'optional = "funding_rounds"\n',
                                     'optionnal = ["funding_rounds"]\n'])
def test_optional_sources_are_typed(tmp_path, section):
    with pytest.raises(ConfigError) as info:
        _campaign_with(tmp_path, section)
    assert "evidence" in str(info.value)


# -- 6. scratch folders of killed audits -----------------------------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_next_audit_removes_the_scratch_folders_of_killed_runs(tmp_path, mini_campaign):
    evidence = tmp_path / "ev"
    shutil.copytree(VALID, evidence, ignore=shutil.ignore_patterns("dossiers"))  # the mini campaign's candidates differ
    write_stock(evidence / STOCK, ROWS)
    dead = tmp_path / f".audit-{_dead_pid()}-k1ll3d"       # left by a run killed before the end
    alive = tmp_path / f".audit-{os.getppid()}-running"     # a live process's run: not touched
    old_style = tmp_path / ".audit-x7y8z9"                  # no owner, recent: not touched
    other = tmp_path / ".ingest-1-keep"                     # not an audit's scratch folder
    for folder in (dead, alive, old_style, other):
        folder.mkdir()
        (folder / "scores.csv").write_text("half-written\n")
    run_audit(mini_campaign, evidence, tmp_path / "out")
    assert not dead.exists()
    assert alive.exists() and old_style.exists() and other.exists()
    assert (tmp_path / "out" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.glob(".audit-*")) == sorted([alive.name, old_style.name])


def test_old_scratch_folder_without_an_owner_is_removed(tmp_path):
    from frenchtech.audit.run import SCRATCH_MAX_AGE, remove_leftovers

    old = tmp_path / ".audit-abc123"
    old.mkdir()
    then = old.stat().st_mtime - SCRATCH_MAX_AGE - 60
    os.utime(old, (then, then))
    assert remove_leftovers(tmp_path) == [old] and not old.exists()


def test_source_error_keeps_the_engine_out_of_the_message(tmp_path, mini_campaign):
    """The reader's own error, not the engine's wrapping of it."""
    if not csvscan.available():
        pytest.skip("the C extractor is not built")
    path = _cut(tmp_path, ROWS, b"29019", 2)
    src = sirene.establishments(connect("duckdb"), path)
    with pytest.raises(Exception) as info:
        src.table.execute()
    err = src.error(info.value)
    assert isinstance(err, InputError) and str(err).startswith(f"{path}, line 3: the file ends inside a row")
