"""The same indicator definitions on Spark (local mode) give exactly the DuckDB figures."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from frenchtech.audit.run import compute_measures
from frenchtech.cli import main
from frenchtech.indicators.backends import connect
from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.sources import sirene
from frenchtech.sources.evidence import read_evidence_folder
from frenchtech.sources.store import ingest_sirene


@pytest.fixture(scope="module")
def both(generated, mini_campaign, spark, tmp_path_factory):
    """Every measure on DuckDB and on Spark, the register read from the store."""
    small = read_evidence_folder(generated, mini_campaign)
    folder = tmp_path_factory.mktemp("ev-store")
    ingest_sirene(generated / "StockEtablissement_utf8.csv", folder / sirene.STORE_NAME)
    return {engine: compute_measures(connect(engine, session=spark) if engine == "spark" else connect(engine),
                                     mini_campaign, folder, small)
            for engine in ("duckdb", "spark")}


def test_every_measure_is_computed(both):
    measures, _ = both["duckdb"]
    # i-Lab laureates are never located in a generated register: no laureates measure here
    assert set(measures.columns) == {m.id for m in load_catalogue().measures.values() if m.source != "laureates"}
    assert (measures.sum() > 0).all()


def test_spark_equals_duckdb_exactly_from_the_store(both):
    duck, duck_info = both["duckdb"]
    spark, spark_info = both["spark"]
    pd.testing.assert_frame_equal(duck, spark, check_exact=True)
    assert duck_info["register_rows"] == spark_info["register_rows"]


def test_cli_audit_on_spark_equals_duckdb_from_the_csv(generated, spark, tmp_path):
    """`audit --engine spark` end to end, register read from the CSV: every artefact identical."""
    r = CliRunner().invoke(main, ["audit", "--campaign", "tests/fixtures/mini-2014.toml", "--evidence",
                                  str(generated), "--out", str(tmp_path / "out"), "--engine", "spark"])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["engine"] == "spark"
    duck = CliRunner().invoke(main, ["audit", "--campaign", "tests/fixtures/mini-2014.toml", "--evidence",
                                     str(generated), "--out", str(tmp_path / "duck")])
    assert duck.exit_code == 0
    measures = pd.read_csv(tmp_path / "out" / "measures.csv")
    # every measure of the catalogue (but i-Lab laureates, never located in a generated register)
    assert {m.id for m in load_catalogue().measures.values() if m.source != "laureates"} <= set(measures.columns)
    for name in ("measures.csv", "indicators.csv", "scores.csv", "decisions.csv"):
        assert (tmp_path / "out" / name).read_text() == (tmp_path / "duck" / name).read_text(), name


def test_spark_refuses_a_zip_with_a_clear_error(tmp_path, spark):
    import zipfile

    from frenchtech.errors import InputError

    from .conftest import write_register

    csv = write_register(tmp_path / "StockEtablissement_utf8.csv", [dict(codeCommuneEtablissement="35238")])
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as zf:
        zf.write(csv, csv.name)
    with pytest.raises(InputError, match="ingest sirene"):
        sirene.establishments(connect("spark", session=spark), tmp_path / "s.zip")
