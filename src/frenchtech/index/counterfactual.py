"""Counterfactuals: the smallest change of a unit's indicators that changes its decision.

For a unit below the bar: for each indicator alone, the smallest improvement of its raw value that
puts the unit over the bar (or none within the search range), and the cheapest combination of
changes under a cost (the relative change of each indicator, times its cost weight, summed). For a
unit above the bar: its margin, how far each indicator alone could fall before the label is lost.

Every candidate value goes through the pipeline's own steps (treatment, normalisation, aggregation)
and the labelling rule is applied to the whole re-run: when one unit's raw value changes, min-max
bounds, winsorisation and the other units' scores may change too, and a quota's bar moves with them.
Nothing is extrapolated from the nominal build.

* **The bar** of a unit in a run is the lowest score at which it passes the rule, the other units'
  scores of that run held as they are (for a quota of ``k``, the ``k``-th best score of the others).
  It is found from the rule itself, so any rule works (quota, threshold, relative, a campaign's own).
* **Exact search** when the outcome is monotone in the raw value (every aggregate a mean with
  non-negative weights, no outlier treatment): the search range is checked at its far end, then a
  ladder of values from the column's edge outwards, then bracketed regula falsi (Illinois) on the raw
  value, keeping the passing end, until the unit's score is within ``tolerance`` of the bar and the
  bracket narrower than ``WIDTH`` of the change.
  Otherwise (winsorisation or a log can pull a rising value back; Copeland; negative weights) the
  column's edge is probed as well as the far end (a value beyond the others is the one winsorisation
  pulls back), and the boundary found is checked from below (at 50, 80 and 95 % of the change) and
  bracketed again when the outcome changes earlier: an optimiser's answer, the smallest change found
  rather than a proven minimum.
* **Search range**: from the current value up to the column's maximum plus ``LIMIT`` times its
  spread (improvements and falls of "less is better" indicators), down to 0 for a column without
  negative values (else its minimum minus ``LIMIT`` spreads). Beyond it: "no change of this
  indicator alone suffices" (``found`` false).
* **Cost** of a change: |new - current| / scale x weight, where scale is the current value, or the
  median of the column's non-zero absolute values when the current value is 0 (a relative change
  from 0 is otherwise infinite); weights are 1 unless ``costs`` gives ``{iCode: weight}``.
* **The combination** is found by a greedy optimiser: move the indicator whose small step gains the
  most margin per unit of cost, as far as the column's best value (beyond it min-max saturates) or
  to the bar, and repeat; the best single change is kept when it is cheaper.
* Each result is **checked** by re-running the pipeline on iData with the changed value
  (``pipe.run``), which gives ``new_score``, ``new_bar``, ``passes``; with uncertain ``inputs`` the
  probability of passing after the change (``p_pass``) is a Monte Carlo analysis of the changed data
  with the same inputs, ``n`` and seed.
* Units are searched independently of one another: with ``workers`` > 1 they are shared among that
  many forked processes (each search is a chain of small pipeline runs that holds the interpreter's
  lock, so threads would not run them side by side); the table is the same, row for row.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .errors import IndexInputError
from .framework import Framework, read_framework
from .monte_carlo import Engine, make_rule, parse_inputs, rank_rows
from .pipeline import IndexPipeline, read_idata
from .steps import State

LIMIT = 100          # search range: up to the column's max + LIMIT x its spread (see the module's doc)
TOLERANCE = 1e-3     # the search stops when the score is within this share of the bar
MAX_STEPS = 60       # evaluations of one bracketed search, at most
WIDTH = 2e-3         # ... and when the bracket is narrower than this share of the change
TIE = 1e-9           # a score this share lower still passes: the change is not a tie at the bar
MONOTONE = ("a_amean", "a_gmean", "a_hmean", "a_genmean")

COLUMNS = ["uCode", "position", "kind", "iCode", "value", "new_value", "change", "relative_change", "cost",
           "found", "score", "bar", "new_score", "new_bar", "gap", "passes", "p_pass", "combination_cost"]


@dataclass
class Outcome:
    """One run of the pipeline seen from one unit: its score, the bar, whether it passes."""
    score: float
    bar: float
    passes: bool
    robust: bool = True   # passes still with its score a hair lower: not a tie at the bar

    @property
    def margin(self) -> float:
        return self.score - self.bar if np.isfinite(self.bar) else (-np.inf if self.bar > 0 else np.inf)

    @property
    def gap(self) -> float:
        """(score - bar) / |bar|: how far above (positive) or below the bar, as a share of it."""
        if not np.isfinite(self.bar):
            return np.nan
        return self.margin / abs(self.bar) if self.bar != 0 else self.margin


@dataclass
class CounterfactualResult:
    table: pd.DataFrame     # COLUMNS, one row per (unit, kind, indicator)
    evaluations: int        # pipeline runs made by the searches (the checks and Monte Carlo aside)

    def of(self, unit: str) -> pd.DataFrame:
        return self.table[self.table["uCode"] == str(unit)].reset_index(drop=True)


class Problem:
    """A pipeline, its data and a rule: evaluates changed raw values of one unit."""

    def __init__(self, pipe: IndexPipeline, idata: pd.DataFrame, imeta, rule, target=None,
                 inputs=None, n: int = 1000, seed=0):
        self.pipe, self.idata = pipe, idata
        self.fw: Framework = imeta if isinstance(imeta, Framework) else read_framework(imeta)
        self.state = read_idata(idata, self.fw)
        self.units = [str(u) for u in self.state.units]
        self.row = {u: i for i, u in enumerate(self.units)}
        self.target = target or self.fw.parents_by_level[self.fw.nlev][0]
        if self.target not in self.fw.aggregates:
            raise IndexInputError("counterfactual", [f"target '{self.target}' is not an aggregate"])
        self.rule = rule
        self.inputs, self.n, self.seed = inputs, n, seed
        self.evaluations = 0
        nominal = pipe.run_state(self.state, self.fw, report=False)
        self.nominal_scores = self._scores(nominal)
        weights = (nominal.reports.get("aggregate") or {}).get("Weights", {})
        f_ag = pipe.named_steps()["aggregate"].methods(self.fw)[0]
        self.monotone = (all(m in MONOTONE for m in f_ag.values())
                         and all(w >= 0 for w in weights.values()))
        # outlier treatment can pull a rising value back (winsorised, or the whole column logged): the
        # outcome is then not monotone in the raw value, and the search scans instead
        treat = pipe.named_steps().get("treat")
        self.treated = treat is not None and treat != "passthrough" and (
            treat.f1 not in (None, "none") or treat.f2 not in (None, "none"))
        self.exact = self.monotone and not self.treated

    # -- runs ------------------------------------------------------------------------------------
    def _scores(self, result) -> np.ndarray:
        """The target's scores in the nominal units' order (NaN for a unit screened out); read from the
        final state's array, not the Aggregated table (building a DataFrame costs more than a run)."""
        st = result.state
        col = st.x[:, len(self.fw.indicators) + self.fw.aggregates.index(self.target)]
        if len(st.units) == len(self.units) and all(a == b for a, b in zip(st.units, self.units)):
            return np.asarray(col, dtype=float)
        where = {str(u): k for k, u in enumerate(st.units)}
        return np.array([col[where[u]] if u in where else np.nan for u in self.units], dtype=float)

    def changed_state(self, unit: str, values: dict[int, float]) -> State:
        i = self.row[unit]
        x = self.state.x.copy()
        for j, v in values.items():
            x[i, j] = v
        panel = self.state.panel
        if panel is not None:  # the latest time's row of the panel carries the same value
            u, t, px, tab = panel
            px = px.copy()
            k = int(np.flatnonzero((np.asarray(u) == unit) & (t == np.max(t)))[0])
            for j, v in values.items():
                px[k, j] = v
            panel = (u, t, px, tab)
        return replace(self.state, x=x, panel=panel)

    def outcome(self, unit: str, scores: np.ndarray) -> Outcome:
        i = self.row[unit]
        lower = scores.copy()
        lower[i] -= TIE * max(abs(scores[i]), 1.0)
        ok = self._passes(np.vstack([scores, lower]))[:, i]
        return Outcome(float(scores[i]), self.bar(scores, i), bool(ok[0]), bool(ok[1]))

    def evaluate(self, unit: str, values: dict[int, float]) -> Outcome:
        """The unit's outcome when its raw values ``{indicator column: value}`` are changed."""
        self.evaluations += 1
        res = self.pipe.run_state(self.changed_state(unit, values), self.fw, report=False)
        return self.outcome(unit, self._scores(res))

    def _passes(self, scores: np.ndarray) -> np.ndarray:
        # ranks cost more than most rules: given only to a rule that does not say it ignores them
        ranks = rank_rows(scores) if getattr(self.rule, "uses_ranks", True) else None
        return np.asarray(self.rule(scores, ranks), dtype=bool)

    def bar(self, scores: np.ndarray, i: int) -> float:
        """The lowest score at which unit ``i`` passes, the others' scores held ("the bar"), found from
        the rule itself on a grid of candidate scores, refined twice (to about 1e-6 of the range)."""
        others = np.delete(scores, i)
        others = others[~np.isnan(others)]
        lo, hi = (float(others.min()), float(others.max())) if others.size else (-1.0, 1.0)
        span = max(hi - lo, abs(hi), abs(lo), 1.0)
        # the bar of a share of the mean can lie above the others' range: reach out geometrically there;
        # below, one span at most (far below, a share of a negative mean passes again: not a bar)
        grid = np.concatenate([[lo - span, lo - span / 2], np.linspace(lo, hi, 129)[:-1],
                               hi + span * 2.0 ** np.arange(-6, 41)])
        for _ in range(3):
            m = np.tile(scores, (len(grid), 1))
            m[:, i] = grid
            ok = self._passes(m)[:, i]
            if not ok.any():
                return np.inf      # no score passes
            k = int(np.argmax(ok))
            if k == 0:
                return -np.inf     # every score passes
            grid = np.linspace(grid[k - 1], grid[k], 129)
        return float(grid[-1])

    def check(self, unit: str, values: dict[str, float], probability: bool = True) -> tuple[Outcome, float]:
        """Re-run the whole pipeline on iData with the changed values (the public path, ``pipe.run``);
        with ``probability``, the probability of passing under the uncertain inputs (NaN without)."""
        idata = self.changed_idata(unit, values)
        res = self.pipe.run(idata, self.fw)
        out = self.outcome(unit, self._scores(res))
        return out, self.pass_probability(unit, idata) if probability else np.nan

    def changed_idata(self, unit: str, values: dict[str, float]) -> pd.DataFrame:
        idata = self.idata.copy(deep=False)   # the changed columns are new arrays: iData itself is untouched
        rows = (idata["uCode"].astype(str) == unit).to_numpy()
        if "Time" in idata and idata["Time"].nunique() > 1:
            rows = rows & (idata["Time"] == idata["Time"].max()).to_numpy()
        for code, v in values.items():
            column = idata[code].to_numpy(dtype=float, copy=True)
            column[rows] = v
            idata[code] = column
        return idata

    def pass_probability(self, unit: str, idata: pd.DataFrame) -> float:
        if not self.inputs:
            return np.nan
        engine = Engine(self.pipe, idata, self.fw, self.target)
        parsed = parse_inputs(self.inputs, self.pipe)
        rng = self.seed if isinstance(self.seed, np.random.Generator) else np.random.default_rng(self.seed)
        U = rng.random((self.n, len(parsed)))
        scores = engine.run(parsed, U, seed=rng)
        ok = ~np.all(np.isnan(scores), axis=1)
        if not ok.any():
            return np.nan
        col = [str(u) for u in engine.units].index(unit)
        return float(self._passes(scores[ok])[:, col].mean())

    # -- the search range and costs -----------------------------------------------------------------
    def column(self, j: int) -> np.ndarray:
        c = self.state.x[:, j]
        return c[~np.isnan(c)]

    def scale(self, unit: str, j: int) -> float:
        x0 = self.state.x[self.row[unit], j]
        if x0 != 0:
            return abs(float(x0))
        nz = np.abs(self.column(j))
        nz = nz[nz > 0]
        return float(np.median(nz)) if nz.size else 1.0

    def spread(self, j: int) -> float:
        c = self.column(j)
        return float(c.max() - c.min()) or max(abs(float(c.max())), 1.0)

    def far_end(self, j: int, sign: int) -> float:
        """The search range's end in direction ``sign`` (+1 up, -1 down)."""
        c = self.column(j)
        if sign > 0:
            return float(c.max()) + LIMIT * self.spread(j)
        return 0.0 if c.min() >= 0 else float(c.min()) - LIMIT * self.spread(j)

    def edge(self, unit: str, j: int, sign: int, x0: float) -> float | None:
        """Distance from ``x0`` to the other units' best (``sign`` +1) or worst (-1) value of column ``j``."""
        others = np.delete(self.state.x[:, j], self.row[unit])
        others = others[~np.isnan(others)]
        if not others.size:
            return None
        return (float(others.max() if sign > 0 else others.min()) - x0) * sign


