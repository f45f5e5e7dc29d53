"""The index as a pipeline of named steps, with every intermediate table kept.

``IndexPipeline([("denominate", Denominate()), ..., ("aggregate", Aggregate())])`` runs its steps
in order on COINr's iData/iMeta tables. Parameters are read and changed with scikit-learn names
(``pipe.set_params(normalise__f_n="n_zscore")``); a step set to ``None`` or ``"passthrough"`` is
skipped; ``clone`` gives an independent copy. Running never modifies the pipeline: the result
(``IndexResult``) holds the tables — Raw, Denominated, Imputed, Screened, Treated, Normalised,
Aggregated, as in COINr — the step reports and the ranks.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import rstats
from .errors import IndexInputError
from .framework import Framework, read_framework
from .steps import STEPS, State, Step


class Tables(Mapping):
    """Step outputs by dataset name, turned into DataFrames only when first read (building many
    DataFrames would cost more than the whole computation)."""

    def __init__(self):
        self._raw: dict[str, tuple] = {}
        self._df: dict[str, pd.DataFrame] = {}

    def put(self, name: str, units, x, codes):
        self._raw[name] = (units, x, codes)
        self._df.pop(name, None)

    def __getitem__(self, name):
        if name not in self._df:
            units, x, codes = self._raw[name]
            df = pd.DataFrame(x, columns=codes)
            df.insert(0, "uCode", units)
            self._df[name] = df
        return self._df[name]

    def array(self, name: str) -> np.ndarray:
        return self._raw[name][1]

    def __iter__(self):
        return iter(self._raw)

    def __len__(self):
        return len(self._raw)


@dataclass
class IndexResult:
    """Outputs of one run: ``tables`` by COINr dataset name, ``reports`` by step name."""
    framework: Framework
    tables: Tables
    reports: dict[str, object] = field(default_factory=dict)
    state: State | None = None
    pipeline: IndexPipeline | None = None
    unit_data: dict | None = None   # group and denominator columns of the input units

    @property
    def aggregated(self) -> pd.DataFrame:
        """COINr's Aggregated table: uCode, each indicator's final value, each aggregate's score."""
        if "Aggregated" not in self.tables:
            raise IndexInputError("result", ["no aggregate step was run"])
        return self.tables["Aggregated"]

    @property
    def index_code(self) -> str:
        return self.framework.parents_by_level[self.framework.nlev][0]

    def scores(self, code: str | None = None) -> pd.Series:
        code = code or self.index_code
        t = self.aggregated
        return pd.Series(t[code].to_numpy(), index=t["uCode"], name=code)

    @property
    def ranks(self) -> pd.DataFrame:
        """uCode, Score and Rank (1 = best, ties share the best rank) of the top aggregate."""
        s = self.scores()
        return pd.DataFrame({"uCode": s.index, "Score": s.to_numpy(),
                             "Rank": rstats.rank_desc(s.to_numpy())})


