"""The allocation as a mixed-integer programme, on plain data (no Django, no files).

For each candidate application i: a choice y_i in {0, 1} and an amount x_i in whole euros (an integer:
0, or between the minimum ticket and the application's cap). The cap is the smallest of the maximum
ticket, the amount requested, the minority-stake limit (x <= s (pre-money + private + x), i.e.
x <= s (pre + private) / (1 - s)) and the co-investment limit (private >= Y per fund euro, i.e.
x <= private / Y), rounded down to whole euros (exactly, in decimal arithmetic).

Rule rows (each a named group that the infeasibility diagnosis can relax), every coefficient and
right-hand side an integer, derived exactly from the rules (shares as fractions p/q of their decimal
value, money in whole euros rounded towards the rule's side, which is exact for integer amounts):
  budget           sum x                                      <= floor(available)
  labelled_share   q sum_labelled x - p sum x                 >= ceil(p C - q C_labelled)   (share = p/q; C: already committed)
  region:<code>    q' sum_region x - p' sum x                 <= floor(p' C - q' C_region)  (region_cap = p'/q')
  commit_at_least  sum x                                      >= ceil(minimum of the batch)
  ticket_min       x_i - ceil(ticket_min) y_i                 >= 0   (one row per application)
and per application  x_i - cap_i y_i <= 0.
These rows are the documented rules themselves (no margin): for whole-euro amounts each row holds
exactly when its rule holds. ``scale`` gives, per row, how many row units make one euro of the rule
(q for a share, 1 otherwise), for shadow prices and relaxations in euros.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from frenchtech.messages import Reason

# HiGHS tolerances. The solver's values are rounded to the nearest integers and the result is checked in
# exact arithmetic (``Solution.exact``); when the rounding is not clean (a choice at 0 with a euro left on
# its amount, a row off by the rounding), the programme is solved again with the tight tolerances, under
# which no row can move by as much as one unit.
TOLERANCES = {"mip_feasibility_tolerance": 1e-7, "primal_feasibility_tolerance": 1e-7}
TIGHT = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}


def run_milp(c, integrality, lb, ub, A, lo, hi, time_limit: float = 60.0, rel_gap: float = 0.0,
             abs_gap: float = 1e-6, node_limit: int | None = None, tight: bool = False):
    """scipy.optimize.milp (HiGHS) with the model's tolerances."""
    options = {"time_limit": time_limit, "mip_rel_gap": rel_gap, "mip_abs_gap": abs_gap,
               **(TIGHT if tight else TOLERANCES), **({"node_limit": node_limit} if node_limit is not None else {})}
    with warnings.catch_warnings():   # the tolerances are passed to HiGHS verbatim, as intended
        warnings.filterwarnings("ignore", message="Unrecognized options detected", category=RuntimeWarning)
        return milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=LinearConstraint(A, lo, hi),
                    options=options)


def exact(value) -> Fraction:
    """An amount or a rule's share (Decimal, int, str or float) as the exact fraction of its decimal value
    (0.8 -> 4/5, 0.35 -> 7/20)."""
    return value if isinstance(value, Fraction) else Fraction(str(value))


@dataclass(frozen=True)
class Item:
    """One application as the optimiser sees it."""
    id: str
    score: float
    region: str
    labelled: bool
    cap_eur: int                     # largest amount the rules allow for it (whole euros)
    cap_reason: str                  # which rule sets the cap: requested, ticket_max, stake, coinvest
    min_eur: int                     # minimum ticket (whole euros: the smallest whole amount allowed)
    excluded: Reason | None = None   # why it cannot be funded at all (None if it is a candidate)


@dataclass(frozen=True)
class Existing:
    """What the fund has already committed (rolling mode), in euros."""
    available: Decimal
    committed: Decimal = Decimal(0)
    labelled: Decimal = Decimal(0)
    by_region: dict = field(default_factory=dict)


def _ceil_eur(d: Decimal) -> int:
    return int(d.to_integral_value(rounding=ROUND_CEILING))


def build_items(apps, assessments, rules) -> list[Item]:
    """Per-application caps and exclusions from the rules (exact decimal arithmetic)."""
    items = []
    tmin = _ceil_eur(rules.ticket_min_eur)
    s, y = exact(rules.max_stake), exact(rules.coinvest_ratio)
    for a in apps:
        asmt = assessments[a.application_id]
        caps = {"requested": exact(a.requested_eur), "ticket_max": exact(rules.ticket_max_eur),
                "stake": s * (exact(a.pre_money_eur) + exact(a.private_eur)) / (1 - s)}
        if y > 0:
            caps["coinvest"] = exact(a.private_eur) / y
        reason = min(caps, key=lambda k: (caps[k], k))
        cap = math.floor(caps[reason])
        excluded = None
        if not asmt.eligible:
            excluded = Reason("fund_eliminated", {"conditions": conditions(asmt)})
        elif cap < max(tmin, 1):
            excluded = Reason("fund_cap_below_ticket", {"limit": reason, "cap_eur": cap, "ticket_min_eur": tmin})
        items.append(Item(a.application_id, asmt.score, a.region, a.labelled, cap, reason, tmin, excluded))
    return items


