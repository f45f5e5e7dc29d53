"""The ASEM example built with COINr's build_example_coin() steps, checked against COINr's results."""
import numpy as np
import pandas as pd
import pytest

from frenchtech.index import build, clone, pipeline

# COINr vignette "Presenting Results": get_results(build_example_coin(), "Aggregated"), 2 decimals
PUBLISHED = pd.DataFrame({
    "uCode": ["CHE", "NLD", "DNK", "NOR", "BEL", "SWE"],
    "Index": [68.38, 64.82, 64.80, 64.47, 63.54, 63.00],
    "Conn": [62.79, 61.94, 57.10, 57.44, 63.99, 53.87],
    "Sust": [73.98, 67.70, 72.51, 71.50, 63.09, 72.12],
    "Physical": [63.41, 64.87, 50.52, 58.18, 71.97, 51.51],
    "ConEcFin": [32.87, 46.62, 30.43, 25.70, 48.22, 23.87],
    "Political": [74.78, 84.55, 78.13, 80.03, 80.84, 80.98],
    "Instit": [85.94, 71.74, 75.35, 89.46, 75.60, 74.51],
    "P2P": [56.93, 41.92, 51.04, 33.80, 43.32, 38.50],
    "Environ": [77.21, 58.73, 69.83, 70.90, 53.01, 66.37],
    "Social": [87.85, 86.58, 86.40, 87.00, 86.17, 87.74],
    "SusEcFin": [56.88, 57.78, 61.29, 56.59, 50.09, 62.27],
}).set_index("uCode")


def test_asem_matches_coinr_published_results(asem, asem_spec):
    res = build(*asem, asem_spec)
    got = res.aggregated.set_index("uCode").loc[PUBLISHED.index, PUBLISHED.columns]
    np.testing.assert_allclose(got.to_numpy(), PUBLISHED.to_numpy(), atol=0.005 + 1e-9)
    top = res.ranks.sort_values("Rank").head(6)
    assert list(top["uCode"]) == list(PUBLISHED.index)
    assert list(top["Rank"]) == [1, 2, 3, 4, 5, 6]


def test_aggregated_table_layout(asem, asem_spec):
    res = build(*asem, asem_spec)
    fw = res.framework
    assert list(res.aggregated.columns) == ["uCode"] + fw.indicators + fw.aggregates
    assert fw.aggregates[:2] == ["Physical", "ConEcFin"] and fw.aggregates[-3:] == ["Conn", "Sust", "Index"]
    assert list(res.tables) == ["Raw", "Denominated", "Imputed", "Screened", "Treated", "Normalised", "Aggregated"]
    assert len(res.aggregated) == 51


def test_intermediate_tables_by_hand(asem, asem_spec):
    idata, imeta = asem
    res = build(idata, imeta, asem_spec)
    raw = idata.set_index("uCode")
    den = res.tables["Denominated"].set_index("uCode")
    # Flights is denominated by Population in iMeta
    assert den.loc["AUT", "Flights"] == raw.loc["AUT", "Flights"] / raw.loc["AUT", "Population"]
    assert den.loc["AUT", "LPI"] == raw.loc["AUT", "LPI"]
    # i_mean_grp: a missing value takes the mean of its EurAsia group
    miss = raw["Ship"].isna()
    if miss.any():
        u = raw.index[miss][0]
        grp = raw["EurAsia_group"] == raw.loc[u, "EurAsia_group"]
        expect = (raw["Ship"] / 1)[grp].mean()
        assert np.isclose(res.tables["Imputed"].set_index("uCode").loc[u, "Ship"], expect, rtol=1e-12)
    # min-max with direction -1: the lowest raw tariff scores 100
    norm = res.tables["Normalised"].set_index("uCode")
    treated = res.tables["Treated"].set_index("uCode")
    assert norm.loc[treated["Tariff"].idxmin(), "Tariff"] == 100
    # each pillar is the plain mean of its normalised indicators (all weights 1, no missing data)
    kids = res.framework.children["Political"]
    assert np.isclose(res.aggregated.set_index("uCode").loc["AUT", "Political"], norm.loc["AUT", kids].mean(),
                      rtol=1e-12)


def test_treatment_report(asem, asem_spec):
    res = build(*asem, asem_spec)
    det = res.reports["treat"]["Dets_Table"].set_index("iCode")
    assert det.loc["Flights", "nwin"] == 1 and det.loc["Services", "nwin"] == 4
    assert (det.loc[det["nwin"] > 0, "Pass1"] == 1).all()
    pts = res.reports["treat"]["Treated_Points"]
    assert (pts["Services"] == "winhi").sum() >= 1


def test_step_left_out_is_not_run(asem, asem_spec):
    del asem_spec["treat"]
    res = build(*asem, asem_spec)
    assert "Treated" not in res.tables
    pd.testing.assert_frame_equal(res.tables["Normalised"].iloc[:, 1:].reset_index(drop=True),
                                  res.aggregated.iloc[:, 1:50].reset_index(drop=True))


def test_params_set_get_clone(asem, asem_spec):
    pipe = pipeline(asem_spec)
    params = pipe.get_params()
    assert params["normalise__f_n"] == "n_minmax" and params["treat__winmax"] == 5
    other = clone(pipe)
    other.set_params(normalise__f_n="n_zscore", normalise__f_n_para=[10, 2], treat__winmax=1)
    assert pipe.get_params()["normalise__f_n"] == "n_minmax"
    a, b = pipe.run(*asem), other.run(*asem)
    assert not np.allclose(a.aggregated["Index"], b.aggregated["Index"])
    z = b.tables["Normalised"]["LPI"]
    assert np.isclose(z.mean(), 10) and np.isclose(z.std(ddof=1), 2)
    other.set_params(treat=None)
    assert "Treated" not in other.run(*asem).tables


