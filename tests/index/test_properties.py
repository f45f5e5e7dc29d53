"""Property tests (hypothesis) of the aggregation and of the uncertainty engine."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from frenchtech.index import build, uncertainty
from frenchtech.index.rstats import rank_desc

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3))
data = st.integers(4, 9).flatmap(lambda n: st.integers(2, 6).flatmap(
    lambda k: arrays(np.float64, (n, k), elements=values)))
SPEC = {"normalise": {"f_n": "n_minmax", "f_n_para": [0, 100]}, "aggregate": {"f_ag": "a_amean"}}


def spread(x):
    return bool(np.all(np.ptp(x, axis=0) > 1e-6))


@SETTINGS
@given(x=data, unit=st.integers(0, 100), ind=st.integers(0, 100), delta=st.floats(0.01, 500))
def test_raising_an_indicator_never_lowers_the_amean_score(tables, x, unit, ind, delta):
    if not spread(x):
        return
    i, j = unit % x.shape[0], ind % x.shape[1]
    before = build(*tables(x), SPEC).scores().to_numpy()[i]
    y = x.copy()
    y[i, j] += delta
    after = build(*tables(y), SPEC).scores().to_numpy()[i]
    assert after >= before - 1e-9


@SETTINGS
@given(x=data, ind=st.integers(0, 100), a=st.floats(0.01, 100), b=st.floats(-1e3, 1e3))
def test_minmax_ranks_invariant_to_positive_affine_rescaling(tables, x, ind, a, b):
    if not spread(x):
        return
    j = ind % x.shape[1]
    y = x.copy()
    y[:, j] = a * y[:, j] + b
    s1 = build(*tables(x), SPEC).scores().to_numpy()
    s2 = build(*tables(y), SPEC).scores().to_numpy()
    np.testing.assert_array_equal(rank_desc(np.round(s1, 8)), rank_desc(np.round(s2, 8)))


@SETTINGS
@given(x=data, w=st.lists(st.floats(0.01, 10), min_size=6, max_size=6), lo=st.floats(-50, 50),
       width=st.floats(1, 100))
def test_weights_summing_to_one_keep_index_in_normalised_range(tables, x, w, lo, width):
    if not spread(x):
        return
    k = x.shape[1]
    ww = np.array(w[:k]) / np.sum(w[:k])
    spec = {"normalise": {"f_n": "n_minmax", "f_n_para": [lo, lo + width]},
            "aggregate": {"f_ag": "a_amean"}}
    s = build(*tables(x, weights=list(ww)), spec).aggregated.iloc[:, 1:].to_numpy()
    assert np.all(s >= lo - 1e-9) and np.all(s <= lo + width + 1e-9)


@SETTINGS
@given(x=data, n=st.integers(1, 40), seed=st.integers(0, 10_000))
def test_zero_noise_uncertainty_returns_nominal_ranks(tables, x, n, seed):
    if not spread(x):
        return
    inputs = [{"name": "w", "noise": {"1": 0.0, "2": 0.0}, "n_sets": 5},
              {"name": "f", "address": "aggregate__f_ag", "values": ["a_amean"]}]
    res = uncertainty(*tables(x), SPEC, inputs, n=n, seed=seed)
    nominal = build(*tables(x), SPEC).ranks.Rank.to_numpy()
    np.testing.assert_array_equal(res.ranks, np.tile(nominal, (n, 1)))
    np.testing.assert_array_equal(res.rank_stats.Median, nominal)


def test_zero_noise_on_asem(asem, asem_spec):
    res = uncertainty(*asem, asem_spec, [{"name": "w", "noise": {"2": 0, "3": 0}}], n=300, seed=5)
    np.testing.assert_array_equal(res.ranks, np.tile(res.nominal.Rank.to_numpy(), (300, 1)))