def _ladder(t_far: float, t_edge: float | None, spread: float) -> list[float]:
    """The values tried before the bracketed search, in increasing order: the column's edge (where the
    unit becomes its best or worst and min-max bounds start to move) and doubling steps beyond it to
    the far end, so that the bracket is narrow where the score curves."""
    edge = t_edge if t_edge is not None and 0 < t_edge < t_far else 0.0
    points = [edge] if edge > 0 else []
    points += [edge + spread * 2.0 ** k for k in range(-3, 8) if edge + spread * 2.0 ** k < t_far]
    return points + [t_far]


def _search(evaluate, ladder: list[float], start: Outcome, tolerance: float, exact: bool,
            edge: float | None = None):
    """The boundary of passing along t >= 0 from ``start`` (t = 0), tried at ``ladder``'s values in
    order, then bracketed: returns (t, outcome) at the passing end of the boundary, or None when the
    outcome never changes. ``evaluate(t) -> Outcome``. When the outcome is not known to be monotone,
    the boundary found is checked from below (at 50, 80 and 95 % of the way): an earlier change of
    outcome there is bracketed again."""
    want = not start.passes      # the outcome that lies beyond the boundary
    # Probes first: the far end, and without monotony the column's edge too (a value beyond the others
    # is the one winsorisation pulls back): when the outcome changes at neither, it is taken to change
    # nowhere.
    probes = {ladder[-1]: evaluate(ladder[-1])}
    if not exact and edge is not None and 0 < edge < ladder[-1]:
        probes[edge] = evaluate(edge)
    if all(o.passes != want for o in probes.values()):
        return None
    a, fa, b, fb = 0.0, start, None, None
    for t in ladder:
        o = probes[t] if t in probes else evaluate(t)
        if o.passes == want:
            b, fb = t, o
            break
        a, fa = t, o
    if b is None:
        return None
    for _ in range(4 if not exact else 1):
        found = _clear(evaluate, *_bracket(evaluate, a, fa, b, fb, want, tolerance), 1 if want else -1, tolerance)
        if exact:
            return found
        t_found = found[0]   # the passing end: the boundary, within the tolerance
        earlier = None
        for f in (0.5, 0.8, 0.95):
            o = evaluate(f * t_found)
            if o.passes == want:
                earlier = (f * t_found, o)
                break
        if earlier is None:
            return found
        b, fb = earlier
        a, fa = 0.0, start
    return found


