"""Normalisation methods ``n_*``, as COINr defines them, applied column by column.

Each function takes a 2-D array (units x indicators) and returns an array of the same shape;
NaN stays NaN and statistics skip it. Directions are applied before, by multiplying the
indicator by -1, exactly as COINr's ``Normalise.numeric`` does.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import rstats
from .errors import IndexInputError


def _col_min(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmin(x, axis=0)


def _col_max(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(x, axis=0)


def n_minmax(x, l_u=(0, 100)):
    """(x - min)/(max - min) * (u - l) + l; a zero range gives NaN."""
    lo, hi = _col_min(x), _col_max(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x - lo) / (hi - lo) * (l_u[1] - l_u[0]) + l_u[0]


def n_zscore(x, m_sd=(0, 1)):
    """(x - mean)/sd * s + m, with the sample (n-1) standard deviation."""
    if m_sd[1] <= 0:
        raise IndexInputError("normalise", [f"n_zscore: target sd {m_sd[1]} must be positive"])
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x - np.nanmean(x, axis=0)) / rstats.sd(x) * m_sd[1] + m_sd[0]


def n_scaled(x, npara=(0, 100), scale_factor=100):
    """(x - l)/(u - l) * scale_factor with fixed l and u (not the data's range)."""
    lo, hi = (np.asarray(v, dtype=float) for v in npara[:2])
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x - lo) / (hi - lo) * np.asarray(scale_factor, dtype=float)


def n_dist2max(x):
    """1 - (max - x)/(max - min)."""
    lo, hi = _col_min(x), _col_max(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (hi - x) / (hi - lo)


def n_dist2ref(x, iref, cap_max=False):
    """1 - (x_ref - x)/(x_ref - min), x_ref the value of row ``iref`` (1-based, as in R)."""
    if not 1 <= int(iref) <= x.shape[0]:
        raise IndexInputError("normalise", [f"n_dist2ref: iref {iref} must be in 1..{x.shape[0]}"])
    ref = x[int(iref) - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 1 - (ref - x) / (ref - _col_min(x))
    return np.where(y > 1, 1.0, y) if cap_max else y


def n_dist2targ(x, targ, direction=1, cap_max=False):
    """(x - min)/(targ - min) (direction 1) or (max - x)/(max - targ) (direction -1); optional cap at 1
    (``cap_max``: one flag, or one per column)."""
    targ = np.asarray(targ, dtype=float)
    if np.any(np.isnan(targ)):
        raise IndexInputError("normalise", ["n_dist2targ: targ is NA"])
    with np.errstate(divide="ignore", invalid="ignore"):
        if direction == 1:
            y = (x - _col_min(x)) / (targ - _col_min(x))
        elif direction == -1:
            y = (_col_max(x) - x) / (_col_max(x) - targ)
        else:
            raise IndexInputError("normalise", ["n_dist2targ: direction must be 1 or -1"])
    cap = np.asarray(cap_max, dtype=bool)  # one flag, or one per column
    return np.where(cap & (y > 1), 1.0, y)


def n_fracmax(x):
    """x / max."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / _col_max(x)


def n_prank(x):
    """Percentile rank: (rank_min - 1)/(n_available - 1)."""
    n = np.sum(~np.isnan(x), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rstats.rank_min(x) - 1) / (n - 1)


def n_rank(x):
    """R's rank with ties at the minimum rank; higher values get higher ranks."""
    return rstats.rank_min(x)


def n_borda(x):
    """Borda score: rank - 1."""
    return rstats.rank_min(x) - 1


def n_goalposts(x, gposts, direction=1, trunc2posts=True):
    """(x - l)/(u - l) (or (x - u)/(l - u) when direction is -1), truncated to [0, 1] where
    ``trunc2posts`` (one flag or one per column), times a."""
    lo, hi, a = (np.asarray(g, dtype=float) for g in gposts)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (x - hi) / (lo - hi) if direction == -1 else (x - lo) / (hi - lo)
    trunc = np.asarray(trunc2posts, dtype=bool)  # one flag, or one per column
    if trunc.any():
        y = np.where(trunc, np.clip(y, 0, 1), y)  # NaN stays NaN
    return y * a


def n_none(x):
    return x


METHODS = {
    "n_minmax": (n_minmax, "l_u"), "n_zscore": (n_zscore, "m_sd"), "n_scaled": (n_scaled, "npara"),
    "n_dist2max": (n_dist2max, None), "n_dist2ref": (n_dist2ref, "iref"),
    "n_dist2targ": (n_dist2targ, "targ"), "n_fracmax": (n_fracmax, None), "n_prank": (n_prank, None),
    "n_rank": (n_rank, None), "n_borda": (n_borda, None), "n_goalposts": (n_goalposts, "gposts"),
    "none": (n_none, None),
}

# parameters COINr can read from iMeta columns when f_n_para = "use_iMeta" (COINr's
# get_iMeta_norm_paras): the columns each method requires
IMETA_COLUMNS = {
    "n_minmax": ("minmax_lower", "minmax_upper"),
    "n_zscore": ("zscore_mean", "zscore_sd"),
    "n_scaled": ("scaled_lower", "scaled_upper", "scale_factor"),
    "n_goalposts": ("goalpost_lower", "goalpost_upper", "goalpost_scale", "goalpost_trunc2posts"),
    "n_dist2targ": ("Target",),
}


def para_dict(f_n: str, f_n_para) -> dict:
    """Turn ``f_n_para`` (None, a list for the first parameter, or a dict) into keyword arguments."""
    if f_n not in METHODS:
        raise IndexInputError("normalise", [f"unknown normalisation method '{f_n}' "
                                            f"(expected one of {', '.join(METHODS)})"])
    if f_n_para is None:
        return {}
    if isinstance(f_n_para, dict):
        return dict(f_n_para)
    first = METHODS[f_n][1]
    if first is None:
        raise IndexInputError("normalise", [f"{f_n} takes no parameter, got f_n_para={f_n_para!r}"])
    return {first: f_n_para}


def normalise_matrix(x: np.ndarray, codes: list[str], directions: np.ndarray, f_n: str, f_n_para,
                     indiv_specs: dict | None = None, imeta=None, units=None) -> np.ndarray:
    """Normalise every column of ``x``: global method, with per-indicator exceptions in ``indiv_specs``."""
    indiv_specs = indiv_specs or {}
    unknown = [c for c in indiv_specs if c not in codes]
    if unknown:
        raise IndexInputError("normalise", [f"indiv_specs names unknown indicator '{c}'" for c in unknown])
    xd = x * directions[None, :]
    out = np.empty_like(xd)
    groups: dict[str, list[int]] = {}
    for j, code in enumerate(codes):
        spec = indiv_specs.get(code)
        groups.setdefault("__global__" if spec is None else code, []).append(j)
    for key, cols in groups.items():
        spec = {"f_n": f_n, "f_n_para": f_n_para} if key == "__global__" else indiv_specs[key]
        fn_name = spec.get("f_n", "n_minmax")
        para = spec.get("f_n_para")
        cols_a = np.array(cols)
        if isinstance(para, str) and para == "use_iMeta":
            kw = _imeta_paras(fn_name, [codes[j] for j in cols], directions[cols_a], imeta)
        else:
            kw = para_dict(fn_name, para)
            if fn_name == "n_dist2ref" and isinstance(kw.get("iref"), str) and units is not None:
                hit = np.flatnonzero(np.asarray(units) == kw["iref"])
                if not hit.size:
                    raise IndexInputError("normalise", [f"n_dist2ref: reference unit '{kw['iref']}' not found"])
                kw["iref"] = int(hit[0]) + 1
        fn = METHODS[fn_name][0]
        try:
            out[:, cols_a] = fn(xd[:, cols_a], **kw)
        except TypeError as e:
            raise IndexInputError("normalise", [f"{fn_name}: bad parameters {kw!r} ({e})"]) from None
    return out


def _flags(col) -> np.ndarray:
    """A logical iMeta column (TRUE/FALSE, true/false, 1/0) as booleans; blanks are an error."""
    out = []
    for v in col:
        if isinstance(v, str) and v.strip().lower() in ("true", "false", "t", "f"):
            out.append(v.strip().lower() in ("true", "t"))
        elif isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number)) and not np.isnan(v)):
            out.append(bool(v))
        else:
            return None
    return np.array(out, dtype=bool)


