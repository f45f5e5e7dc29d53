"""R conventions, checked against values worked out by hand from the published formulas."""
import math

import numpy as np

from frenchtech.index import rstats

X = np.array([1.0, 2, 3, 4, 10])   # mean 4; deviations -3 -2 -1 0 6


def test_sd_is_sample_sd():
    assert rstats.sd(X) == math.sqrt(50 / 4)


def test_skew_e1071_type2():
    # m2 sum 50, m3 sum 180: sqrt(n) 180 / 50^1.5 * sqrt(n(n-1))/(n-2)
    expected = math.sqrt(5) * 180 / 50 ** 1.5 * math.sqrt(20) / 3
    assert math.isclose(rstats.skew(X), expected, rel_tol=1e-12)


def test_kurt_e1071_type2():
    # m4 sum 1394: r = 5*1394/50^2 = 2.788; ((n+1)(r-3)+6)(n-1)/((n-2)(n-3)) = 3.152
    assert math.isclose(rstats.kurt(X), 3.152, rel_tol=1e-12)


def test_skew_skips_nan_and_needs_three_points():
    assert math.isclose(rstats.skew(np.append(X, np.nan)), rstats.skew(X))
    assert np.isnan(rstats.skew(np.array([1.0, 2])))
    assert np.isnan(rstats.kurt(np.array([1.0, 2, 3])))


def test_rank_min_ties_and_na_keep():
    r = rstats.rank_min(np.array([3.0, 1, 3, np.nan, 2]))
    np.testing.assert_array_equal(r, [3, 1, 3, np.nan, 2])
    np.testing.assert_array_equal(rstats.rank_desc(np.array([5.0, 9, 5])), [2, 1, 2])


def test_rank_min_2d_columns():
    m = np.array([[1.0, 5], [1, 4], [0, 4]])
    np.testing.assert_array_equal(rstats.rank_min(m), [[2, 3], [2, 1], [1, 1]])


def test_quantile_type7():
    # R: quantile(1:10, 0.05) = 1.45
    assert math.isclose(rstats.quantile(np.arange(1.0, 11), 0.05), 1.45)


def test_r_cut_index_equal_bins_over_sample_range():
    u = np.array([0.0, 0.24, 0.26, 0.5, 0.74, 0.76, 1.0])
    np.testing.assert_array_equal(rstats.r_cut_index(u, 4), [0, 0, 1, 1, 2, 3, 3])