def _clear(evaluate, t: float, o: Outcome, direction: int, tolerance: float):
    """Move a passing point found exactly at the bar (a tie, which a rounding of the data could undo)
    by small steps in the passing ``direction`` until it passes with its score a hair lower too."""
    if not o.passes or o.robust:
        return t, o
    step = max(abs(t), 1e-300) * 1e-7
    for _ in range(20):
        t2 = t + direction * step
        if t2 < 0:
            break
        o2 = evaluate(t2)
        if o2.passes and o2.robust:
            return t2, o2
        if not o2.passes or (np.isfinite(o2.gap) and o2.gap > tolerance):
            break
        step *= 4
    return t, o


def _bracket(evaluate, a, fa, b, fb, want, tolerance):
    """Regula falsi (Illinois) between a (outcome as at the start) and b (changed); returns the passing end."""
    side = -1  # Illinois: halve the weight of an end kept twice
    ma, mb = fa.margin, fb.margin
    probed = False
    for _ in range(MAX_STEPS):
        passing_t, passing = (b, fb) if fb.passes else (a, fa)
        # done when the passing end is within the tolerance of the bar and the bracket is narrow (its
        # width a share of the change): close in score and close in value
        # (the gap's sign is the bar's, found on a grid: passing is the rule's own answer)
        # a tie (passing, but not a hair lower) is the boundary itself: no need to narrow further
        if passing.passes and np.isfinite(passing.gap) and passing.gap <= tolerance \
                and (abs(b - a) <= WIDTH * max(abs(a), abs(b)) or not passing.robust):
            return passing_t, passing
        if abs(b - a) <= 1e-12 * max(abs(a), abs(b), 1.0):
            break
        width = WIDTH * max(abs(a), abs(b))
        if passing.passes and np.isfinite(passing.gap) and passing.gap <= tolerance and not probed:
            # close enough in score: one probe just inside the width, from the passing end (if it
            # passes too, the boundary is further: back to the secant before probing again)
            failing_t = a if passing_t == b else b
            t = passing_t + (failing_t - passing_t) * min(1.0, 0.5 * width / abs(b - a))
            probed = True
        else:
            probed = False
            t = (a * mb - b * ma) / (mb - ma) if np.isfinite(ma) and np.isfinite(mb) and mb != ma else (a + b) / 2
        if not (min(a, b) < t < max(a, b)):
            t = (a + b) / 2
        o = evaluate(t)
        if o.passes == want:
            b, fb, mb = t, o, o.margin
            if side == 1:
                ma /= 2
            side = 1
        else:
            a, fa, ma = t, o, o.margin
            if side == -1:
                mb /= 2
            side = -1
    return (b, fb) if fb.passes else (a, fa)


