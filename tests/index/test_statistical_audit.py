"""Statistical audit values by hand, and the click commands run in-process."""
import numpy as np
import pandas as pd
from click.testing import CliRunner

from frenchtech.index import audit, build
from frenchtech.cli.index import index
from frenchtech.index.statistical_audit import (
    correlations,
    cronbach,
    leave_one_out,
    pca,
)

DATA = "src/frenchtech/index/data/asem/"


def test_cronbach_by_hand():
    # var a = 1, var b = 4, cov = 2: alpha = k^2 mean(off-diagonal) / sum = 4*2/(1+4+2+2) = 8/9,
    # the textbook k/(k-1) (1 - sum(var)/var(total)) = 2 (1 - 5/9)
    x = pd.DataFrame({"a": [0.0, 1, 2], "b": [0.0, 2, 4]})
    assert np.isclose(cronbach(x), 8 / 9)


def test_pca_of_perfectly_correlated_pair():
    p = pca(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8]}))
    np.testing.assert_allclose(p["var_explained"], [1, 0], atol=1e-12)
    np.testing.assert_allclose(np.abs(p["loadings"]["PC1"]), [2 ** -0.5] * 2)


def test_audit_on_asem(asem, asem_spec):
    res = build(*asem, asem_spec)
    a = audit(res)
    st = a["stats"].set_index("iCode")
    raw = asem[0].set_index("uCode")
    assert np.isclose(st.loc["LPI", "Std"], raw["LPI"].std(ddof=1))
    assert st.loc["LPI", "N.Avail"] == raw["LPI"].notna().sum()
    assert "GDP" in st.loc["Goods", "Flag.Denom"]
    assert set(a["cronbach"].index) == set(res.framework.aggregates)
    par = a["correlations"]["level2_with_parent"]
    assert set(zip(par.Var1, par.Var2)) <= {(c, res.framework.parent[c]) for c in par.Var1}
    sp = correlations(res, (1, 1), "spearman", pval=0, wide=True)
    assert np.isclose(sp.loc["LPI", "Flights"], res.aggregated["LPI"].rank().corr(res.aggregated["Flights"].rank()))


def test_leave_one_out_matches_rebuild(asem, asem_spec):
    res = build(*asem, asem_spec)
    summary, table = leave_one_out(res)
    spec = {k: dict(v) for k, v in asem_spec.items()}
    spec["aggregate"]["w"] = {"Embs": 0}
    again = build(*asem, spec).ranks.set_index("uCode").Rank
    nominal = res.ranks.set_index("uCode").Rank
    np.testing.assert_array_equal(table["Embs"].to_numpy(), (again - nominal).loc[table.index].to_numpy())


def test_cli_build_uncertainty_sensitivity(tmp_path):
    run = CliRunner().invoke
    d, m, s = DATA + "iData.csv", DATA + "iMeta.csv", DATA + "spec.toml"
    r = run(index, ["build", d, m, "--spec", s, "--out", str(tmp_path / "agg.csv"), "--tables", str(tmp_path / "t")])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "agg.csv")
    assert round(out.set_index("uCode").loc["CHE", "Index"], 2) == 68.38
    assert (tmp_path / "t" / "Treated.csv").exists() and (tmp_path / "t" / "audit_stats.csv").exists()
    r = run(index, ["uncertainty", d, m, "--spec", s, "-n", "200", "--quota", "10", "--out", str(tmp_path / "ua.csv")])
    assert r.exit_code == 0, r.output
    assert "PassProbability" in pd.read_csv(tmp_path / "ua.csv").columns
    r = run(index, ["sensitivity", d, m, "--spec", s, "-n", "32", "--out", str(tmp_path / "sa.csv")])
    assert r.exit_code == 0, r.output
    assert list(pd.read_csv(tmp_path / "sa.csv").Variable) == ["winmax", "normalisation", "weights", "aggregation"]


def test_cli_errors_are_clear(tmp_path):
    bad = tmp_path / "spec.toml"
    bad.write_text('[normalise]\nf_n = "n_wrong"\n')
    r = CliRunner().invoke(index, ["build", DATA + "iData.csv", DATA + "iMeta.csv", "--spec", str(bad),
                                   "--out", str(tmp_path / "o.csv")])
    assert r.exit_code != 0 and "n_wrong" in r.output
    r = CliRunner().invoke(index, ["build", "nope.csv", DATA + "iMeta.csv", "--spec", str(bad), "--out", "o.csv"])
    assert r.exit_code != 0 and "nope.csv" in r.output


def test_audit_without_aggregation(asem, asem_spec):
    del asem_spec["aggregate"]
    a = audit(build(*asem, asem_spec))
    assert "leave_one_out" not in a and len(a["stats"]) == 49
    assert len(a["correlations"]["indicators_within_groups"]) > 0
