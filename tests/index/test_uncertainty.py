"""Uncertainty and sensitivity analysis: reproducibility, nominal consistency, pass probabilities."""
import numpy as np
import pytest

from frenchtech.index import IndexInputError, build, sensitivity, uncertainty
from frenchtech.index.monte_carlo import rank_rows, rank_summary

COINR_EXAMPLE = [
    {"name": "winmax", "address": "treat__winmax", "values": [1, 2, 3, 4, 5]},
    {"name": "normalisation", "address": "normalise",
     "values": [{"f_n": "n_minmax", "f_n_para": [1, 100]}, {"f_n": "n_zscore", "f_n_para": [10, 2]}]},
    {"name": "weights", "noise": {"2": 0.25, "3": 0.25}, "n_sets": 100},
    {"name": "aggregation", "address": "aggregate__f_ag", "values": ["a_amean", "a_gmean"]},
]


def test_seeded_and_reproducible(asem, asem_spec):
    a = uncertainty(*asem, asem_spec, COINR_EXAMPLE, n=200, seed=7, quota=10)
    b = uncertainty(*asem, asem_spec, COINR_EXAMPLE, n=200, seed=7, quota=10)
    c = uncertainty(*asem, asem_spec, COINR_EXAMPLE, n=200, seed=8, quota=10)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.ranks, c.ranks)
    st = a.rank_stats
    assert list(st.columns) == ["uCode", "Nominal", "Mean", "Median", "Q5", "Q95", "PassProbability"]
    assert (st.Q5 <= st.Median).all() and (st.Median <= st.Q95).all()
    assert st.PassProbability.between(0, 1).all() and np.isclose(st.PassProbability.sum(), 10)


def test_each_replication_equals_a_full_rebuild(asem, asem_spec):
    res = uncertainty(*asem, asem_spec, COINR_EXAMPLE[:2] + COINR_EXAMPLE[3:], n=12, seed=3)
    for r in range(12):
        spec = {k: dict(v) for k, v in asem_spec.items()}
        row = res.inputs.iloc[r]
        spec["treat"]["winmax"] = int(row["winmax"])
        spec["normalise"].update(eval(row["normalisation"]))
        spec["aggregate"]["f_ag"] = row["aggregation"]
        direct = build(*asem, spec).scores().to_numpy()
        np.testing.assert_allclose(res.scores[r], direct, rtol=1e-12)


def test_nominal_matches_build(asem, asem_spec):
    res = uncertainty(*asem, asem_spec, COINR_EXAMPLE, n=5, seed=0)
    b = build(*asem, asem_spec)
    np.testing.assert_array_equal(res.nominal.Rank, b.ranks.Rank)


def test_rank_stats_type7_from_counts():
    ranks = np.array([[1, 2], [2, 1], [3, 1], [4, 2], [5, 1]], dtype=float)
    s = rank_summary(ranks, 5)
    np.testing.assert_allclose(s["Mean"], [3, 1.4])
    np.testing.assert_allclose(s["Median"], [3, 1])
    np.testing.assert_allclose(s["Q5"], np.quantile(ranks, 0.05, axis=0))
    np.testing.assert_allclose(s["Q95"], np.quantile(ranks, 0.95, axis=0))


def test_rank_rows_ties_and_nan():
    r = rank_rows(np.array([[1.0, 3, 3, np.nan]]))
    np.testing.assert_array_equal(r[0], [3, 1, 1, np.nan])


def test_pass_rules(asem, asem_spec):
    inputs = COINR_EXAMPLE[2:3]
    thr = uncertainty(*asem, asem_spec, inputs, n=50, seed=1, threshold=60)
    assert (thr.pass_probability[thr.nominal.Score.to_numpy() > 66].to_numpy() == 1).all()
    rel = uncertainty(*asem, asem_spec, inputs, n=50, seed=1, relative=1.25)
    assert rel.pass_probability.max() == 1
    own = uncertainty(*asem, asem_spec, inputs, n=50, seed=1, rule=lambda s, r: r <= 3)
    assert np.isclose(own.pass_probability.sum(), 3)
    with pytest.raises(IndexInputError):
        uncertainty(*asem, asem_spec, inputs, n=5, quota=3, threshold=50)


