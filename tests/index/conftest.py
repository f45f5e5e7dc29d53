import pandas as pd
import pytest

from frenchtech.index import ASEM_SPEC, load_asem


@pytest.fixture(scope="session")
def asem():
    return load_asem()


@pytest.fixture()
def asem_spec():
    import copy
    return copy.deepcopy(ASEM_SPEC)


@pytest.fixture(scope="session")
def tables():
    return small_tables


def small_tables(x, directions=None, weights=None):
    """A two-pillar framework over the columns of x (a units x k array); first half in P1."""
    import numpy as np
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    codes = [f"i{j}" for j in range(k)]
    half = max(1, k // 2)
    rows = [{"Level": 1, "iCode": c, "Direction": (directions or [1] * k)[j],
             "Weight": (weights or [1] * k)[j], "Parent": "P1" if j < half else "P2",
             "Type": "Indicator"} for j, c in enumerate(codes)]
    rows += [{"Level": 2, "iCode": "P1", "Direction": 1, "Weight": 1, "Parent": "Top", "Type": "Aggregate"}]
    if k > half:
        rows += [{"Level": 2, "iCode": "P2", "Direction": 1, "Weight": 1, "Parent": "Top", "Type": "Aggregate"}]
    rows += [{"Level": 3, "iCode": "Top", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"}]
    idata = pd.DataFrame(x, columns=codes)
    idata.insert(0, "uCode", [f"u{i}" for i in range(n)])
    return idata, pd.DataFrame(rows)
