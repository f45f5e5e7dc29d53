"""The building steps, in COINr's vocabulary. Constructors only store their parameters.

Each step's ``run(state, fw)`` returns a new state and a report; it never changes the step itself,
so a configured step can be reused, cloned or changed with ``set_params`` and run again.
"""
from __future__ import annotations

import copy
import functools
import inspect
from dataclasses import dataclass, replace

import numpy as np

from . import aggregate as agg
from . import weights as wts
from .denominate import denominate_matrix
from .errors import IndexInputError
from .framework import Framework
from .impute import PANEL, impute_matrix, impute_panel
from .normalise import normalise_matrix
from .screen import screen_units
from .treat import treat_matrix


@dataclass(frozen=True)
class State:
    """Data flowing through the steps: one row per unit, one column per indicator."""
    units: np.ndarray              # uCode per row
    x: np.ndarray                  # (units, indicators)
    unit_table: dict               # group and denominator columns (arrays) per row
    panel: tuple | None = None     # (unit ids, times, x) for panel imputation, before time selection


class Report(dict):
    """A step report whose tables are built on first access (building them costs more than the step)."""

    def __getitem__(self, key):
        v = super().__getitem__(key)
        if callable(v):
            v = v()
            self[key] = v
        return v

    def get(self, key, default=None):
        return self[key] if key in self else default

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]


class Step:
    """Parameter plumbing shared by all steps (scikit-learn style)."""
    dataset = ""

    @classmethod
    @functools.cache
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for k, v in params.items():
            if k not in valid:
                raise IndexInputError(type(self).__name__.lower(), [
                    f"unknown parameter '{k}' (expected one of {', '.join(valid)})"])
            setattr(self, k, v)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_params() == other.get_params()


class Denominate(Step):
    """Divide indicators by iMeta's Denominator columns (or by ``denomby``: {iCode: denominator})."""
    dataset = "Denominated"

    def __init__(self, denomby: dict | None = None, scale_factor: dict | None = None):
        self.denomby = denomby
        self.scale_factor = scale_factor

    def run(self, s: State, fw: Framework, report: bool = True):
        denomby = dict(fw.denominator) if self.denomby is None else dict(self.denomby)
        denoms = {d: s.unit_table[d] for d in fw.denominators if d in s.unit_table}
        x = denominate_matrix(s.x, fw.indicators, denoms, denomby, self.scale_factor)
        panel = s.panel
        if panel is not None:
            u, t, px, ptab = panel
            pden = {d: ptab[d] for d in denoms}
            panel = (u, t, denominate_matrix(px, fw.indicators, pden, denomby, self.scale_factor), ptab)
        return replace(s, x=x, panel=panel), None


class Impute(Step):
    """Fill missing values: i_mean, i_median, i_mean_grp, i_median_grp (with use_group), latest, linear."""
    dataset = "Imputed"

    def __init__(self, f_i: str = "i_mean", use_group: str | None = None, max_time: float | None = None,
                 impute_by: str = "column"):
        self.f_i = f_i
        self.use_group = use_group
        self.max_time = max_time
        self.impute_by = impute_by

    def run(self, s: State, fw: Framework, report: bool = True):
        if self.impute_by != "column":
            raise IndexInputError("impute", [f"impute_by '{self.impute_by}' is not supported (column only)"])
        if self.f_i in PANEL:
            if s.panel is None:
                return s, None  # a single time point: nothing to carry along time
            u, t, px, _ = s.panel
            filled = impute_panel(px, u, t, self.f_i, self.max_time)
            last = np.asarray(t) == np.nanmax(np.asarray(t, dtype=float))
            order = {c: i for i, c in enumerate(np.asarray(u)[last])}
            rows = np.flatnonzero(last)[[order[c] for c in s.units]]
            return replace(s, x=filled[rows], panel=None), None
        groups = None
        if self.use_group is not None:
            if self.use_group not in s.unit_table:
                raise IndexInputError("impute", [f"use_group '{self.use_group}' is not a group column of iData"])
            groups = s.unit_table[self.use_group]
        return replace(s, x=impute_matrix(s.x, self.f_i, groups)), None


