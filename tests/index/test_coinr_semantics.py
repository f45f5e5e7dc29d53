"""Where COINr's own source fixes the method: parameters read from iMeta (``get_iMeta_norm_paras``),
units in uCode order (``new_coin``) for Copeland's outranking matrix, and the sign of PCA weights."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from frenchtech.index import IndexInputError, audit, build, read_framework
from frenchtech.index import normalise as nm
from frenchtech.index.aggregate import FUNCTIONS, aggregate_levels

X4 = [0.0, 2.0, 5.0, 12.0]   # the four units' raw values of every indicator below


def frame(extra: dict[str, list], directions: list[int]):
    """iData with units a..d and one indicator per direction (values X4); iMeta with the columns
    in ``extra`` (one value per indicator), indicators under P, P under Top."""
    codes = [f"i{j}" for j in range(len(directions))]
    idata = pd.DataFrame({"uCode": list("abcd"), **{c: X4 for c in codes}})
    rows = [{"Level": 1, "iCode": c, "Direction": d, "Weight": 1, "Parent": "P", "Type": "Indicator",
             **{k: v[j] for k, v in extra.items()}} for j, (c, d) in enumerate(zip(codes, directions))]
    rows += [{"Level": 2, "iCode": "P", "Direction": 1, "Weight": 1, "Parent": "Top", "Type": "Aggregate"},
             {"Level": 3, "iCode": "Top", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"}]
    return idata, pd.DataFrame(rows)


def normalised(idata, imeta, f_n):
    out = build(idata, imeta, {"normalise": {"f_n": f_n, "f_n_para": "use_iMeta"}}).tables["Normalised"]
    return out.set_index("uCode")


def test_goalposts_from_imeta_follow_direction_scale_and_trunc2posts():
    # COINr (Normalise.numeric): x -> x * Direction, then n_goalposts(x, gposts, trunc2posts) with
    # gposts from get_iMeta_norm_paras: (l, u, a) for Direction 1, (-u, -l, a) for Direction -1.
    # i0: Direction 1, l = 1, u = 11, a = 100, truncated:
    #     (x - 1)/10 = -0.1, 0.1, 0.4, 1.1 -> 0, 0.1, 0.4, 1 -> x 100 = 0, 10, 40, 100
    # i1: Direction -1, l = 1, u = 11, a = 1, not truncated:
    #     (-x - (-11))/(-1 - (-11)) = (11 - x)/10 = 1.1, 0.9, 0.6, -0.1
    # i2: Direction -1, l = 1, u = 11, a = 10, truncated: (11 - x)/10 -> 1, 0.9, 0.6, 0 -> x 10
    extra = {"goalpost_lower": [1, 1, 1], "goalpost_upper": [11, 11, 11], "goalpost_scale": [100, 1, 10],
             "goalpost_trunc2posts": [True, False, True]}
    got = normalised(*frame(extra, [1, -1, -1]), "n_goalposts")
    np.testing.assert_allclose(got["i0"], [0, 10, 40, 100], rtol=1e-14)
    np.testing.assert_allclose(got["i1"], [1.1, 0.9, 0.6, -0.1], rtol=1e-14)
    np.testing.assert_allclose(got["i2"], [10, 9, 6, 0], rtol=1e-14)
    # COINr's own check (tests/testthat/test-normalise.R): a Direction -1 indicator normalised with
    # use_iMeta equals n_goalposts on the raw values with direction = -1
    np.testing.assert_allclose(got["i1"], nm.n_goalposts(np.array(X4)[:, None], (1, 11, 1), -1, False)[:, 0])


def test_scaled_from_imeta_follow_direction_and_scale_factor():
    # COINr: npara = (l, u) for Direction 1, (-u, -l) for Direction -1; n_scaled(x, npara, scale_factor)
    # = (x - npara[1])/(npara[2] - npara[1]) * scale_factor, x already multiplied by the direction.
    # i0: Direction 1, l = 2, u = 12, factor 10: (x - 2)/10 * 10 = -2, 0, 3, 10
    # i1: Direction -1, l = 2, u = 12, factor 50: (-x + 12)/(-2 + 12) * 50 = (12 - x) * 5 = 60, 50, 35, 0
    extra = {"scaled_lower": [2, 2], "scaled_upper": [12, 12], "scale_factor": [10, 50]}
    got = normalised(*frame(extra, [1, -1]), "n_scaled")
    np.testing.assert_allclose(got["i0"], [-2, 0, 3, 10], rtol=1e-14)
    np.testing.assert_allclose(got["i1"], [60, 50, 35, 0], rtol=1e-14)


def test_dist2targ_cap_max_is_read_per_indicator():
    # targets 10 (Direction 1) and 1 (Direction -1, so -1 on the flipped scale); cap only on i0:
    # i0: (x - 0)/(10 - 0) = 0, 0.2, 0.5, 1.2 -> capped 1;  i1: (-x + 12)/(-1 + 12) = 12/11, 10/11, 7/11, 0
    extra = {"Target": [10, 1], "dist2targ_cap_max": [True, False]}
    got = normalised(*frame(extra, [1, -1]), "n_dist2targ")
    np.testing.assert_allclose(got["i0"], [0, 0.2, 0.5, 1])
    np.testing.assert_allclose(got["i1"], [12 / 11, 10 / 11, 7 / 11, 0])


@pytest.mark.parametrize("f_n, drop", [("n_goalposts", "goalpost_trunc2posts"), ("n_scaled", "scale_factor")])
def test_imeta_columns_are_required_as_in_coinr(f_n, drop):
    extra = {"goalpost_lower": [1], "goalpost_upper": [11], "goalpost_scale": [1], "goalpost_trunc2posts": [True],
             "scaled_lower": [1], "scaled_upper": [11], "scale_factor": [100]}
    del extra[drop]
    with pytest.raises(IndexInputError, match=drop):
        normalised(*frame(extra, [1]), f_n)


# -- units in uCode order ---------------------------------------------------------------------------

def test_copeland_with_missing_values_does_not_depend_on_row_order(tables):
    x = np.array([[3, np.nan, 1], [1, 2, np.nan], [2, 3, 3], [np.nan, 1, 2]], dtype=float)
    idata, imeta = tables(x)
    spec = {"normalise": {"f_n": "n_minmax", "f_n_para": [1, 100]}, "aggregate": {"f_ag": "a_copeland"}}
    ref = build(idata, imeta, spec)
    assert list(ref.aggregated.uCode) == ["u0", "u1", "u2", "u3"]
    back = build(idata.iloc[::-1], imeta, spec)
    pd.testing.assert_frame_equal(back.aggregated, ref.aggregated)
    # by hand, in uCode order: P1 = {i0} ranks u0 > u2 > u1, u3 missing; with i0 alone the
    # outranking of u3 by others is 0 (no common data) and 1 - 0 = 1 below the diagonal
    # (u3 is the last row): u0..u2 each get -1 against u3, u3 gets +1 against each -> row sums
    # u0: +1 +1 -1 = 1, u1: -1 -1 -1 = -3, u2: -1 +1 -1 = -1, u3: 3
    np.testing.assert_array_equal(ref.aggregated["P1"], [1, -3, -1, 3])


def canon(obj):
    """Tables keyed by their codes, rows and columns sorted: comparable whatever the input order."""
    if isinstance(obj, dict):
        return {k: canon(v) for k, v in sorted(obj.items())}
    if isinstance(obj, pd.DataFrame):
        keys = [k for k in ("uCode", "iCode", "Var1", "Var2") if k in obj.columns]
        d = (obj.set_index(keys) if keys else obj).copy()
        for c in d.columns:   # lists of codes (Flag.Collinear...) name the same codes in iMeta's order
            if d[c].dtype == object or pd.api.types.is_string_dtype(d[c]):
                d[c] = [", ".join(sorted(v.split(", "))) if isinstance(v, str) else v for v in d[c]]
        return d.sort_index().sort_index(axis=1)
    if isinstance(obj, pd.Series):
        return obj.sort_index()
    return obj


def assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-12)
    elif a is None:
        assert b is None
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# derandomize: the suite explores the same examples on every run (a property found broken once is
# kept as a regression test below, rather than found or missed at random in CI)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
cell = st.one_of(st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 1)), st.just(np.nan))
gappy = st.integers(4, 8).flatmap(lambda n: st.integers(2, 5).flatmap(
    lambda k: arrays(np.float64, (n, k), elements=cell)))


@SETTINGS
@given(x=gappy, f_ag=st.sampled_from(FUNCTIONS), w=st.sampled_from([None, "pca"]), seed=st.integers(0, 2**31))
def test_every_result_is_invariant_to_row_order(tables, x, f_ag, w, seed):
    if any(len(set(c[~np.isnan(c)])) < 2 for c in x.T):
        return   # an indicator needs two distinct values to be normalised
    idata, imeta = tables(x)
    spec = {"treat": {}, "normalise": {"f_n": "n_minmax", "f_n_para": [1, 100]},
            "aggregate": {"f_ag": f_ag, "f_ag_para": {"p": 2} if f_ag == "a_genmean" else None, "w": w}}
    rng = np.random.default_rng(seed)
    shuffled = idata.iloc[rng.permutation(len(idata))], imeta.iloc[rng.permutation(len(imeta))]
    try:
        ref = build(idata, imeta, spec)
    except IndexInputError:   # e.g. PCA weights on too few complete units that sum to zero
        with pytest.raises(IndexInputError):
            build(*shuffled, spec)
        return
    got = build(*shuffled, spec)
    for name in ref.tables:
        assert_same(canon(got.tables[name]), canon(ref.tables[name]))
    pd.testing.assert_frame_equal(canon(got.ranks), canon(ref.ranks))   # ranks: exactly
    assert_same(canon(audit(got)), canon(audit(ref)))


# -- PCA weights' sign ------------------------------------------------------------------------------

@SETTINGS
@given(x=gappy, w=arrays(np.float64, 5, elements=st.floats(-2, 2).filter(lambda v: abs(v) > 0.05)),
       f_ag=st.sampled_from(FUNCTIONS))
def test_negating_every_weight_changes_no_score(tables, x, w, f_ag):
    # every method divides by the sum of the weights (of the children with data): -w gives the same scores
    x = np.abs(x) + 1   # positive values, for the geometric and harmonic means
    fw = read_framework(tables(x)[1])
    W = np.concatenate([w[:x.shape[1]], np.ones(len(fw.aggregates))])[None, :]
    para = {p: {"p": 2} if f_ag == "a_genmean" else {} for p in fw.aggregates}
    f = {p: f_ag for p in fw.aggregates}
    thr = {p: None for p in fw.aggregates}
    a, _ = aggregate_levels(fw, x, W, f, para, thr, strict=False)
    b, _ = aggregate_levels(fw, x, -W, f, para, thr, strict=False)
    np.testing.assert_array_equal(a, b)


def test_pca_weights_keep_mixed_signs_and_the_means_use_them_as_they_are():
    # i1 rises with i0, i2 falls with it: PC1's loadings have mixed signs, kept as they are
    x = np.array([[1, 2, 9], [2, 3, 7], [3, 5, 6], [4, 4, 3], [5, 6, 2], [6, 8, 2]], dtype=float)
    codes = ["i0", "i1", "i2"]
    idata = pd.DataFrame(x, columns=codes)
    idata.insert(0, "uCode", [f"u{i}" for i in range(6)])
    imeta = pd.DataFrame([{"Level": 1, "iCode": c, "Direction": 1, "Weight": 1, "Parent": "Top",
                           "Type": "Indicator"} for c in codes]
                         + [{"Level": 2, "iCode": "Top", "Direction": 1, "Weight": 1, "Parent": None,
                             "Type": "Aggregate"}])
    for f_ag in ("a_amean", "a_gmean", "a_hmean"):
        res = build(idata, imeta, {"normalise": {"f_n": "n_minmax", "f_n_para": [1, 100]},
                                   "aggregate": {"f_ag": f_ag, "w": "pca"}})
        w = np.array([res.reports["aggregate"]["Weights"][c] for c in codes])
        assert w[0] > 0 and w[1] > 0 and w[2] < 0 and w.sum() > 0
        z = res.tables["Normalised"][codes].to_numpy()
        expect = {"a_amean": z @ w / w.sum(), "a_gmean": np.exp(np.log(z) @ w / w.sum()),
                  "a_hmean": w.sum() / ((1 / z) @ w)}[f_ag]
        np.testing.assert_allclose(res.aggregated["Top"], expect, rtol=1e-12)