def single_changes(p: Problem, unit: str, j: int, start: Outcome, tolerance: float):
    """(new value, outcome) of the smallest improvement (below the bar) or the largest fall that keeps
    the label (above it) of indicator ``j`` alone; None when none within the search range."""
    code = p.fw.indicators[j]
    x0 = float(p.state.x[p.row[unit], j])
    if np.isnan(x0):
        return None
    better = int(p.fw.direction.get(code, 1))
    sign = better if not start.passes else -better
    far = p.far_end(j, sign)
    t_far = (far - x0) * sign
    if t_far <= 0:
        return None
    edge = p.edge(unit, j, sign, x0)
    found = _search(lambda t: p.evaluate(unit, {j: x0 + sign * t}),
                    _ladder(t_far, edge, p.spread(j)), start, tolerance, p.exact, edge)
    if found is None:
        return None
    t, out = found
    if not out.passes:
        return None
    return x0 + sign * t, out


def cheapest_combination(p: Problem, unit: str, start: Outcome, costs: dict[int, float], tolerance: float,
                         step: float = 0.01):
    """Greedy: ``{j: new value}`` and its outcome for the cheapest change found that passes, or None.

    Each indicator's margin gained per unit of cost is measured once, by a small step (``step`` of its
    scale) from the current values; indicators are then moved in that order, each as far as the other
    units' best value (beyond it min-max saturates and the gain falls), until the unit passes, the last
    one only as far as the bar. With additive aggregates the gains do not depend on the other
    indicators' values, so measuring them once is enough."""
    x = {j: float(p.state.x[p.row[unit], j]) for j in costs}
    x = {j: v for j, v in x.items() if not np.isnan(v)}
    better = {j: int(p.fw.direction.get(p.fw.indicators[j], 1)) for j in x}
    far = {j: p.far_end(j, better[j]) for j in x}
    scale = {j: p.scale(unit, j) for j in x}
    gains = []
    for j in x:
        room = (far[j] - x[j]) * better[j]
        if room <= 0:
            continue
        dt = min(step * scale[j], room)
        o = p.evaluate(unit, {j: x[j] + better[j] * dt})
        gain = (o.margin - start.margin) / (costs[j] * dt / scale[j]) if np.isfinite(o.margin) else -np.inf
        if gain > 0:
            gains.append((-gain, j))
    current = start
    for _, j in sorted(gains):
        others = np.delete(p.state.x[:, j], p.row[unit])
        others = others[~np.isnan(others)]
        top = (others.max() if better[j] > 0 else others.min()) if others.size else far[j]
        cap = top if (top - x[j]) * better[j] > 0 else far[j]   # min-max saturates at the column's best
        x0, base = x[j], dict(x)
        found = _search(lambda t: p.evaluate(unit, {**base, j: x0 + better[j] * t}),
                        [(cap - x0) * better[j]], current, tolerance, True)
        if found is not None and found[1].passes:
            x[j] = x0 + better[j] * found[0]
            return x, found[1]
        x[j] = cap
        current = p.evaluate(unit, x)
    return None