class Screen(Step):
    """Drop units with too little data ("byNA"), too many zeros ("byzeros") or either ("byNAandzeros")."""
    dataset = "Screened"

    def __init__(self, unit_screen: str = "byNA", dat_thresh: float | None = None,
                 nonzero_thresh: float | None = None, Force: dict | None = None):
        self.unit_screen = unit_screen
        self.dat_thresh = dat_thresh
        self.nonzero_thresh = nonzero_thresh
        self.Force = Force

    def run(self, s: State, fw: Framework, report: bool = True):
        force = self.Force
        if isinstance(force, list):  # COINr's data frame form: [{uCode = ..., Include = ...}, ...]
            force = {r["uCode"]: r["Include"] for r in force}
        keep, summary = screen_units(s.x, s.units, self.unit_screen, self.dat_thresh,
                                     self.nonzero_thresh, force)
        state = replace(s, units=s.units[keep], x=s.x[keep],
                        unit_table={k: v[keep] for k, v in s.unit_table.items()})
        return state, Report(DataSummary=summary, RemovedUnits=list(s.units[~keep]))


class Treat(Step):
    """Outlier treatment: winsorise up to ``winmax`` points, else ``f2`` (log_CT by default)."""
    dataset = "Treated"

    def __init__(self, f1: str = "winsorise", winmax: int | None = 5, skew_thresh: float = 2.0,
                 kurt_thresh: float = 3.5, force_win: bool = False, f2: str | None = "log_CT",
                 f1_para: dict | None = None, f2_para: dict | None = None, f_pass: str = "check_SkewKurt",
                 f_pass_para: dict | None = None, combine_treat: bool = False,
                 indiv_specs: dict | None = None):
        # winmax / skew_thresh / kurt_thresh set both the winsorisation and the pass test (COINr's
        # qTreat); f1_para and f_pass_para set them apart (COINr's Treat global_specs)
        self.f1 = f1
        self.winmax = winmax
        self.skew_thresh = skew_thresh
        self.kurt_thresh = kurt_thresh
        self.force_win = force_win
        self.f2 = f2
        self.f1_para = f1_para
        self.f2_para = f2_para
        self.f_pass = f_pass
        self.f_pass_para = f_pass_para
        self.combine_treat = combine_treat
        self.indiv_specs = indiv_specs

    def _kwargs(self, over: dict | None = None) -> dict:
        p = self.get_params()
        p.update(over or {})
        if p.get("f_pass") not in (None, "check_SkewKurt"):
            raise IndexInputError("treat", [f"unknown outlier test f_pass '{p['f_pass']}' (expected check_SkewKurt)"])
        fp = p.get("f_pass_para") or {}
        f1p = {k: v for k, v in (p.get("f1_para") or {}).items() if k != "na.rm"}
        unknown = [k for k in f1p if k not in ("winmax", "skew_thresh", "kurt_thresh", "force_win")]
        if unknown:
            raise IndexInputError("treat", [f"f1_para: unknown parameter '{k}'" for k in unknown])
        f1 = {k: f1p.get(k, p[k]) for k in ("winmax", "skew_thresh", "kurt_thresh", "force_win")}
        f2p = dict(p.get("f2_para") or {})
        if "lambda" in f2p:
            f2p["lambda_"] = f2p.pop("lambda")
        return dict(f1=p["f1"], winmax=f1["winmax"], skew_thresh=f1["skew_thresh"],
                    kurt_thresh=f1["kurt_thresh"], force_win=f1["force_win"], f2=p["f2"], f2_para=f2p,
                    pass_skew=fp.get("skew_thresh", p["skew_thresh"]),
                    pass_kurt=fp.get("kurt_thresh", p["kurt_thresh"]), combine_treat=p["combine_treat"])

    def _treat(self, x: np.ndarray, fw: Framework, report: bool):
        indiv = self.indiv_specs or {}
        unknown = [c for c in indiv if c not in fw.indicators]
        if unknown:
            raise IndexInputError("treat", [f"indiv_specs names unknown indicator '{c}'" for c in unknown])
        skip = [c for c, v in indiv.items() if v == "none"]
        out, details, points = treat_matrix(x, fw.indicators, skip=skip, report=report, **self._kwargs())
        for code, spec in indiv.items():
            if spec == "none":
                continue
            j = fw.indicators.index(code)
            xj, dj, pj = treat_matrix(x[:, [j]], [code], report=report, **self._kwargs(spec))
            out[:, j] = xj[:, 0]
            if report:
                details.iloc[j] = dj.iloc[0]
                points[code] = pj[code]
        return out, details, points

    def run(self, s: State, fw: Framework, report: bool = True):
        x, _, _ = self._treat(s.x, fw, report=False)
        if not report:
            return replace(s, x=x), None

        frozen = type(self)(**copy.deepcopy(self.get_params()))  # later set_params must not leak in

        @functools.cache
        def full():  # the report tables are built only if someone reads them
            _, details, points = frozen._treat(s.x, fw, report=True)
            points.insert(0, "uCode", s.units)
            return details, points
        return replace(s, x=x), Report(Dets_Table=lambda: full()[0], Treated_Points=lambda: full()[1])