def test_failed_replications_give_no_ranks(asem, asem_spec):
    bad = [{"name": "agg", "address": "aggregate__f_ag", "values": ["a_amean", "a_gmean"]}]
    res = uncertainty(*asem, asem_spec, bad, n=40, seed=2)   # min-max from 0 + geometric mean fails
    failed = res.inputs["agg"] == "a_gmean"
    assert res.failed == failed.sum() > 0
    assert np.isnan(res.ranks[failed.to_numpy()]).all()


def test_bad_inputs_named(asem, asem_spec):
    with pytest.raises(IndexInputError, match="nowhere"):
        uncertainty(*asem, asem_spec, [{"name": "x", "address": "nowhere__p", "values": [1]}], n=5)
    with pytest.raises(IndexInputError, match="winmaxx"):
        uncertainty(*asem, asem_spec, [{"name": "x", "address": "treat__winmaxx", "values": [1]}], n=5)


def test_continuous_input_genmean_p(asem, asem_spec):
    asem_spec["normalise"]["f_n_para"] = [1, 100]
    asem_spec["aggregate"].update(f_ag="a_genmean", f_ag_para={"p": 1})
    res = uncertainty(*asem, asem_spec, [{"name": "p", "address": "aggregate__f_ag_para__p",
                                          "range": [0.5, 2]}], n=30, seed=4)
    assert res.inputs["p"].between(0.5, 2).all() and res.failed == 0


def test_sobol_indices(asem, asem_spec):
    s = sensitivity(*asem, asem_spec, COINR_EXAMPLE, n=64, seed=1, n_boot=50)
    t = s.indices.set_index("Variable")
    assert list(t.index) == ["winmax", "normalisation", "weights", "aggregation"]
    assert s.n_runs == 64 * 6
    # the choice of aggregation dominates, as in COINr's example
    assert t.ST.idxmax() == "aggregation"
    assert (t.ST >= -0.05).all() and (t.ST_conf > 0).all()
    s2 = sensitivity(*asem, asem_spec, COINR_EXAMPLE, n=64, seed=1, n_boot=50)
    np.testing.assert_array_equal(s.output, s2.output)


def test_sobol_on_known_function():
    """SALib's estimator through our sampling: y = x1 + 2 x2 (no interaction) -> S1 = 0.2, 0.8."""
    from SALib.analyze import sobol as an
    from SALib.sample import sobol as sm
    prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    X = sm.sample(prob, 1024, calc_second_order=False, seed=1)
    si = an.analyze(prob, X[:, 0] + 2 * X[:, 1], calc_second_order=False, seed=1)
    np.testing.assert_allclose(si["S1"], [0.2, 0.8], atol=0.03)


def test_public_functions_stay_functions_after_use(asem, asem_spec):
    import types

    import frenchtech.index as fi
    fi.audit(fi.build(*asem, asem_spec))
    fi.uncertainty(*asem, asem_spec, COINR_EXAMPLE[:1], n=3)
    for name in ("build", "uncertainty", "sensitivity", "audit", "pipeline"):
        assert isinstance(getattr(fi, name), types.FunctionType), name


def test_unbuildable_combination_fails_only_its_replications(asem, asem_spec):
    inputs = [{"name": "norm", "address": "normalise__f_n", "values": ["n_minmax", "n_nonsense"]}]
    res = uncertainty(*asem, asem_spec, inputs, n=40, seed=3)
    bad = (res.inputs["norm"] == "n_nonsense").to_numpy()
    assert res.failed == bad.sum() > 0 and not np.isnan(res.ranks[~bad]).any()
    with pytest.raises(IndexInputError, match="n_nonsense"):
        uncertainty(*asem, asem_spec, [{"name": "n", "address": "normalise__f_n", "values": ["n_nonsense"]}], n=5)