def conditions(asmt) -> list[dict]:
    """The eliminatory conditions an application fails, each with its label in English and French."""
    en = asmt.failed_conditions or asmt.eliminated_by
    fr = asmt.failed_conditions_fr or en
    return [{"en": e, "fr": f} for e, f in zip(en, fr)]


@dataclass
class Model:
    """Matrices of the MILP over the candidate items. Variables: x (n amounts, whole euros), then y (n choices)."""
    items: list[Item]
    rules: object
    existing: Existing
    drop: frozenset = frozenset()        # rule groups switched off (infeasibility diagnosis)
    force: dict = field(default_factory=dict)   # item id -> 0/1 fixed choice
    scores: dict = field(default_factory=dict)  # item id -> score override (what-if)

    def __post_init__(self):
        self.cand = [it for it in self.items if not it.excluded]
        self.index = {it.id: k for k, it in enumerate(self.cand)}
        self.regions = sorted({it.region for it in self.cand} | {r for r, v in self.existing.by_region.items() if v > 0})
        self._build()

    # -- rows -----------------------------------------------------------------------------------
    def _build(self):
        n = len(self.cand)
        r, ex = self.rules, self.existing
        C, CL = exact(ex.committed), exact(ex.labelled)
        share, cap = exact(r.labelled_share), exact(r.region_cap)
        rows, lo, hi, names, groups, scale = [], [], [], [], [], []

        def add(coefs: dict, lb, ub, name, group, unit=1):
            rows.append(coefs)
            lo.append(lb)
            hi.append(ub)
            names.append(name)
            groups.append(group)
            scale.append(unit)

        xs = range(n)
        if "budget" not in self.drop:
            add({k: 1 for k in xs}, -np.inf, math.floor(exact(ex.available)), "budget", "budget")
        if "labelled_share" not in self.drop:
            p, q = share.numerator, share.denominator
            coefs = {k: (q if self.cand[k].labelled else 0) - p for k in xs}
            add(coefs, math.ceil(p * C - q * CL), np.inf, "labelled_share", "labelled_share", q)
        p, q = cap.numerator, cap.denominator
        for reg in self.regions:
            g = f"region:{reg}"
            if g in self.drop:
                continue
            coefs = {k: (q if self.cand[k].region == reg else 0) - p for k in xs}
            add(coefs, -np.inf, math.floor(p * C - q * exact(ex.by_region.get(reg, 0))), g, g, q)
        least = math.ceil(exact(r.commit_at_least_eur))
        if least > 0 and "commit_at_least" not in self.drop:
            add({k: 1 for k in xs}, least, np.inf, "commit_at_least", "commit_at_least")
        for k, it in enumerate(self.cand):
            add({k: 1, n + k: -it.cap_eur}, -np.inf, 0, f"cap:{it.id}", "caps")
            if "ticket_min" not in self.drop:
                add({k: 1, n + k: -it.min_eur}, 0, np.inf, f"ticket_min:{it.id}", "ticket_min")
        data, ri, ci = [], [], []
        for i, coefs in enumerate(rows):
            for j, v in coefs.items():
                if v != 0:
                    ri.append(i)
                    ci.append(j)
                    data.append(float(v))
        self.A = sparse.csr_array((data, (ri, ci)), shape=(len(rows), 2 * n))
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        self.names, self.groups, self.scale = names, groups, scale
        self.c = -np.concatenate([self.score_vector(), np.zeros(n)])
        ylo, yhi = np.zeros(n), np.ones(n)
        for iid, v in self.force.items():
            if iid in self.index:
                ylo[self.index[iid]] = yhi[self.index[iid]] = float(v)
        self.lb = np.concatenate([np.zeros(n), ylo])
        self.ub = np.concatenate([np.array([float(it.cap_eur) for it in self.cand]), yhi])
        self.integrality = np.ones(2 * n)   # whole euros and yes/no choices

    def score_vector(self) -> np.ndarray:
        # value of one euro given to item k, in score-weighted euros (the score at full precision)
        return np.array([self.scores.get(it.id, it.score) / 100.0 for it in self.cand])

    def exact_value(self, amounts: dict) -> Fraction:
        """Score-weighted value of whole-euro amounts, exactly (each score is the exact value of its float)."""
        return sum((Fraction(self.scores.get(it.id, it.score)) / 100 * exact(amounts[it.id])
                    for it in self.cand if it.id in amounts), Fraction(0))

    # -- solving --------------------------------------------------------------------------------
    def solve(self, time_limit: float = 60.0, gap: float = 0.0, node_limit: int | None = None):
        """The optimum over whole-euro amounts, in up to three passes, each checked exactly:
        1. the amounts continuous (a relaxation of the whole-euro programme, fast): when its optimum is
           whole euros it is the whole-euro optimum, and its bound holds for the whole-euro programme;
        2. otherwise the amounts integer (the whole-euro programme itself);
        3. when the rounding of pass 2 is not clean, pass 2 again with tight tolerances.
        A pass is kept when every value is within 1e-6 of its integer, no amount is left without its
        choice, every row holds exactly in integer arithmetic and, for a proven optimum, the exact value
        of the whole-euro amounts reaches the solver's bound."""
        n = len(self.cand)
        if n == 0:
            return Solution(self, "optimal", np.zeros(0), np.zeros(0), 0.0, 0.0, 0.0)
        relaxed = np.r_[np.zeros(n), np.ones(n)]
        for integrality, tight in ((relaxed, False), (self.integrality, False), (self.integrality, True)):
            res = run_milp(self.c, integrality, self.lb, self.ub, self.A, self.lo, self.hi,
                           time_limit=time_limit, rel_gap=gap, node_limit=node_limit, tight=tight)
            if res.status == 2 or res.x is None:
                # infeasible even with continuous amounts (a relaxation): no whole-euro allocation either
                status = "infeasible" if res.status == 2 else "no_solution"
                return Solution(self, status, None, None, math.nan, math.nan, math.nan, message=res.message)
            value = -res.fun
            bound = -res.mip_dual_bound if res.mip_dual_bound is not None else value
            status = "optimal" if res.status == 0 else "time_limit"
            gap_ = 0.0 if status == "optimal" else float(res.mip_gap or 0)
            x, y = np.round(res.x[:n]), np.round(res.x[n:])
            x[y < 0.5] = 0.0
            sol = Solution(self, status, x, y, value, bound, gap_, message=res.message)
            clean = float(np.max(np.abs(res.x - np.r_[x, y]))) <= 1e-6 and self.rows_hold(x, y)
            if clean and (status != "optimal" or sol.exact_value() >= Fraction(bound) - self.tolerance(bound)):
                return sol
        # no pass could be proven on the whole-euro programme: say so, with the gap to the solver's bound
        sol.status = "not_proven"
        sol.gap = float((Fraction(bound) - sol.exact_value()) / Fraction(abs(bound))) if bound else 0.0
        return sol

    @staticmethod
    def tolerance(bound: float) -> Fraction:
        """How far below the solver's floating-point bound an exact value may fall and still be proven
        optimal: the solver's absolute gap (1e-6) plus the rounding of a double of that size."""
        return Fraction(1, 10**6) + Fraction(abs(bound)) * Fraction(1, 10**12)

    def rows_hold(self, x: np.ndarray, y: np.ndarray) -> bool:
        """Every row, in exact integer arithmetic, at integer x and y (the coefficients are integers)."""
        A = self.A.tocsr().copy()
        A.data = np.rint(A.data)
        act = A.astype(np.int64) @ np.r_[x, y].astype(np.int64)
        return bool(np.all((~np.isfinite(self.lo) | (act >= self.lo)) & (~np.isfinite(self.hi) | (act <= self.hi))))


@dataclass
class Solution:
    model: Model
    status: str                       # optimal | time_limit | not_proven | infeasible | no_solution
    x: np.ndarray | None              # amounts, whole euros (the solver's values rounded to integers)
    y: np.ndarray | None
    value: float                      # the solver's score-weighted value
    bound: float                      # dual bound from the branch and bound
    gap: float                        # relative gap between value and bound
    message: str = ""

    def exact_value(self) -> Fraction:
        return self.model.exact_value(self.amounts_eur())

    def amounts_eur(self) -> dict[str, int]:
        """Whole-euro amounts of the funded items (the integer variables, rounded to remove the
        solver's floating-point noise, far below one euro)."""
        return {it.id: int(self.x[k]) for k, it in enumerate(self.model.cand) if self.y[k] >= 0.5 and self.x[k] > 0}
