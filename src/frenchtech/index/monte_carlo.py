"""Uncertainty analysis: Monte Carlo over methodological choices, vectorised across replications.

Uncertain inputs are plain data (dicts, or ``[[uncertainty.inputs]]`` tables in a spec file):

* discrete alternatives: ``{"name": "winmax", "address": "treat__winmax", "values": [1, 2, 3, 4, 5]}``;
  a dict value sets several parameters of the step named by ``address``
  (``{"address": "normalise", "values": [{"f_n": "n_minmax", "f_n_para": [1, 100]}, ...]}``);
* continuous ranges: ``{"name": "p", "address": "aggregate__f_ag_para__p", "range": [1, 3]}``;
* weight noise: ``{"name": "weights", "noise": {"2": 0.25, "3": 0.25}, "n_sets": 100}`` — as COINr's
  ``get_noisy_weights``: ``n_sets`` weight sets where each weight at a listed level becomes
  ``w + w * noise * (2U - 1)``; each replication draws one set.

A uniform sample U in [0, 1) is mapped to values as COINr's ``sample_2_para`` does (discrete: R's
``cut(U, n)`` into equal bins over the sample's range; continuous: ``lo + U (hi - lo)``).
Replications sharing the same choices before aggregation share one run of those steps; the
aggregation itself runs for many weight sets and methods at once (``aggregate.aggregate_levels``).
A replication where COINr would stop with an error (e.g. geometric mean of a zero) gives no ranks.
"""
from __future__ import annotations

import copy
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import bar, rstats
from .aggregate import aggregate_levels
from .errors import IndexInputError
from .framework import Framework, read_framework
from .pipeline import IndexPipeline, clone, read_idata
from .steps import Aggregate

CHUNK = 256  # replications aggregated together: bounds memory at (CHUNK x units) per node
WORKERS = min(8, os.cpu_count() or 1)  # numpy releases the GIL: chunks run side by side


def _parallel(fn, tasks):
    if WORKERS == 1 or len(tasks) < 2:
        return [fn(*t) for t in tasks]
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda t: fn(*t), tasks))


@dataclass
class UncertainInput:
    name: str
    kind: str                  # "discrete", "continuous" or "weights"
    step: str | None = None
    param: str | None = None
    key: str | None = None     # item inside a dict parameter (aggregate__f_ag_para__p)
    values: list | None = None
    bounds: tuple | None = None
    noise: dict | None = None
    n_sets: int = 100


def parse_inputs(inputs, pipe: IndexPipeline) -> list[UncertainInput]:
    """Check the uncertain inputs against the pipeline; errors name the input."""
    steps = dict(pipe.steps)
    out, errors = [], []
    for i, spec in enumerate(inputs):
        spec = dict(spec)
        name = spec.get("name") or spec.get("address") or f"input {i + 1}"
        if "noise" in spec:
            noise = {int(k): float(v) for k, v in dict(spec["noise"]).items()}
            out.append(UncertainInput(name, "weights", noise=noise, n_sets=int(spec.get("n_sets", 100))))
            continue
        addr = str(spec.get("address", ""))
        step, _, rest = addr.partition("__")
        param, _, key = rest.partition("__")
        if step not in steps or steps[step] is None:
            errors.append(f"{name}: address '{addr}' does not name a step of the pipeline")
            continue
        if param and param not in type(steps[step])._param_names():
            errors.append(f"{name}: step '{step}' has no parameter '{param}'")
            continue
        if "values" in spec:
            vals = list(spec["values"])
            if not vals:
                errors.append(f"{name}: empty list of values")
            if not param and not all(isinstance(v, dict) for v in vals):
                errors.append(f"{name}: values for a whole step must be tables of parameters")
            out.append(UncertainInput(name, "discrete", step, param or None, key or None, values=vals))
        elif "range" in spec:
            lo, hi = (float(v) for v in spec["range"])
            if not hi > lo or not param:
                errors.append(f"{name}: range must be [low, high] with low < high, on a parameter")
            out.append(UncertainInput(name, "continuous", step, param, key or None, bounds=(lo, hi)))
        else:
            errors.append(f"{name}: give 'values', 'range' or 'noise'")
    if errors:
        raise IndexInputError("uncertain inputs", errors)
    return out