class Normalise(Step):
    """Bring indicators onto a common scale; directions -1 are flipped first."""
    dataset = "Normalised"

    def __init__(self, f_n: str = "n_minmax", f_n_para=None, indiv_specs: dict | None = None,
                 directions: dict | None = None):
        self.f_n = f_n
        self.f_n_para = f_n_para
        self.indiv_specs = indiv_specs
        self.directions = directions

    def run(self, s: State, fw: Framework, report: bool = True):
        dirs = dict(fw.direction)
        for code, d in (self.directions or {}).items():
            if code not in dirs or d not in (1, -1):
                raise IndexInputError("normalise", [f"directions: '{code}' -> {d!r} (expected an indicator and 1 or -1)"])
            dirs[code] = d
        para = ([0, 100] if self.f_n == "n_minmax" else None) if self.f_n_para is None else self.f_n_para
        x = normalise_matrix(s.x, fw.indicators, np.array([dirs[c] for c in fw.indicators], dtype=float),
                             self.f_n, para, self.indiv_specs, fw.imeta, s.units)
        return replace(s, x=x), None


class Aggregate(Step):
    """Aggregate level by level. ``w``: None (iMeta), "equal", "pca", "optimised" or {code: weight}."""
    dataset = "Aggregated"

    def __init__(self, f_ag="a_amean", f_ag_para=None, w=None, dat_thresh=None, by_df=None):
        self.f_ag = f_ag
        self.f_ag_para = f_ag_para
        self.w = w
        self.dat_thresh = dat_thresh
        self.by_df = by_df  # COINr's flag, accepted as is: a_copeland always takes the whole table

    def methods(self, fw: Framework):
        """Per-aggregate function, parameters and data threshold."""
        f_ag = agg.resolve_per_parent(fw, self.f_ag, "a_amean", "f_ag")
        para = agg.resolve_per_parent(fw, self.f_ag_para, None, "f_ag_para")
        thr = agg.resolve_per_parent(fw, self.dat_thresh, None, "dat_thresh")
        return f_ag, {k: (v or {}) for k, v in para.items()}, thr

    def weights(self, fw: Framework, x: np.ndarray, units=None) -> dict[str, float]:
        if self.w is None or isinstance(self.w, dict):
            return wts.explicit(fw, self.w)
        if self.w in ("equal", "none"):
            return wts.equal(fw)
        if self.w not in ("pca", "optimised"):
            raise IndexInputError("aggregate", [f"unknown weighting '{self.w}' "
                                                "(expected equal, pca, optimised or a table of weights)"])
        w = dict(fw.weight)
        methods = self.methods(fw)
        if self.w == "optimised":
            for lev in range(1, fw.nlev):
                w, _ = wts.optimise_level(fw, x, w, methods, lev)
            return w
        f_ag, para, thr = methods
        for lev in range(2, fw.nlev + 1):
            W = np.array([[w[c] for c in fw.indicators + fw.aggregates]])
            scores, _ = agg.aggregate_levels(fw, x, W, f_ag, para, thr, units, strict=True, upto=lev - 1)
            cols = {c: x[:, j] for j, c in enumerate(fw.indicators)}
            cols.update({a: scores[0, :, i] for i, a in enumerate(a for a in fw.aggregates
                                                                 if fw.level[a] <= lev - 1)})
            for p in fw.parents_by_level[lev]:
                kids = sorted(fw.children[p])   # a fixed order, whatever iMeta's row order
                w.update(dict(zip(kids, wts.pca_group(np.column_stack([cols[k] for k in kids])))))
        return w

    def run(self, s: State, fw: Framework, report: bool = True):
        w = self.weights(fw, s.x, s.units)
        f_ag, para, thr = self.methods(fw)
        W = np.array([[w[c] for c in fw.indicators + fw.aggregates]])
        scores, _ = agg.aggregate_levels(fw, s.x, W, f_ag, para, thr, s.units, strict=True)
        return replace(s, x=np.column_stack([s.x, scores[0]])), {"Weights": w}


# The building steps by the name a spec gives them, in the order they run (COINr's): the one list of steps.
STEPS = {"denominate": Denominate, "impute": Impute, "screen": Screen, "treat": Treat,
         "normalise": Normalise, "aggregate": Aggregate}