def test_toml_spec_file(tmp_path, asem):
    p = tmp_path / "spec.toml"
    p.write_text('[denominate]\n[impute]\nf_i = "i_mean_grp"\nuse_group = "EurAsia_group"\n'
                 '[screen]\nunit_screen = "byNA"\ndat_thresh = 0.9\n[treat]\nf1 = "winsorise"\nwinmax = 5\n'
                 'skew_thresh = 2\nkurt_thresh = 3.5\n[normalise]\nf_n = "n_minmax"\nf_n_para = [0, 100]\n'
                 '[aggregate]\nf_ag = "a_amean"\n')
    res = build(*asem, p)
    assert round(res.aggregated.set_index("uCode").loc["CHE", "Index"], 2) == 68.38


@pytest.mark.parametrize("f_ag", ["a_gmean", "a_hmean", "a_copeland"])
def test_other_aggregations_run(asem, asem_spec, f_ag):
    asem_spec["normalise"]["f_n_para"] = [1, 100]
    asem_spec["aggregate"]["f_ag"] = f_ag
    res = build(*asem, asem_spec)
    assert res.aggregated["Index"].notna().all()


def test_genmean_p1_equals_amean(asem, asem_spec):
    a = build(*asem, asem_spec).aggregated["Index"]
    asem_spec["aggregate"].update(f_ag="a_genmean", f_ag_para={"p": 1})
    b = build(*asem, asem_spec).aggregated["Index"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_per_level_methods_and_weights(asem, asem_spec):
    asem_spec["normalise"]["f_n_para"] = [1, 100]
    asem_spec["aggregate"] = {"f_ag": ["a_amean", "a_gmean", "a_amean"], "w": {"Conn": 3, "Sust": 1}}
    res = build(*asem, asem_spec)
    t = res.aggregated.set_index("uCode")
    np.testing.assert_allclose(t["Index"], (3 * t["Conn"] + t["Sust"]) / 4, rtol=1e-12)
    kids = res.framework.children["Conn"]
    np.testing.assert_allclose(t["Conn"], np.exp(np.log(t[kids]).mean(axis=1)), rtol=1e-12)


def test_equal_pca_optimised_weights(asem, asem_spec):
    from frenchtech.index.statistical_audit import pca
    for w in ("equal", "pca", "optimised"):
        asem_spec["aggregate"]["w"] = w
        res = build(*asem, asem_spec)
        ws = res.reports["aggregate"]["Weights"]
        kids = res.framework.children["Physical"]
        got = np.array([ws[k] for k in kids])
        if w == "optimised":   # each level's weights are normalised over the whole level
            assert np.isclose(sum(ws[c] for c in res.framework.codes_at(2)), 1)
        if w == "pca":   # COINr's get_PCA: PC1 loadings of the standardised children
            pc1 = pca(res.tables["Normalised"][kids])["loadings"]["PC1"].to_numpy()
            np.testing.assert_allclose(np.abs(got), np.abs(pc1), rtol=1e-9)
        assert res.aggregated["Index"].notna().all()


def test_effective_weights(asem):
    from frenchtech.index import read_framework
    ew = read_framework(asem[1]).effective_weights()
    assert np.isclose(ew["LPI"], 1 / 8 / 5 / 2) and np.isclose(ew["Conn"], 0.5)
    assert np.isclose(ew[[c for c in ew.index if c in read_framework(asem[1]).indicators]].sum(), 1)


def test_to_spec_round_trip(asem, asem_spec):
    pipe = pipeline(asem_spec)
    again = pipeline(pipe.to_spec())
    assert again.get_params(deep=True).keys() == pipe.get_params(deep=True).keys()
    pd.testing.assert_frame_equal(again.run(*asem).aggregated, pipe.run(*asem).aggregated)
    off = pipeline({"treat": {"f2": None, "winmax": 1}})
    assert off.to_spec() == {"treat": {"f2": None, "winmax": 1}}


def test_coinr_nested_global_specs(asem, asem_spec):
    nested = {k: dict(v) for k, v in asem_spec.items()}
    nested["normalise"] = {"global_specs": {"f_n": "n_minmax", "f_n_para": {"l_u": [0, 100]}}}
    nested["treat"] = {"global_specs": {"f1": "winsorise", "f1_para": {"winmax": 5}, "f2": "log_CT"}}
    pd.testing.assert_frame_equal(build(*asem, nested).aggregated, build(*asem, asem_spec).aggregated)


def test_optimised_level_weights_balance_correlations(asem, asem_spec):
    from frenchtech.index import weights as wts
    res = build(*asem, asem_spec)
    fw, step = res.framework, res.pipeline.named_steps()["aggregate"]
    x = res.state.x[:, :len(fw.indicators)]
    methods = step.methods(fw)
    _, before = wts.optimise_level(fw, x, dict(fw.weight), methods, 2, maxiter=1)
    w, after = wts.optimise_level(fw, x, dict(fw.weight), methods, 2)
    spread = lambda c: np.sum((c / c.sum() - 1 / len(c)) ** 2)
    assert spread(after) < spread(before)
    assert np.isclose(sum(w[c] for c in fw.codes_at(2)), 1)