def map_sample(U: np.ndarray, inputs: list[UncertainInput]) -> list[np.ndarray]:
    """Indices (discrete, weight sets) or values (continuous) for each input, as COINr maps them."""
    cols = []
    for j, inp in enumerate(inputs):
        u = U[:, j]
        if inp.kind == "discrete":
            cols.append(rstats.r_cut_index(u, len(inp.values)))
        elif inp.kind == "weights":
            cols.append(rstats.r_cut_index(u, inp.n_sets))
        else:
            lo, hi = inp.bounds
            cols.append(lo + u * (hi - lo))
    return cols


def noisy_weight_sets(fw: Framework, inp: UncertainInput, rng: np.random.Generator) -> np.ndarray:
    """Multipliers (n_sets, nodes): 1 + noise * (2U - 1) at the listed levels, 1 elsewhere."""
    nodes = fw.indicators + fw.aggregates
    bad = [lev for lev in inp.noise if not 1 <= lev <= fw.nlev]
    if bad:
        raise IndexInputError("uncertain inputs", [f"{inp.name}: level {b} is not in 1..{fw.nlev}" for b in bad])
    mult = np.ones((inp.n_sets, len(nodes)))
    for lev, f in sorted(inp.noise.items()):
        cols = [i for i, c in enumerate(nodes) if fw.level[c] == lev]
        mult[:, cols] = 1 + (rng.random((inp.n_sets, len(cols))) * 2 - 1) * f
    return mult


def _set(pipe: IndexPipeline, inp: UncertainInput, value):
    if inp.param is None:
        pipe.set_params(**{f"{inp.step}__{k}": copy.deepcopy(v) for k, v in value.items()})
    elif inp.key is not None:
        cur = dict(pipe.named_steps()[inp.step].get_params()[inp.param] or {})
        cur[inp.key] = value
        pipe.set_params(**{f"{inp.step}__{inp.param}": cur})
    else:
        pipe.set_params(**{f"{inp.step}__{inp.param}": copy.deepcopy(value)})


def _value(inp: UncertainInput, col, r):
    return inp.values[int(col[r])] if inp.kind == "discrete" else float(col[r])


