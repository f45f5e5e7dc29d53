"""Active on the window's last day on Spark: the same answer as DuckDB, case by case and on the demo."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from frenchtech.audit.run import compute_measures
from frenchtech.indicators.backends import connect
from frenchtech.sources import sirene
from frenchtech.sources.store import ingest_sirene
from tests.sources.test_state_at_date import CASES, active_on, write_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("layout", ["csv", "store"])
@pytest.mark.parametrize("method", ["historique", "stock-dateDebut"])
def test_each_case_on_spark(tmp_path, spark, layout, method):
    folder = write_case(tmp_path / "ev", with_history=method == "historique")
    if layout == "store":
        ingest_sirene(folder / "StockEtablissement_utf8.csv", folder / sirene.STORE_NAME)
        (folder / "StockEtablissement_utf8.csv").unlink()
    got = active_on(connect("spark", session=spark), folder)
    column = 4 if method == "historique" else 5
    assert got == {name: case[column] for name, case in CASES.items()}
    assert got == active_on(connect("duckdb"), folder)


def test_spark_and_duckdb_agree_on_the_demo_replayed_with_the_history(tmp_path_factory, spark):
    """The 2014 demo at its size (500,000 rows): establishments closed after 2014 count as active at
    its end on both engines, from the CSV files and from the store."""
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(ROOT / "campaigns" / "metropoles-2014.toml")
    folder = tmp_path_factory.mktemp("demo")
    generate_evidence(campaign, folder, rows=500_000, seed=campaign.seed)
    results = {engine: compute_measures(connect(engine, session=spark) if engine == "spark" else connect(engine),
                                        campaign, folder, None) for engine in ("duckdb", "spark")}
    store = tmp_path_factory.mktemp("demo-store")
    ingest_sirene(folder / "StockEtablissement_utf8.csv", store / sirene.STORE_NAME)
    (store / "StockEtablissementHistorique_utf8.csv").symlink_to(folder / "StockEtablissementHistorique_utf8.csv")
    results["spark-store"] = compute_measures(connect("spark", session=spark), campaign, store, None)
    duck, info = results["duckdb"]
    assert info["active_at_end"]["method"] == "historique"
    for name, (measures, other) in results.items():
        assert other["active_at_end"]["method"] == "historique", name
        pd.testing.assert_frame_equal(duck, measures, check_exact=True)

    # today's state alone would count fewer: the closures after 2014 are what the history adds back
    stock = pd.read_csv(folder / "StockEtablissement_utf8.csv", dtype=str, keep_default_na=False,
                        usecols=["siret", "etatAdministratifEtablissement", "dateDebut"])
    closed_after = ((stock["etatAdministratifEtablissement"] == "F") & (stock["dateDebut"] > "2014-12-31")).sum()
    assert closed_after > 1000
