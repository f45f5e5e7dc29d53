"""Sensitivity analysis: first-order and total Sobol indices of each uncertain input.

The output analysed is COINr's: for each replication, the mean absolute rank shift of the units
from their nominal ranks. Inputs are those of the uncertainty analysis (``monte_carlo``); each is one dimension of the
unit hypercube, mapped to values as there. The design is SALib's Sobol sequence (Saltelli's scheme,
``N (d + 2)`` replications) and the indices come from SALib's ``sobol.analyze`` with bootstrap
confidence intervals; everything is seeded.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import IndexInputError
from .monte_carlo import Engine, UncertaintyResult, parse_inputs, rank_rows, summarise
from .pipeline import IndexPipeline


@dataclass
class SensitivityResult:
    indices: pd.DataFrame          # Variable, S1, S1_conf, ST, ST_conf
    output: np.ndarray             # mean absolute rank shift of each replication
    uncertainty: UncertaintyResult  # rank statistics over the same replications
    n_runs: int


def _seed_int(seed) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    return int(seed)


def mean_abs_shift(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.abs(ranks - nominal[None, :]), axis=1)


def run_sensitivity(pipe: IndexPipeline, idata, imeta, inputs, n: int = 100, seed=0, n_boot: int = 100,
                    target=None, conf_level: float = 0.95) -> SensitivityResult:
    """Sobol indices from ``n`` base samples (``n (d + 2)`` replications)."""
    # SALib imports scipy.stats (~0.3 s): only the Sobol analysis pays for it, not every `import frenchtech.index`.
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    parsed = parse_inputs(inputs, pipe)
    d = len(parsed)
    if d < 2:
        raise IndexInputError("sensitivity", ["give at least two uncertain inputs "
                                              "(with one, run an uncertainty analysis)"])
    engine = Engine(pipe, idata, imeta, target)
    s = _seed_int(seed)
    problem = {"num_vars": d, "names": [p.name for p in parsed], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib prefers powers of two for n; any n is valid
        U = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=s)
    U = np.clip(U, 0.0, np.nextafter(1.0, 0.0))
    scores = engine.run(parsed, U, seed=s)
    ranks = rank_rows(scores)
    y = mean_abs_shift(ranks, engine.nominal_ranks)
    if np.isnan(y).any():
        raise IndexInputError("sensitivity", [f"{int(np.isnan(y).sum())} replications failed "
                                              "(e.g. geometric mean of zeros): adjust the inputs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=n_boot,
                                   conf_level=conf_level, seed=s)
    table = pd.DataFrame({"Variable": problem["names"], "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    return SensitivityResult(indices=table, output=y, uncertainty=summarise(engine, parsed, U, scores),
                             n_runs=len(y))