def _imeta_paras(fn_name: str, codes: list[str], dirs: np.ndarray, imeta) -> dict:
    """Keyword arguments read from iMeta, one value per column, as COINr's ``get_iMeta_norm_paras``.

    Indicators arrive multiplied by their direction, so for a direction -1 the parameters given on the
    original scale are negated and swapped: the target becomes -target (``n_dist2targ``), the
    goalposts (l, u) become (-u, -l) (``n_goalposts``, hence (u - x)/(u - l)), and so do the bounds
    (l, u) of ``n_scaled`` (hence (u - x)/(u - l) * scale_factor). ``n_minmax`` and ``n_zscore`` take
    their target range or moments as they are.
    """
    if fn_name not in IMETA_COLUMNS or imeta is None:
        raise IndexInputError("normalise", [f"{fn_name} cannot read its parameters from iMeta"])
    rows = imeta.set_index("iCode").loc[codes]
    missing = [c for c in IMETA_COLUMNS[fn_name] if c not in rows.columns]
    if missing:
        raise IndexInputError("iMeta", [f"column '{c}' needed by {fn_name} with use_iMeta" for c in missing])

    def num(c):
        v = pd.to_numeric(rows[c], errors="coerce").to_numpy(dtype=float)
        if np.isnan(v).any():
            bad = [code for code, x in zip(codes, v) if np.isnan(x)]
            raise IndexInputError("iMeta", [f"'{code}': column '{c}' needs a number for {fn_name} with use_iMeta"
                                            for code in bad])
        return v

    def flags(c):
        f = _flags(rows[c].tolist())
        if f is None:
            raise IndexInputError("iMeta", [f"column '{c}' must be TRUE or FALSE for every indicator "
                                             f"({fn_name} with use_iMeta)"])
        return f

    neg = dirs == -1
    if fn_name == "n_minmax":
        return {"l_u": [num("minmax_lower"), num("minmax_upper")]}
    if fn_name == "n_zscore":
        return {"m_sd": [num("zscore_mean"), num("zscore_sd")]}
    if fn_name == "n_dist2targ":
        kw = {"targ": num("Target") * dirs}   # the target must be flipped with the indicator
        if "dist2targ_cap_max" in rows.columns:   # absent (or blank): FALSE, as COINr
            kw["cap_max"] = _flags([False if pd.isna(v) else v for v in rows["dist2targ_cap_max"]])
            if kw["cap_max"] is None:
                raise IndexInputError("iMeta", ["column 'dist2targ_cap_max' must be TRUE or FALSE"])
        return kw
    lo_c, hi_c = ("scaled_lower", "scaled_upper") if fn_name == "n_scaled" else ("goalpost_lower", "goalpost_upper")
    lo, hi = num(lo_c), num(hi_c)
    lo, hi = np.where(neg, -hi, lo), np.where(neg, -lo, hi)
    if fn_name == "n_scaled":
        return {"npara": [lo, hi], "scale_factor": num("scale_factor")}
    return {"gposts": [lo, hi, num("goalpost_scale")], "trunc2posts": flags("goalpost_trunc2posts")}