def read_idata(idata: pd.DataFrame, fw: Framework) -> State:
    """Check iData against the framework; return the state at the latest Time (with the panel if
    there are several times)."""
    errors = []
    if "uCode" not in idata.columns:
        raise IndexInputError("iData", ["missing column 'uCode'"])
    errors += [f"indicator '{c}' of iMeta has no column in iData" for c in fw.indicators if c not in idata]
    errors += [f"denominator '{c}' of iMeta has no column in iData" for c in fw.denominators
               if c not in idata and c in fw.denominator.values()]
    if errors:
        raise IndexInputError("iData", errors)
    # units in uCode order, as COINr's new_coin (by Time, then uCode, for a panel): every step, and
    # Copeland's outranking matrix in particular, sees the same rows whatever the file's order
    keys = {"uCode": idata["uCode"].astype(str).to_numpy()}
    if "Time" in idata and idata["Time"].nunique() > 1:
        keys = {"Time": idata["Time"].to_numpy(), **keys}
    order = pd.DataFrame(keys).sort_values(list(keys), kind="stable").index.to_numpy()
    idata = idata.iloc[order].reset_index(drop=True)
    needed = fw.indicators + [c for c in fw.denominators if c in idata]
    num = {}
    for c in needed:
        col = idata[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            num[c] = col.to_numpy(dtype=float)
            continue
        conv = pd.to_numeric(col, errors="coerce")
        bad = conv.isna() & col.notna() & (col.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            errors.append(f"column '{c}' is not numeric: value {col.iloc[i]!r} for unit "
                          f"'{idata['uCode'].iloc[i]}' (row {order[i] + 1})")
        num[c] = conv.to_numpy(dtype=float)
    if errors:
        raise IndexInputError("iData", errors)
    times = idata["Time"].to_numpy() if "Time" in idata else np.zeros(len(idata))
    last = times == np.max(times)
    units = np.asarray(idata["uCode"].astype(str).tolist(), dtype=object)
    if len(set(units[last])) < last.sum():
        dup = pd.Series(units[last])[pd.Series(units[last]).duplicated()].unique()
        raise IndexInputError("iData", [f"unit '{u}' appears more than once" for u in dup])
    x_all = np.column_stack([num[c] for c in fw.indicators])
    empty = [c for j, c in enumerate(fw.indicators) if np.all(np.isnan(x_all[last, j]))]
    if empty:
        raise IndexInputError("iData", [f"indicator '{c}' has no data (all values missing)" for c in empty])
    table = {c: np.asarray(idata[c].tolist(), dtype=object) for c in fw.groups if c in idata}
    table.update({c: num[c] for c in fw.denominators if c in num})
    panel = None
    if not last.all():
        panel = (units, times, x_all, table)
    return State(units=units[last], x=x_all[last],
                 unit_table={k: v[last] for k, v in table.items()}, panel=panel)


class IndexPipeline:
    """Named steps run in order; each writes its COINr dataset."""

    def __init__(self, steps: list[tuple[str, Step | None]]):
        self.steps = steps

    # -- scikit-learn parameter protocol ---------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        out = {"steps": self.steps}
        for name, step in self.steps:
            out[name] = step
            if deep and isinstance(step, Step):
                for k, v in step.get_params().items():
                    out[f"{name}__{k}"] = v
        return out

    def set_params(self, **params) -> IndexPipeline:
        names = [n for n, _ in self.steps]
        for key, value in params.items():
            if key == "steps":
                self.steps = value
                continue
            name, _, sub = key.partition("__")
            if name not in names:
                raise IndexInputError("pipeline", [f"no step named '{name}' (steps: {', '.join(names)})"])
            i = names.index(name)
            if not sub:
                self.steps[i] = (name, value)
            else:
                step = self.steps[i][1]
                if not isinstance(step, Step):
                    raise IndexInputError("pipeline", [f"step '{name}' is switched off; cannot set '{sub}'"])
                step.set_params(**{sub: value})
        return self

    def to_spec(self) -> dict:
        """The spec that rebuilds this pipeline (for a run manifest): steps in order, with the
        parameters that differ from their defaults."""
        out = {}
        for name, step in self.steps:
            if isinstance(step, Step):
                default = type(step)().get_params()
                out[name] = {k: copy.deepcopy(v) for k, v in step.get_params().items() if v != default[k]}
        return out

    def named_steps(self) -> dict[str, Step | None]:
        return dict(self.steps)

    def __repr__(self):
        return f"IndexPipeline({self.steps!r})"

    # -- running ---------------------------------------------------------------------------------
    def run(self, idata: pd.DataFrame, imeta: pd.DataFrame | Framework, stop_before: str | None = None
            ) -> IndexResult:
        fw = imeta if isinstance(imeta, Framework) else read_framework(imeta)
        return self.run_state(read_idata(idata, fw), fw, stop_before)

    def run_state(self, state: State, fw: Framework, stop_before: str | None = None,
                  report: bool = True) -> IndexResult:
        """Run on already-checked data (see ``read_idata``); ``report=False`` skips step reports."""
        tables = Tables()
        tables.put("Raw", state.units, state.x, fw.indicators)
        unit_data = {"uCode": state.units, **state.unit_table}
        reports: dict[str, object] = {}
        for name, step in self.steps:
            if name == stop_before:
                break
            if step is None or step == "passthrough":
                continue
            state, rep = step.run(state, fw, report=report)
            codes = fw.indicators + (fw.aggregates if state.x.shape[1] > len(fw.indicators) else [])
            tables.put(step.dataset, state.units, state.x, codes)
            if rep is not None:
                reports[name] = rep
        return IndexResult(framework=fw, tables=tables, reports=reports, state=state, pipeline=self,
                           unit_data=unit_data)


def clone(obj):
    """A fresh, independent copy with the same parameters (steps are cloned too)."""
    if isinstance(obj, IndexPipeline):
        return IndexPipeline([(n, clone(s) if isinstance(s, Step) else s) for n, s in obj.steps])
    if isinstance(obj, Step):
        return type(obj)(**copy.deepcopy(obj.get_params()))
    raise TypeError(f"cannot clone {type(obj).__name__}")


def from_spec(spec: dict) -> IndexPipeline:
    """Build a pipeline from a spec (COINr step and parameter names); steps left out are not run."""
    unknown = [k for k in spec if k not in STEPS]
    if unknown:
        raise IndexInputError("spec", [f"unknown step '{k}' (expected one of {', '.join(STEPS)})"
                                       for k in unknown])
    steps = []
    for name in spec:
        params = dict(spec[name] or {})
        # COINr nests the methods of Normalise and Treat in global_specs: accept that form too
        params.update(params.pop("global_specs", None) or {})
        try:
            steps.append((name, STEPS[name]()))
            steps[-1][1].set_params(**params)
        except IndexInputError as e:
            raise IndexInputError(f"spec [{name}]", e.errors) from None
    return IndexPipeline(steps)
