"""The SIRENE store: ingest (typed, partitioned, rejected rows, resumable, atomic) and audits read from it."""
from __future__ import annotations

import json
import os
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from frenchtech.audit.run import compute_measures, run_audit
from frenchtech.cli import main
from frenchtech.indicators.backends import connect
from frenchtech.sources import sirene
from frenchtech.sources.evidence import read_evidence_folder
from frenchtech.sources.store import ingest_sirene, is_store, read_manifest

from .conftest import ROWS, write_register

HAND = [
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-03-01"),
    dict(codeCommuneEtablissement="2A004", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-01-01", etatAdministratifEtablissement="F"),
    dict(codeCommuneEtablissement="97411", activitePrincipaleEtablissement="47.11A",
         dateCreationEtablissement="", etablissementSiege="false"),
    dict(codeCommuneEtablissement="", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2001-01-01"),                                   # abroad
    dict(codeCommuneEtablissement="3523", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-01-01"),                                   # bad commune
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z",
         dateCreationEtablissement="2012-13-45"),                                   # bad date
]


def store_frame(store) -> pd.DataFrame:
    import duckdb

    return duckdb.sql(f"SELECT * FROM read_parquet('{store}/data/*/*.parquet', hive_partitioning = true, "
                      f"hive_types = {{'dep': VARCHAR}}) ORDER BY siren").df()


def test_ingest_types_partitions_and_rejects(tmp_path):
    src = write_register(tmp_path / "StockEtablissement_utf8.csv", HAND)
    with open(src, "a", encoding="utf-8") as f:
        f.write("123456789,00010,too,few,fields\n")
    s = ingest_sirene(src, tmp_path / "store")
    assert s.rows == 4
    assert s.rejected == {"bad commune code": 1, "bad creation date": 1, "wrong number of fields": 1}
    df = store_frame(tmp_path / "store")
    assert df["commune"].tolist()[:3] == ["35238", "2A004", "97411"]
    assert df["dep"].tolist() == ["35", "2A", "974", "99"]
    assert df["active"].tolist() == [True, False, True, True]
    assert df["head_office"].tolist() == [True, True, False, True]
    assert pd.isna(df["created"][2]) and str(df["created"][0])[:10] == "2012-03-01"
    schema = pq.read_schema(next((tmp_path / "store" / "data").glob("dep=35/*.parquet")))
    assert str(schema.field("commune").type) == "string" and str(schema.field("created").type) == "date32[day]"
    assert pq.ParquetFile(next((tmp_path / "store" / "data").glob("dep=35/*.parquet"))).metadata \
        .row_group(0).column(0).compression == "ZSTD"
    m = read_manifest(tmp_path / "store")
    assert m["rows"] == 4 and m["source"]["sha256"] and m["partitioned_by"] == "dep"
    assert sorted((tmp_path / "store" / "rejected").iterdir())  # the rejected rows are kept aside


def test_zip_gives_the_same_store(tmp_path):
    src = write_register(tmp_path / "StockEtablissement_utf8.csv", HAND[:4])
    with zipfile.ZipFile(tmp_path / "StockEtablissement_utf8.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, "StockEtablissement_utf8.csv")
    ingest_sirene(src, tmp_path / "a")
    ingest_sirene(tmp_path / "StockEtablissement_utf8.zip", tmp_path / "b")
    pd.testing.assert_frame_equal(store_frame(tmp_path / "a"), store_frame(tmp_path / "b"))


def test_audit_reads_the_store_transparently(evidence, mini_campaign):
    small = read_evidence_folder(evidence, mini_campaign)
    from_csv, info_csv = compute_measures(connect("duckdb"), mini_campaign, evidence, small)
    ingest_sirene(evidence / "StockEtablissement_utf8.csv", evidence / sirene.STORE_NAME)
    assert sirene.find_stock(evidence).parent == evidence / sirene.STORE_NAME
    from_store, info_store = compute_measures(connect("duckdb"), mini_campaign, evidence, small)
    assert info_store["register_rows"] == info_csv["register_rows"] == ROWS
    pd.testing.assert_frame_equal(from_csv, from_store)
    assert from_store["tech_active"].sum() > 0


def test_department_pruning(evidence, mini_campaign):
    store = evidence / sirene.STORE_NAME
    ingest_sirene(evidence / "StockEtablissement_utf8.csv", store)
    con = connect("duckdb")
    t = sirene.establishments(con, store, departments=["35", "29"]).table
    communes = con.execute(t.commune.substr(0, 2).name("dep").as_table().distinct())["dep"].tolist()
    assert set(communes) <= {"35", "29"} and communes


def test_stale_store_is_ignored(evidence):
    ingest_sirene(evidence / "StockEtablissement_utf8.csv", evidence / sirene.STORE_NAME)
    csv_file = evidence / "StockEtablissement_utf8.csv"
    os.utime(csv_file, (1, 1))  # a newer download of the stock would differ in size or date
    assert sirene.find_stock(evidence) == csv_file


def test_interrupted_ingest_keeps_the_old_store_and_resumes(evidence):
    src = evidence / "StockEtablissement_utf8.csv"
    store = evidence / sirene.STORE_NAME
    old = write_register(evidence / "old.csv", HAND[:2])
    ingest_sirene(old, store)
    def interrupt(total, done):
        if done > 1.5 * (1 << 20):  # during the second part
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_sirene(src, store, progress=interrupt, part_bytes=1 << 20, block_bytes=256 << 10)
    assert read_manifest(store)["rows"] == 2  # the previous store is untouched
    s = ingest_sirene(src, store, part_bytes=1 << 20, block_bytes=256 << 10)
    assert s.resumed_parts >= 1 and s.rows == ROWS
    assert len(store_frame(store)) == ROWS
    fresh = ingest_sirene(src, evidence / "fresh")
    pd.testing.assert_frame_equal(store_frame(store), store_frame(evidence / "fresh"))
    assert ingest_sirene(src, store).up_to_date
    assert not any(p.name.startswith(".") for p in evidence.iterdir())  # no work folder left behind
    assert fresh.rows == ROWS


def test_cli_ingest_then_audit(evidence, mini_campaign, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["ingest", "sirene", str(evidence / "StockEtablissement_utf8.csv")])
    assert r.exit_code == 0, r.output
    assert f"rows: {ROWS:,}" in r.output and "rejected rows: 0" in r.output
    assert is_store(evidence / sirene.STORE_NAME)
    r = runner.invoke(main, ["ingest", "sirene", str(evidence / "StockEtablissement_utf8.csv")])
    assert "up to date" in r.output
    result = run_audit(mini_campaign, evidence, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"]["establishments"]["path"].endswith("StockEtablissement_store/manifest.json")
    assert result.measures["tech_created"].sum() > 0


def _row(commune, created, naf="62.01Z", state="A", since="", head="true"):
    return dict(codeCommuneEtablissement=commune, activitePrincipaleEtablissement=naf,
                dateCreationEtablissement=created, etatAdministratifEtablissement=state, dateDebut=since,
                etablissementSiege=head)


# Each row a case of the window 2010-01-01..2014-12-31 (what the store's scan must count as the engine does).
EDGES = [
    _row("2A004", "2012-01-01"),                                    # Corsica: created, active
    _row("2B033", "2010-01-01", head="false"),                      # the window's first day, no head office
    _row("2B033", "2014-12-31"),                                    # its last day
    _row("2B033", "2009-12-31"),                                    # the day before: active only
    _row("2B033", "2015-01-01"),                                    # after: nothing
    _row("", "2012-06-01"),                                         # abroad
    _row("35238", ""),                                              # creation unknown: long ago, active
    _row("35238", "2011-01-01", state="F", since="2016-05-01"),     # closed after the end: active then
    _row("35238", "2011-01-01", state="F", since="2014-12-31"),     # closed on the last day: not
    _row("35238", "2011-01-01", state="F", since="2013-01-01"),     # closed before the end: not
    _row("35238", "2011-01-01", state="F", since=""),               # closed, day unknown: not
    _row("35238", "2016-01-01", state="F", since="2017-01-01"),     # created after the end: not
    _row("35238", "1500-03-01"),                                    # long before any day the key holds
    _row("35238", "3100-01-01"),                                    # long after
    _row("29019", "1500-03-01", state="F", since="3100-01-01"),     # closed long after the end
    _row("29019", "2012-01-01", naf=""),                            # no NAF code: no tech count
    _row("29019", "2012-01-01", naf="47.11A"),                      # not tech: new company only
    _row("29019", "2012-01-01", state="F", since="2013-01-01", head=""),
]


def test_store_scan_counts_as_the_engine(tmp_path, mini_campaign):
    from frenchtech.audit.run import _measures_by_source, _window
    from frenchtech.indicators.engine import commune_totals, exact_counts
    from frenchtech.sources import store as sirene_store

    src = write_register(tmp_path / "StockEtablissement_utf8.csv", EDGES)
    store = tmp_path / "store"
    ingest_sirene(src, store)
    w = _window(mini_campaign)
    ms = _measures_by_source(mini_campaign, with_declared=True)["establishments"]
    assert sirene_store.scannable(ms, w)
    con = connect("duckdb")
    scan = sirene_store.commune_totals(con, store, ms, w)
    table = sirene.establishments(con, store, at=w.end).table
    engine = exact_counts(con.execute(commune_totals(table, ms, w, extra=sirene.row_checks)), ms)

    def by_commune(frame):
        frame = frame.assign(commune=frame["commune"].astype(object).where(frame["commune"].notna(), "abroad"))
        return frame.set_index("commune").sort_index()[sorted(c for c in frame.columns if c != "commune")]

    pd.testing.assert_frame_equal(by_commune(scan), by_commune(engine), check_dtype=False)
    got = by_commune(scan)[["tech_created", "tech_active", "new_companies", "_rows"]]
    assert got.loc["2A004"].tolist() == [1, 1, 1, 1]
    assert got.loc["2B033"].tolist() == [2, 3, 1, 4]
    assert got.loc["abroad"].tolist() == [1, 1, 1, 1]
    assert got.loc["35238"].tolist() == [4, 3, 4, 8]
    assert got.loc["29019"].tolist() == [1, 1, 2, 4]


def test_scan_only_for_windows_inside_its_days(mini_campaign):
    import datetime as dt

    from frenchtech.audit.run import _measures_by_source, _window
    from frenchtech.indicators.engine import Window
    from frenchtech.sources import store as sirene_store

    ms = _measures_by_source(mini_campaign, with_declared=True)["establishments"]
    w = _window(mini_campaign)
    assert sirene_store.scannable(ms, w)
    assert not sirene_store.scannable(ms, Window(dt.date(1500, 1, 1), w.end, w.tech_naf))
    assert not sirene_store.scannable(ms, Window(w.start, dt.date(3100, 1, 1), w.tech_naf))


def test_a_store_of_an_earlier_format_is_refused(evidence, mini_campaign):
    from frenchtech.errors import InputError

    store = evidence / sirene.STORE_NAME
    ingest_sirene(evidence / "StockEtablissement_utf8.csv", store)
    m = read_manifest(store)
    m["format"] = "frenchtech-sirene-store/2"
    (store / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(InputError, match="ingest sirene"):
        compute_measures(connect("duckdb"), mini_campaign, evidence, read_evidence_folder(evidence, mini_campaign))
