"""Screening, imputation (cross-section and panel) and per-indicator specifications."""
import numpy as np
import pandas as pd

from frenchtech.index import build


def test_screen_by_availability_and_force(asem):
    idata, imeta = asem
    avail = idata[[c for c in imeta.iCode[imeta.Type == "Indicator"]]].notna().mean(axis=1)
    thr = float(np.sort(avail.unique())[1])        # drops the units below the second-lowest share
    res = build(idata, imeta, {"screen": {"unit_screen": "byNA", "dat_thresh": thr}})
    rep = res.reports["screen"]
    expect = list(idata.uCode[avail < thr])
    assert rep["RemovedUnits"] == expect and len(res.tables["Screened"]) == 51 - len(expect)
    assert rep["DataSummary"].set_index("uCode").loc[expect[0], "LowData"]
    forced = build(idata, imeta, {"screen": {"unit_screen": "byNA", "dat_thresh": thr,
                                             "Force": {expect[0]: True}}})
    assert expect[0] in set(forced.tables["Screened"].uCode)


def test_impute_mean_median_group(asem):
    idata, imeta = asem
    raw = idata.set_index("uCode")
    col = next(c for c in imeta.iCode[imeta.Type == "Indicator"] if raw[c].isna().any())
    u = raw.index[raw[col].isna()][0]
    for f, stat in (("i_mean", raw[col].mean()), ("i_median", raw[col].median())):
        got = build(idata, imeta, {"impute": {"f_i": f}}).tables["Imputed"].set_index("uCode")
        assert np.isclose(got.loc[u, col], stat)
    g = raw["GDP_group"] == raw.loc[u, "GDP_group"]
    got = build(idata, imeta, {"impute": {"f_i": "i_median_grp", "use_group": "GDP_group"}})
    assert np.isclose(got.tables["Imputed"].set_index("uCode").loc[u, col], raw.loc[g, col].median())


def panel():
    idata = pd.DataFrame({"uCode": ["A", "A", "A", "B", "B", "B", "C", "C", "C"],
                          "Time": [2020, 2021, 2022] * 3,
                          "x1": [1.0, np.nan, np.nan, 2, 4, np.nan, 5, 6, 7],
                          "x2": [1.0, 2, 3, 4, 5, 6, 7, 8, 9]})
    imeta = pd.DataFrame([
        {"Level": 1, "iCode": "x1", "Direction": 1, "Weight": 1, "Parent": "T", "Type": "Indicator"},
        {"Level": 1, "iCode": "x2", "Direction": 1, "Weight": 1, "Parent": "T", "Type": "Indicator"},
        {"Level": 2, "iCode": "T", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"}])
    return idata, imeta


def test_panel_latest_and_linear():
    idata, imeta = panel()
    latest = build(idata, imeta, {"impute": {"f_i": "latest"}}).tables["Imputed"].set_index("uCode")
    assert latest.loc["A", "x1"] == 1 and latest.loc["B", "x1"] == 4 and latest.loc["C", "x1"] == 7
    raw = build(idata, imeta, {}).tables["Raw"].set_index("uCode")
    assert np.isnan(raw.loc["A", "x1"])           # the latest time is the index year
    # at the last year, linear interpolation holds the nearest observation (approx(rule = 2))
    lin = build(idata, imeta, {"impute": {"f_i": "linear"}}).tables["Imputed"].set_index("uCode")
    assert lin.loc["A", "x1"] == 1 and lin.loc["B", "x1"] == 4


def test_panel_interpolation_inside_series():
    from frenchtech.index.impute import impute_panel
    v = np.array([[1.0], [np.nan], [5.0], [np.nan]])
    out = impute_panel(v, ["A"] * 4, [2019, 2020, 2021, 2022], "linear")
    np.testing.assert_array_equal(out[:, 0], [1, 3, 5, 5])
    out = impute_panel(v, ["A"] * 4, [2019, 2020, 2021, 2022], "latest", max_time=0)
    assert np.isnan(out[1, 0])


def test_indiv_specs_normalise_and_treat(asem, asem_spec):
    asem_spec["normalise"]["indiv_specs"] = {"LPI": {"f_n": "n_zscore", "f_n_para": [0, 1]}}
    asem_spec["treat"]["indiv_specs"] = {"Flights": "none"}
    res = build(*asem, asem_spec)
    norm = res.tables["Normalised"]
    assert np.isclose(norm["LPI"].mean(), 0) and np.isclose(norm["LPI"].std(ddof=1), 1)
    pd.testing.assert_series_equal(res.tables["Treated"]["Flights"], res.tables["Screened"]["Flights"])


def test_dist2targ_from_imeta_targets(asem, asem_spec):
    asem_spec["normalise"] = {"f_n": "n_dist2targ", "f_n_para": "use_iMeta"}
    res = build(*asem, asem_spec)
    t = res.tables["Treated"].set_index("uCode")
    n = res.tables["Normalised"].set_index("uCode")
    meta = asem[1].set_index("iCode")
    # positive indicator: (x - min)/(target - min)
    x, targ = t["LPI"], meta.loc["LPI", "Target"]
    np.testing.assert_allclose(n["LPI"], (x - x.min()) / (targ - x.min()), rtol=1e-12)
    # negative indicator: (max - x)/(max - target)
    x, targ = t["CO2"], meta.loc["CO2", "Target"]
    np.testing.assert_allclose(n["CO2"], (x.max() - x) / (x.max() - targ), rtol=1e-12)
