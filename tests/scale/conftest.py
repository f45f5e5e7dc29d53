"""Fixtures for the store, fetch and Spark tests: one generated evidence folder, one Spark session."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from frenchtech.sources.sirene_columns import ESTABLISHMENT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
ROWS = 30_000


def write_register(path: Path, rows: list[dict]) -> Path:
    """A StockEtablissement CSV with INSEE's header; unspecified columns are empty."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=ESTABLISHMENT_COLUMNS, lineterminator="\n")
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({"siren": f"{100000000 + i:09d}", "nic": "00010", "etablissementSiege": "true",
                        "etatAdministratifEtablissement": "A", **r})
    return path


@pytest.fixture(scope="session")
def mini_campaign():
    from frenchtech.campaign import load_campaign

    return load_campaign(ROOT / "tests" / "fixtures" / "mini-2014.toml")


@pytest.fixture(scope="session")
def generated(tmp_path_factory, mini_campaign) -> Path:
    """A generated evidence folder (register of ROWS rows, rounds, structures, initiatives)."""
    from frenchtech.sources.generate import generate_evidence

    folder = tmp_path_factory.mktemp("evidence")
    generate_evidence(mini_campaign, folder, rows=ROWS, seed=3)
    return folder


@pytest.fixture
def evidence(generated, tmp_path) -> Path:
    """A private copy of the generated folder (tests add stores to it)."""
    target = tmp_path / "evidence"
    shutil.copytree(generated, target)
    return target


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run (it takes seconds to start)."""
    pytest.importorskip("pyspark")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from frenchtech.indicators.backends import spark_session

    session = spark_session("local[2]", conf={"spark.sql.shuffle.partitions": "2",
                                              "spark.default.parallelism": "2"})
    yield session
    session.stop()