class Engine:
    """Runs many replications of one pipeline on one data set."""

    def __init__(self, pipe: IndexPipeline, idata, imeta, target: str | None = None):
        names = [n for n, _ in pipe.steps]
        if "aggregate" not in names or pipe.named_steps()["aggregate"] is None:
            raise IndexInputError("uncertainty", ["the spec has no aggregate step"])
        self.pipe = pipe
        self.fw = imeta if isinstance(imeta, Framework) else read_framework(imeta)
        self.state0 = read_idata(idata, self.fw)
        self.target = target or self.fw.parents_by_level[self.fw.nlev][0]
        if self.target not in self.fw.aggregates:
            raise IndexInputError("uncertainty", [f"target '{self.target}' is not an aggregate"])
        self.t_col = self.fw.aggregates.index(self.target)
        nominal = pipe.run_state(self.state0, self.fw, report=False)
        self.units = nominal.state.units
        self.nominal_scores = nominal.scores(self.target).to_numpy()
        self.nominal_ranks = rstats.rank_desc(self.nominal_scores)
        self._cache: dict = {}

    def _pre_state(self, pipe: IndexPipeline):
        """State after the steps before aggregation, memoised step by step."""
        state, key = self.state0, ()
        for name, step in pipe.steps:
            if name == "aggregate":
                break
            if step is None or step == "passthrough":
                continue
            key = key + ((name, repr(step.get_params())),)
            if key not in self._cache:
                self._cache[key] = step.run(state, self.fw, report=False)[0]
            state = self._cache[key]
        return state

    def run(self, inputs: list[UncertainInput], U: np.ndarray, seed=0):
        """Scores of the target for each row of U: array (replications, nominal units)."""
        fw = self.fw
        cols = map_sample(U, inputs)
        rng = np.random.default_rng(seed)
        mults = {j: noisy_weight_sets(fw, inp, rng) for j, inp in enumerate(inputs) if inp.kind == "weights"}
        n = U.shape[0]
        scores = np.full((n, len(self.units)), np.nan)
        pre_in = [j for j, i in enumerate(inputs) if i.kind != "weights" and i.step != "aggregate"]
        agg_in = [j for j, i in enumerate(inputs) if i.kind != "weights" and i.step == "aggregate"]
        pre_keys = [tuple(cols[j][r] for j in pre_in) for r in range(n)] if pre_in else [()] * n
        agg_keys = [tuple(cols[j][r] for j in agg_in) for r in range(n)] if agg_in else [()] * n
        groups: dict = {}
        for r in range(n):
            groups.setdefault((pre_keys[r], agg_keys[r]), []).append(r)
        errors, tasks = [], []
        for (pk, ak), reps in groups.items():
            pipe = clone(self.pipe)
            r0 = reps[0]
            try:
                for j in pre_in + agg_in:
                    _set(pipe, inputs[j], _value(inputs[j], cols[j], r0))
                state = self._pre_state(pipe)
                step: Aggregate = pipe.named_steps()["aggregate"]
                key = ("weights", repr(step.get_params()), self._cache_key(pipe))
                if key not in self._cache:
                    self._cache[key] = step.weights(fw, state.x, state.units)
                base = np.array([self._cache[key][c] for c in fw.indicators + fw.aggregates])
                f_ag, para, thr = step.methods(fw)
            except IndexInputError as e:
                # as COINr, a combination of choices that cannot be built gives no result
                errors.append(e)
                continue
            pos = self._unit_positions(state.units)
            reps = np.asarray(reps)
            for start in range(0, len(reps), CHUNK):
                rr = reps[start:start + CHUNK]
                W = np.tile(base, (len(rr), 1))
                for j, m in mults.items():
                    W = W * m[cols[j][rr]]
                tasks.append((state, W, (f_ag, para, thr), rr, pos))
        if errors and len(errors) == len(groups):
            raise errors[0]  # nothing could be built: the inputs themselves are wrong

        def aggregate_chunk(state, W, methods, rr, pos):
            out, _ = aggregate_levels(fw, state.x, W, *methods, state.units, strict=False, keep=[self.target])
            scores[np.ix_(rr, pos)] = out[:, :, 0]   # chunks write disjoint rows
        _parallel(aggregate_chunk, tasks)
        return scores

    def _cache_key(self, pipe):
        return tuple((n, repr(s.get_params())) for n, s in pipe.steps
                     if n != "aggregate" and s is not None and s != "passthrough")

    def _unit_positions(self, units):
        where = {u: i for i, u in enumerate(self.units)}
        missing = [u for u in units if u not in where]
        if missing:
            raise IndexInputError("uncertainty", [f"unit '{missing[0]}' is not in the nominal build"])
        return np.array([where[u] for u in units])


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank units within each replication (row): highest score 1, ties at the best rank, NaN kept."""
    if scores.shape[0] > 2 * CHUNK:
        blocks = [(scores[i:i + CHUNK],) for i in range(0, scores.shape[0], CHUNK)]
        return np.concatenate(_parallel(_rank_block, blocks))
    return _rank_block(scores)


def _rank_block(scores: np.ndarray) -> np.ndarray:
    s = np.where(np.isnan(scores), np.inf, -scores)
    order = np.argsort(s, axis=1, kind="stable")
    srt = np.take_along_axis(s, order, axis=1)
    pos = np.broadcast_to(np.arange(1, s.shape[1] + 1, dtype=np.float64), s.shape)
    tie = srt[:, 1:] == srt[:, :-1]
    if tie.any():  # a tie takes the position of the first of its run
        new = np.ones(s.shape, dtype=bool)
        new[:, 1:] = ~tie
        pos = np.maximum.accumulate(np.where(new, pos, 0.0), axis=1)
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, pos, axis=1)
    ranks[np.isnan(scores)] = np.nan
    return ranks


def rank_summary(ranks: np.ndarray, n_units: int) -> dict[str, np.ndarray]:
    """Mean, median, 5% and 95% (R type 7) of each unit's ranks, from counts of each rank value."""
    R, u = ranks.shape
    width = n_units + 1
    offset = np.arange(u, dtype=np.int64) * width
    nan = np.isnan(ranks)
    if nan.any():
        ok = ~nan
        flat = (np.where(ok, ranks, 0).astype(np.int64) + offset)[ok]
    else:
        flat = (ranks.astype(np.int64) + offset).ravel()
    counts = np.bincount(flat, minlength=u * width).reshape(u, width)
    n = counts.sum(axis=1)
    values = np.arange(n_units + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (counts * values).sum(axis=1) / n
    cum = np.cumsum(counts, axis=1)
    out = {"Mean": mean}
    has = n > 0
    for name, q in (("Median", 0.5), ("Q5", 0.05), ("Q95", 0.95)):
        h = (np.maximum(n, 1) - 1) * q
        lo = np.floor(h)
        hi = np.minimum(lo + 1, np.maximum(n, 1) - 1)
        # the k-th sorted rank (0-based) is the first rank value whose cumulative count exceeds k
        a = (cum > lo[:, None]).argmax(axis=1)
        b = (cum > hi[:, None]).argmax(axis=1)
        out[name] = np.where(has, a + (h - lo) * (b - a), np.nan)
    return out


@dataclass
class UncertaintyResult:
    units: np.ndarray
    inputs: pd.DataFrame          # the value each input took in each replication
    scores: np.ndarray            # (replications, units) target scores
    ranks: np.ndarray             # (replications, units) ranks, 1 = best
    nominal: pd.DataFrame         # uCode, Score, Rank of the nominal build
    rank_stats: pd.DataFrame      # uCode, Nominal, Mean, Median, Q5, Q95
    pass_probability: pd.Series | None = None
    failed: int = 0


def make_rule(rule=None, quota=None, threshold=None, relative=None):
    """The labelling rule as a function (scores, ranks) -> bool array, both (replications, units).

    ``quota=k``: the k best pass (ties with the k-th included); ``threshold=t``: score >= t passes;
    ``relative=f``: score >= f x the replication's mean score passes (as the European Innovation
    Scoreboard's groups); ``rule``: any such function of your own. The bars are those of
    ``frenchtech.index.bar``, which the labelling rules use too.
    """
    given = [x is not None for x in (rule, quota, threshold, relative)]
    if sum(given) > 1:
        raise IndexInputError("uncertainty", ["give only one of rule, quota, threshold, relative"])
    if rule is not None:
        return rule
    if quota is not None:
        return lambda s, r: bar.quota_pass(s, quota)
    if threshold is not None:
        return lambda s, r: bar.share_pass(bar.ratio(s, 1.0), threshold)
    if relative is not None:
        return lambda s, r: bar.share_pass(bar.ratio(s, bar.mean_reference(s)), relative)
    return None


def sample_uniform(n: int, d: int, seed) -> np.ndarray:
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return rng.random((n, d))


def run_uncertainty(pipe: IndexPipeline, idata, imeta, inputs, n: int = 1000, seed=0, rule=None,
                    quota=None, threshold=None, relative=None, target=None) -> UncertaintyResult:
    """Run ``n`` replications; seeded: the same seed gives the same result."""
    if n < 1:
        raise IndexInputError("uncertainty", [f"n must be at least 1, got {n}"])
    engine = Engine(pipe, idata, imeta, target)
    parsed = parse_inputs(inputs, pipe)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    U = rng.random((n, len(parsed)))
    scores = engine.run(parsed, U, seed=rng)
    return summarise(engine, parsed, U, scores, make_rule(rule, quota, threshold, relative))


def summarise(engine: Engine, parsed, U, scores, rule=None) -> UncertaintyResult:
    ranks = rank_rows(scores)
    units = engine.units
    stats = rank_summary(ranks, len(units))
    failed = int(np.all(np.isnan(scores), axis=1).sum())
    table = pd.DataFrame({"uCode": units, "Nominal": engine.nominal_ranks, **stats})
    cols = map_sample(U, parsed)
    para = pd.DataFrame({p.name: ([repr(p.values[int(i)]) if isinstance(p.values[int(i)], (dict, list))
                                   else p.values[int(i)] for i in c] if p.kind == "discrete" else c)
                         for p, c in zip(parsed, cols)})
    prob = None
    if rule is not None:
        ok = ~np.all(np.isnan(scores), axis=1)
        passed = np.asarray(rule(scores[ok], ranks[ok]), dtype=bool)
        prob = pd.Series(passed.mean(axis=0) if ok.any() else np.nan, index=units, name="PassProbability")
        table["PassProbability"] = prob.to_numpy()
    nominal = pd.DataFrame({"uCode": units, "Score": engine.nominal_scores, "Rank": engine.nominal_ranks})
    return UncertaintyResult(units=units, inputs=para, scores=scores, ranks=ranks, nominal=nominal,
                             rank_stats=table, pass_probability=prob, failed=failed)
