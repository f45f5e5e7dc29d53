"""Bad input gives a clear error naming the element at fault."""
import numpy as np
import pandas as pd
import pytest

from frenchtech.index import IndexInputError, build, read_framework


def err(fn):
    with pytest.raises(IndexInputError) as e:
        fn()
    return str(e.value)


def test_unknown_method_named(asem, asem_spec):
    asem_spec["normalise"]["f_n"] = "n_magic"
    assert "n_magic" in err(lambda: build(*asem, asem_spec))
    asem_spec["normalise"]["f_n"] = "n_minmax"
    asem_spec["aggregate"]["f_ag"] = "a_median"
    assert "a_median" in err(lambda: build(*asem, asem_spec))
    assert "i_guess" in err(lambda: build(*asem, {"impute": {"f_i": "i_guess"}}))
    assert "f_bogus" in err(lambda: build(*asem, {"treat": {"f_bogus": 1}}))
    assert "nonsense" in err(lambda: build(*asem, {"nonsense": {}}))


def test_weight_on_missing_indicator(asem, asem_spec):
    asem_spec["aggregate"]["w"] = {"Ghost": 2}
    assert "Ghost" in err(lambda: build(*asem, asem_spec))


def test_cycle_named(asem):
    imeta = asem[1].copy()
    imeta.loc[imeta.iCode == "Conn", "Parent"] = "Physical"
    msg = err(lambda: read_framework(imeta))
    assert "cycle" in msg and "Conn" in msg and "Physical" in msg


def test_orphan_named(asem):
    imeta = asem[1].copy()
    imeta.loc[imeta.iCode == "LPI", "Parent"] = "Nowhere"
    msg = err(lambda: read_framework(imeta))
    assert "LPI" in msg and "Nowhere" in msg
    imeta = asem[1].copy()
    imeta.loc[imeta.iCode == "Social", "Parent"] = np.nan
    assert "Social" in err(lambda: read_framework(imeta))


def test_all_missing_indicator_named(asem, asem_spec):
    idata = asem[0].copy()
    idata["Ship"] = np.nan
    assert "'Ship'" in err(lambda: build(idata, asem[1], asem_spec))


def test_non_numeric_named(asem, asem_spec):
    idata = asem[0].copy()
    idata["LPI"] = idata["LPI"].astype(object)
    idata.loc[3, "LPI"] = "n/a (see note)"
    msg = err(lambda: build(idata, asem[1], asem_spec))
    assert "LPI" in msg and "n/a (see note)" in msg and idata.loc[3, "uCode"] in msg


def test_missing_indicator_column_named(asem, asem_spec):
    msg = err(lambda: build(asem[0].drop(columns=["Gas"]), asem[1], asem_spec))
    assert "Gas" in msg


def test_bad_direction_and_weight(asem):
    imeta = asem[1].copy()
    imeta.loc[imeta.iCode == "CO2", "Direction"] = 2
    imeta.loc[imeta.iCode == "Forest", "Weight"] = -1
    msg = err(lambda: read_framework(imeta))
    assert "CO2" in msg and "Forest" in msg


def test_gmean_of_zero_names_aggregate_and_unit(asem, asem_spec):
    asem_spec["aggregate"]["f_ag"] = "a_gmean"       # min-max from 0: zeros break the geometric mean
    msg = err(lambda: build(*asem, asem_spec))
    assert "a_gmean" in msg and "Physical" in msg


def test_coinr_tables_round_trip(tmp_path, asem, asem_spec):
    from frenchtech.index import read_coinr, write_coinr
    a, b = write_coinr(*asem, tmp_path)
    idata, imeta = read_coinr(a, b)
    pd.testing.assert_frame_equal(build(idata, imeta, asem_spec).aggregated, build(*asem, asem_spec).aggregated)