def _row(unit, position, kind, code, x0, new, scale, weight, found, start, checked=None, p=np.nan):
    change = (new - x0) if found else np.nan
    rel = change / scale if found else np.nan
    return {"uCode": unit, "position": position, "kind": kind, "iCode": code, "value": x0,
            "new_value": new if found else np.nan, "change": change, "relative_change": rel,
            "cost": abs(rel) * weight if found else np.nan, "found": bool(found), "score": start.score,
            "bar": start.bar, "new_score": checked.score if checked else np.nan,
            "new_bar": checked.bar if checked else np.nan, "gap": checked.gap if checked else np.nan,
            "passes": checked.passes if checked else np.nan, "p_pass": p, "combination_cost": np.nan}


def _scores_only(fn):
    def rule(scores, ranks=None):
        return fn(scores, ranks)
    rule.uses_ranks = False
    return rule


def unit_rows(p: Problem, unit: str, codes: list[str], weights: dict[str, float], tolerance: float,
              probability: str) -> list[dict]:
    """The table's rows of one unit: each indicator alone, then (below the bar) the combination."""
    rows = []
    start = p.outcome(unit, p.nominal_scores)
    position = "above" if start.passes else "below"
    kind = "margin" if start.passes else "single"
    want_p = probability == "all" and not start.passes
    for code in codes:
        j = p.fw.indicators.index(code)
        x0 = float(p.state.x[p.row[unit], j])
        scale = p.scale(unit, j)
        found = single_changes(p, unit, j, start, tolerance)
        if found is None:
            rows.append(_row(unit, position, kind, code, x0, np.nan, scale, weights[code], False, start))
            continue
        checked, prob = p.check(unit, {code: found[0]}, want_p)
        rows.append(_row(unit, position, kind, code, x0, found[0], scale, weights[code], True, start,
                         checked, prob))
    if start.passes:
        return rows
    combo = cheapest_combination(p, unit, start, {p.fw.indicators.index(c): weights[c] for c in codes},
                                 tolerance)
    singles = [r for r in rows if r["found"] and r["passes"]]
    best = min(singles, key=lambda r: r["cost"]) if singles else None
    if combo is not None:
        changes = {p.fw.indicators[j]: v for j, v in combo[0].items()
                   if v != p.state.x[p.row[unit], j]}
        cost = sum(abs(v - p.state.x[p.row[unit], p.fw.indicators.index(c)]) / p.scale(unit, p.fw.indicators.index(c))
                   * weights[c] for c, v in changes.items())
        if best is not None and best["cost"] <= cost:
            changes = {best["iCode"]: best["new_value"]}
    elif best is not None:
        changes = {best["iCode"]: best["new_value"]}
    else:
        changes = {}
    if not changes:
        rows.append(_row(unit, position, "combination", "", np.nan, np.nan, 1.0, 1.0, False, start))
        return rows
    checked, prob = p.check(unit, changes, probability != "none")
    for c, v in changes.items():
        j = p.fw.indicators.index(c)
        rows.append(_row(unit, position, "combination", c, float(p.state.x[p.row[unit], j]), v,
                         p.scale(unit, j), weights[c], True, start, checked, prob))
    return rows


