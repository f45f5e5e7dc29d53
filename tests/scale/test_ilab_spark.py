"""i-Lab laureates are located in the register's single scan alike on Spark and on DuckDB."""
from __future__ import annotations

import pandas as pd

from frenchtech.audit import run_audit
from frenchtech.indicators.backends import connect
from tests.sources.test_ilab import _campaign, _picks, _register


def test_laureates_on_spark_equal_duckdb(tmp_path, spark):
    evidence = _register(tmp_path, *_picks())
    campaign = _campaign(tmp_path, scored=True)
    duck = run_audit(campaign, evidence, tmp_path / "duckdb")
    on_spark = run_audit(campaign, evidence, tmp_path / "spark", engine="spark", con=connect("spark", session=spark))
    assert duck.measures["ilab_laureates"].to_dict() == {"paris": 1, "rennes": 2, "brest": 0}
    pd.testing.assert_frame_equal(duck.measures, on_spark.measures, check_exact=True)
    assert (tmp_path / "duckdb" / "laureates.csv").read_bytes() == (tmp_path / "spark" / "laureates.csv").read_bytes()
