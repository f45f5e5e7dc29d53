"""The SIRENE stock reader: valid files in every format, and broken ones with a clear error."""
from __future__ import annotations

import zipfile

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from frenchtech.audit.run import compute_measures
from frenchtech.errors import InputError
from frenchtech.indicators.backends import connect
from frenchtech.sources import csvscan, sirene
from tests.conftest import write_stock

ROWS = [
    dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z", dateCreationEtablissement="2012-03-01"),
    dict(codeCommuneEtablissement="29019", activitePrincipaleEtablissement="62.01Z", dateCreationEtablissement="2013-03-01"),
    dict(codeCommuneEtablissement="2B033", activitePrincipaleEtablissement="62.01Z", dateCreationEtablissement="2013-03-01"),
]


@pytest.fixture(autouse=True, params=["extractor", "duckdb-reader"])
def text_reader(request, monkeypatch):
    """Every test runs with both readers of text files: the compiled field extractor, and DuckDB's
    own CSV reader (used where the extractor is not built)."""
    if request.param == "duckdb-reader":
        monkeypatch.setattr(csvscan, "_csvscan", None)
    elif not csvscan.available():
        pytest.skip("the C extractor is not built")
    return request.param


def measures(folder, campaign):
    return compute_measures(connect("duckdb"), campaign, folder, None)[0]


def test_csv_zip_and_parquet_give_the_same_counts(tmp_path, mini_campaign):
    csv_dir, zip_dir, pq_dir = (tmp_path / n for n in ("csv", "zip", "parquet"))
    path = write_stock(csv_dir / "StockEtablissement_utf8.csv", ROWS)
    zip_dir.mkdir()
    with zipfile.ZipFile(zip_dir / "StockEtablissement_utf8.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "StockEtablissement_utf8.csv")
    pq_dir.mkdir()
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in sirene.ESTABLISHMENT_FIELDS}))
    pq.write_table(table, pq_dir / "StockEtablissement.parquet")
    results = [measures(d, mini_campaign) for d in (csv_dir, zip_dir, pq_dir)]
    for r in results:
        assert r.loc["rennes", "tech_created"] == 1
        assert r.loc["brest", "tech_created"] == 1
    assert results[0].equals(results[1]) and results[0].equals(results[2])


def test_codes_stay_text(tmp_path):
    write_stock(tmp_path / "StockEtablissement_utf8.csv", [dict(codeCommuneEtablissement="01001", siren="000000001")])
    src = sirene.establishments(connect("duckdb"), tmp_path / "StockEtablissement_utf8.csv")
    row = src.table.execute().iloc[0]
    assert row["commune"] == "01001" and row["siren"] == "000000001"


def _error(tmp_path, mini_campaign) -> InputError:
    with pytest.raises(InputError) as info:
        measures(tmp_path, mini_campaign)
    return info.value


def test_wrong_columns(tmp_path, mini_campaign):
    (tmp_path / "StockEtablissement_utf8.csv").write_text("siren,nic,commune\n123456789,00010,35238\n")
    err = _error(tmp_path, mini_campaign)
    assert "line 1" in str(err) and "codeCommuneEtablissement" in str(err) and "expected" in str(err)


def test_bad_commune_code_names_the_line(tmp_path, mini_campaign):
    write_stock(tmp_path / "StockEtablissement_utf8.csv", ROWS + [dict(codeCommuneEtablissement="3523")])
    err = _error(tmp_path, mini_campaign)
    assert "line 5" in str(err) and "codeCommuneEtablissement" in str(err) and "'3523'" in str(err)


def test_bad_date_names_the_line(tmp_path, mini_campaign):
    write_stock(tmp_path / "StockEtablissement_utf8.csv", [ROWS[0], dict(dateCreationEtablissement="12/03/2012")] + ROWS)
    err = _error(tmp_path, mini_campaign)
    assert "line 3" in str(err) and "dateCreationEtablissement" in str(err) and "YYYY-MM-DD" in str(err)


def test_truncated_file(tmp_path, mini_campaign):
    path = write_stock(tmp_path / "StockEtablissement_utf8.csv", ROWS)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 120])  # the last row loses its last columns
    err = _error(tmp_path, mini_campaign)
    assert str(path) in str(err) and "line" in str(err)


def test_wrong_encoding(tmp_path, mini_campaign):
    path = write_stock(tmp_path / "StockEtablissement_utf8.csv",
                       ROWS + [dict(libelleCommuneEtablissement="SAINT-ÉTIENNE")])
    path.write_bytes(path.read_text("utf-8").encode("latin-1"))
    err = _error(tmp_path, mini_campaign)
    assert str(path) in str(err) and ("UTF-8" in str(err) or "unicode" in str(err).lower())


def test_missing_register(tmp_path, mini_campaign):
    err = _error(tmp_path, mini_campaign)
    assert "StockEtablissement" in str(err)