# The work the forked processes inherit: set just before they are forked (under the lock, so that two
# searches started by two threads do not mix), read-only after.
_JOB: tuple | None = None
_FORKING = threading.Lock()


def _forked_unit(unit: str) -> tuple[list[dict], int]:
    p, codes, weights, tolerance, probability = _JOB
    before = p.evaluations
    return unit_rows(p, unit, codes, weights, tolerance, probability), p.evaluations - before


class Pending:
    """Counterfactual searches started by ``start_counterfactuals``: ``result()`` waits for them (and
    runs them, when no process was forked); ``cancel()`` stops the forked processes."""

    def __init__(self, p: Problem, todo: list[str], job: tuple, workers: int):
        self.p, self.todo, self.job = p, todo, job
        self.pool = self.running = None
        if workers > 1:
            global _JOB
            with _FORKING:
                _JOB = (p, *job)
                try:
                    self.pool = multiprocessing.get_context("fork").Pool(workers)   # forks them all now
                finally:
                    _JOB = None
            self.running = self.pool.map_async(_forked_unit, todo, chunksize=1)

    def result(self) -> CounterfactualResult:
        p = self.p
        try:
            if self.pool is None:
                per_unit = [unit_rows(p, unit, *self.job) for unit in self.todo]
            else:
                out = self.running.get()
                p.evaluations += sum(k for _, k in out)
                per_unit = [rows for rows, _ in out]
                self.pool.close()
        finally:
            self.cancel()
        table = pd.DataFrame([r for unit in per_unit for r in unit], columns=COLUMNS)
        if not table.empty:
            combo = table["kind"] == "combination"
            total = table[combo].groupby("uCode")["cost"].transform("sum")
            table.loc[combo, "combination_cost"] = total
        return CounterfactualResult(table, p.evaluations)

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def default_workers(units: int, seed) -> int:
    """Processes worth forking for ``units`` searches: one per core (two at most), never with a shared
    random generator (its draws would depend on which process reached them first), and only on Linux
    (forking a process that has threads is not safe on macOS)."""
    if isinstance(seed, np.random.Generator) or units < 2 or not sys.platform.startswith("linux"):
        return 1
    return max(1, min(2, units, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def run_counterfactuals(pipe: IndexPipeline, idata: pd.DataFrame, imeta, units=None, rule=None, quota=None,
                        threshold=None, relative=None, costs: dict | None = None, indicators=None,
                        inputs=None, n: int = 1000, seed=0, target=None, tolerance: float = TOLERANCE,
                        probability: str = "all", workers: int = 1) -> CounterfactualResult:
    """Counterfactuals of ``units`` (default: every unit); see ``start_counterfactuals``."""
    return start_counterfactuals(pipe, idata, imeta, units, rule, quota, threshold, relative, costs, indicators,
                                 inputs, n, seed, target, tolerance, probability, workers).result()


def start_counterfactuals(pipe: IndexPipeline, idata: pd.DataFrame, imeta, units=None, rule=None, quota=None,
                          threshold=None, relative=None, costs: dict | None = None, indicators=None,
                          inputs=None, n: int = 1000, seed=0, target=None, tolerance: float = TOLERANCE,
                          probability: str = "all", workers: int = 1) -> Pending:
    """Counterfactuals of ``units`` (default: every unit) under a labelling rule (as in
    ``uncertainty``: ``quota``, ``threshold``, ``relative`` or ``rule(scores, ranks)``; a rule with the
    attribute ``uses_ranks = False`` is called without ranks, which are costly).

    ``costs``: ``{iCode: weight}`` of each indicator's relative change (default 1; an indicator left
    out of ``indicators`` is never changed); ``inputs``, ``n``, ``seed``: the uncertainty analysis
    under which ``p_pass`` is computed after each change (``probability="combination"`` computes it
    for the combinations only, ``"none"`` never); ``workers``: processes sharing the units (see the
    module's doc; ``default_workers`` gives a sensible number), 1 searches in this process.

    The arguments are checked and, with ``workers`` > 1, the processes forked and their searches
    started before this returns: the caller can do other work meanwhile, then ask ``.result()``."""
    rule_fn = make_rule(rule, quota, threshold, relative)
    if rule_fn is None:
        raise IndexInputError("counterfactual", ["give a rule: quota, threshold, relative or rule"])
    if rule is None:   # the built-in bars read the scores only
        rule_fn = _scores_only(rule_fn)
    if probability not in ("all", "combination", "none"):
        raise IndexInputError("counterfactual", [f"probability '{probability}' (expected all, combination or none)"])
    p = Problem(pipe, idata, imeta, rule_fn, target, inputs, n, seed)
    codes = list(p.fw.indicators if indicators is None else indicators)
    weights = {c: 1.0 for c in codes}
    errors = [f"indicator '{c}' is not in the framework" for c in codes if c not in p.fw.indicators]
    for c, w in (costs or {}).items():
        if c not in p.fw.indicators:
            errors.append(f"costs: indicator '{c}' is not in the framework")
        elif not (isinstance(w, (int, float)) and w > 0 and np.isfinite(w)):
            errors.append(f"costs: weight of '{c}' must be a positive number, got {w!r}")
        elif c in weights:
            weights[c] = float(w)
    todo = p.units if units is None else [str(u) for u in units]
    errors += [f"unit '{u}' is not in the index (not in iData, or screened out)" for u in todo
               if u not in p.row or np.isnan(p.nominal_scores[p.row[u]])]
    if errors:
        raise IndexInputError("counterfactual", errors)
    shared = workers > 1 and len(todo) > 1 and not isinstance(seed, np.random.Generator)
    return Pending(p, todo, (codes, weights, tolerance, probability), min(workers, len(todo)) if shared else 1)
