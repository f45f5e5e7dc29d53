"""Unit screening by data availability, as COINr's ``Screen``.

Per unit: ``Dat_Avail`` = share of indicators with data; ``Non_Zero`` = share of non-zero values among
the available ones. ``unit_screen`` keeps units with ``Dat_Avail >= dat_thresh`` ("byNA"),
``Non_Zero >= nonzero_thresh`` ("byzeros") or both ("byNAandzeros"). ``Force`` overrides per unit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import IndexInputError

SCREENS = ("byNA", "byzeros", "byNAandzeros", "none")


def data_availability(x: np.ndarray, units) -> pd.DataFrame:
    """COINr's ``get_data_avail`` summary for each unit (row)."""
    na = np.isnan(x).sum(axis=1)
    zero = (x == 0).sum(axis=1)
    k = x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        nonzero = 1 - zero / (k - na)
    return pd.DataFrame({"uCode": list(units), "N_missing": na, "N_zero": zero,
                         "N_miss_or_zero": na + zero, "Dat_Avail": 1 - na / k, "Non_Zero": nonzero})


def screen_units(x: np.ndarray, units, unit_screen="byNA", dat_thresh=None, nonzero_thresh=None,
                 force: dict[str, bool] | None = None):
    """Return (kept-row mask, summary table with flags, removed unit codes)."""
    if unit_screen not in SCREENS:
        raise IndexInputError("screen", [f"unknown unit_screen '{unit_screen}' (expected one of {', '.join(SCREENS)})"])
    dat_thresh = 2 / 3 if dat_thresh is None else float(dat_thresh)
    nonzero_thresh = 0.05 if nonzero_thresh is None else float(nonzero_thresh)
    errs = [f"{n} {v} must be between 0 and 1" for n, v in
            (("dat_thresh", dat_thresh), ("nonzero_thresh", nonzero_thresh)) if not 0 <= v <= 1]
    if errs:
        raise IndexInputError("screen", errs)
    summ = data_availability(x, units)
    summ["LowData"] = summ["Dat_Avail"] < dat_thresh
    summ["LowNonZero"] = summ["Non_Zero"] < nonzero_thresh
    summ["LowDatOrZeroFlag"] = summ["LowData"] | summ["LowNonZero"]
    keep = {"byNA": ~summ["LowData"], "byzeros": ~summ["LowNonZero"],
            "byNAandzeros": ~summ["LowDatOrZeroFlag"],
            "none": pd.Series(True, index=summ.index)}[unit_screen].to_numpy().copy()
    if force:
        unknown = [u for u in force if u not in set(summ["uCode"])]
        if unknown:
            raise IndexInputError("screen", [f"Force names unknown unit '{u}'" for u in unknown])
        for u, inc in force.items():
            keep[(summ["uCode"] == u).to_numpy()] = bool(inc)
    summ["Included"] = keep
    return keep, summ, list(summ["uCode"][~keep])
