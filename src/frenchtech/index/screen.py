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
    """Return (kept-row mask, a function building the summary table with flags)."""
    if unit_screen not in SCREENS:
        raise IndexInputError("screen", [f"unknown unit_screen '{unit_screen}' (expected one of {', '.join(SCREENS)})"])
    dat_thresh = 2 / 3 if dat_thresh is None else float(dat_thresh)
    nonzero_thresh = 0.05 if nonzero_thresh is None else float(nonzero_thresh)
    errs = [f"{n} {v} must be between 0 and 1" for n, v in
            (("dat_thresh", dat_thresh), ("nonzero_thresh", nonzero_thresh)) if not 0 <= v <= 1]
    if errs:
        raise IndexInputError("screen", errs)
    na = np.isnan(x).sum(axis=1)
    k = x.shape[1]
    avail = 1 - na / k
    with np.errstate(divide="ignore", invalid="ignore"):
        nonzero = 1 - (x == 0).sum(axis=1) / (k - na)
    low_data, low_nz = avail < dat_thresh, nonzero < nonzero_thresh
    keep = {"byNA": ~low_data, "byzeros": ~low_nz, "byNAandzeros": ~(low_data | low_nz),
            "none": np.ones(len(avail), dtype=bool)}[unit_screen].copy()
    if force:
        codes = list(units)
        unknown = [u for u in force if u not in codes]
        if unknown:
            raise IndexInputError("screen", [f"Force names unknown unit '{u}'" for u in unknown])
        for u, inc in force.items():
            keep[codes.index(u)] = bool(inc)

    def summary():
        summ = data_availability(x, units)
        summ["LowData"] = low_data
        summ["LowNonZero"] = low_nz
        summ["LowDatOrZeroFlag"] = low_data | low_nz
        summ["Included"] = keep
        return summ
    return keep, summary
