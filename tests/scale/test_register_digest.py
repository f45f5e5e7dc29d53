"""The register's digest is computed by the scan that reads it: the same BLAKE3 digest as the file's
bytes hashed on their own, whatever the blocks, for the CSV and for the zip; a pass that did not read
the whole file gives no digest, and the digest is then taken from the file itself."""
from __future__ import annotations

import json
import zipfile

import blake3
import pytest

from frenchtech.hashing import BLAKE3, InPassDigest
from frenchtech.sources import csvscan
from frenchtech.sources.sirene_columns import ESTABLISHMENT_COLUMNS

from .conftest import write_register

WANTED = ["siren", "codeCommuneEtablissement"]


def _register(path, rows: int):
    return write_register(path, [{"codeCommuneEtablissement": f"{35000 + i % 300:05d}",
                                  "denominationUsuelleEtablissement": f'"quoted, {i}"\nline' if i % 97 == 0 else "",
                                  "dateCreationEtablissement": "2012-03-04"} for i in range(rows)])


def _scan(path, digest, **kw) -> int:
    reader = csvscan.read_columns(path, ESTABLISHMENT_COLUMNS, WANTED, digest=digest, **kw)
    return sum(batch.num_rows for batch in reader)


@pytest.mark.parametrize("block_bytes", [1, 777, 64 << 10, 16 << 20])
def test_the_scan_digests_the_whole_csv_in_order(tmp_path, block_bytes):
    path = _register(tmp_path / "StockEtablissement_utf8.csv", 3000)
    digest = InPassDigest(path)
    assert _scan(path, digest, block_bytes=block_bytes, threads=2) == 3000
    assert digest.hexdigest() == blake3.blake3(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("inflate", ["isal", "zlib"])
def test_the_scan_digests_the_zip_files_bytes(tmp_path, monkeypatch, inflate):
    """With ISA-L the zip is read from its first byte to its last and digested on the way; zipfile's
    reader does not say which bytes it read, so the digest is then taken from the file."""
    if inflate == "zlib":
        monkeypatch.setattr(csvscan, "isal_zlib", None)
    elif csvscan.isal_zlib is None:
        pytest.skip("isal is not installed")
    csv = _register(tmp_path / "StockEtablissement_utf8.csv", 3000)
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", "a member before the register")
        zf.write(csv, "StockEtablissement_utf8.csv")
        zf.writestr("LICENCE.txt", "and one after")
    digest = InPassDigest(archive)
    assert _scan(archive, digest, block_bytes=1000) == 3000
    whole = blake3.blake3(archive.read_bytes()).hexdigest()
    assert digest.hexdigest() == (whole if inflate == "isal" else None)
    assert digest.result() == whole


def test_a_scan_stopped_early_gives_no_digest(tmp_path):
    path = _register(tmp_path / "StockEtablissement_utf8.csv", 3000)
    digest = InPassDigest(path)
    reader = csvscan.read_columns(path, ESTABLISHMENT_COLUMNS, WANTED, digest=digest, block_bytes=1000)
    reader.read_next_batch()
    reader.close()
    assert digest.hexdigest() is None
    assert digest.result() == blake3.blake3(path.read_bytes()).hexdigest()


def test_a_file_changed_in_size_during_the_scan_gives_no_digest(tmp_path):
    path = _register(tmp_path / "StockEtablissement_utf8.csv", 300)
    digest = InPassDigest(path)
    _scan(path, digest)
    with open(path, "ab") as f:
        f.write(b"\n")
    assert digest.hexdigest() is None


def test_the_audit_records_the_registers_blake3(generated, mini_campaign, tmp_path):
    from frenchtech.audit import run_audit

    run_audit(mini_campaign, generated, tmp_path / "out")
    entry = json.loads((tmp_path / "out" / "manifest.json").read_text())["inputs"]["establishments"]
    register = generated / "StockEtablissement_utf8.csv"
    assert entry == {"path": str(register), BLAKE3: blake3.blake3(register.read_bytes()).hexdigest()}


def test_the_national_reference_is_the_same_from_the_store_and_from_the_csv(evidence, mini_campaign, tmp_path):
    """The national reference covers every EPCI of the country: from the store too, whose candidates'
    departments are a small part of it."""
    import pandas as pd

    from frenchtech.audit import run_audit
    from frenchtech.sources import sirene
    from frenchtech.sources.store import ingest_sirene

    for path in evidence.glob("StockEtablissementHistorique*"):  # the state at the window's end from dateDebut,
        path.unlink()                                            # as the store tells it
    run_audit(mini_campaign, evidence, tmp_path / "csv")
    ingest_sirene(evidence / "StockEtablissement_utf8.csv", evidence / sirene.STORE_NAME)
    assert sirene.store_folder(sirene.find_stock(evidence)) is not None
    run_audit(mini_campaign, evidence, tmp_path / "store")
    from_csv = pd.read_csv(tmp_path / "csv" / "national.csv")
    from_store = pd.read_csv(tmp_path / "store" / "national.csv")
    deps = {c[:2] for t in mini_campaign.territories for c in t.match_codes}
    assert len(from_csv) > 100 and (from_csv.drop(columns=["epci", "name", "population"]).to_numpy() > 0).any()
    assert len(deps) < 10
    pd.testing.assert_frame_equal(from_csv, from_store)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "csv" / "measures.csv"),
                                  pd.read_csv(tmp_path / "store" / "measures.csv"))
