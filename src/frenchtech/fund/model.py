"""The allocation as a mixed-integer programme, on plain data (no Django, no files).

For each candidate application i: a choice y_i in {0, 1} and an amount x_i (semi-continuous: 0, or
between the minimum ticket and the application's cap). The cap is the smallest of the maximum ticket,
the amount requested, the minority-stake limit (x <= s (pre-money + private + x), i.e.
x <= s (pre + private) / (1 - s)) and the co-investment limit (private >= Y per fund euro, i.e.
x <= private / Y); caps are whole euros.

Rule rows (each a named group that the infeasibility diagnosis can relax):
  budget           sum x                                   <= available
  labelled_share   sum_labelled x - share * sum x          >= share * C - C_labelled   (C: already committed)
  region:<code>    sum_region x - cap * sum x              <= cap * C - C_region
  commit_at_least  sum x                                   >= minimum of the batch
  ticket_min       x_i >= ticket_min * y_i                 (one row per application)
and per application  x_i <= cap_i * y_i.
Amounts are solved in thousands of euros and rounded down to whole euros afterwards; the ratio rows
keep a margin (at most one euro per funded application) so that this rounding can never break them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from frenchtech.messages import Reason

UNIT = 1000.0          # solver unit: thousands of euros
MARGIN = 1.0 / UNIT    # one euro per funded application, in solver units


@dataclass(frozen=True)
class Item:
    """One application as the optimiser sees it."""
    id: str
    score: float
    region: str
    labelled: bool
    cap_eur: int                     # largest amount the rules allow for it (whole euros)
    cap_reason: str                  # which rule sets the cap: requested, ticket_max, stake, coinvest
    min_eur: int                     # minimum ticket
    excluded: Reason | None = None   # why it cannot be funded at all (None if it is a candidate)


@dataclass(frozen=True)
class Existing:
    """What the fund has already committed (rolling mode), in euros."""
    available: Decimal
    committed: Decimal = Decimal(0)
    labelled: Decimal = Decimal(0)
    by_region: dict = field(default_factory=dict)


def _floor_eur(d: Decimal) -> int:
    return int(d.to_integral_value(rounding=ROUND_FLOOR))


def build_items(apps, assessments, rules) -> list[Item]:
    """Per-application caps and exclusions from the rules (exact decimal arithmetic)."""
    items = []
    tmin = _floor_eur(rules.ticket_min_eur)
    s = Decimal(str(rules.max_stake))
    y = Decimal(str(rules.coinvest_ratio))
    for a in apps:
        asmt = assessments[a.application_id]
        caps = {"requested": a.requested_eur, "ticket_max": rules.ticket_max_eur,
                "stake": s * (a.pre_money_eur + a.private_eur) / (1 - s)}
        if y > 0:
            caps["coinvest"] = a.private_eur / y
        reason = min(caps, key=lambda k: (caps[k], k))
        cap = _floor_eur(caps[reason])
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
    """Matrices of the MILP over the candidate items. Variables: x (n amounts), then y (n choices)."""
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
        C, CL = float(ex.committed) / UNIT, float(ex.labelled) / UNIT
        share, cap = float(r.labelled_share), float(r.region_cap)
        rows, lo, hi, names, groups = [], [], [], [], []

        def add(coefs: dict, lb, ub, name, group):
            rows.append(coefs)
            lo.append(lb)
            hi.append(ub)
            names.append(name)
            groups.append(group)

        xs = range(n)
        if "budget" not in self.drop:
            add({k: 1.0 for k in xs}, -np.inf, float(ex.available) / UNIT, "budget", "budget")
        if "labelled_share" not in self.drop:
            coefs = {k: (1.0 if self.cand[k].labelled else 0.0) - share for k in xs}
            # rounding a labelled amount down can lower the share by (1 - share) euro at most
            coefs.update({n + k: -MARGIN * (1.0 - share) for k in xs if self.cand[k].labelled})
            add(coefs, share * C - CL, np.inf, "labelled_share", "labelled_share")
        for reg in self.regions:
            g = f"region:{reg}"
            if g in self.drop:
                continue
            coefs = {k: (1.0 if self.cand[k].region == reg else 0.0) - cap for k in xs}
            # rounding another region's amount down can raise this region's share by cap euro at most
            coefs.update({n + k: MARGIN * cap for k in xs if self.cand[k].region != reg})
            add(coefs, -np.inf, cap * C - float(ex.by_region.get(reg, 0)) / UNIT, g, g)
        least = float(r.commit_at_least_eur) / UNIT
        if least > 0 and "commit_at_least" not in self.drop:
            coefs = {k: 1.0 for k in xs}
            coefs.update({n + k: -MARGIN for k in xs})
            add(coefs, least, np.inf, "commit_at_least", "commit_at_least")
        for k, it in enumerate(self.cand):
            add({k: 1.0, n + k: -it.cap_eur / UNIT}, -np.inf, 0.0, f"cap:{it.id}", "caps")
            if "ticket_min" not in self.drop:
                add({k: 1.0, n + k: -it.min_eur / UNIT}, 0.0, np.inf, f"ticket_min:{it.id}", "ticket_min")
        data, ri, ci = [], [], []
        for i, coefs in enumerate(rows):
            for j, v in coefs.items():
                if v != 0.0:
                    ri.append(i)
                    ci.append(j)
                    data.append(v)
        self.A = sparse.csr_array((data, (ri, ci)), shape=(len(rows), 2 * n))
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        self.names, self.groups = names, groups
        self.c = -np.concatenate([self.score_vector(), np.zeros(n)])
        ylo, yhi = np.zeros(n), np.ones(n)
        for iid, v in self.force.items():
            if iid in self.index:
                ylo[self.index[iid]] = yhi[self.index[iid]] = float(v)
        self.lb = np.concatenate([np.zeros(n), ylo])
        self.ub = np.concatenate([np.array([it.cap_eur / UNIT for it in self.cand]), yhi])

    def score_vector(self) -> np.ndarray:
        # value of one solver unit (EUR 1,000) given to item k, in score-weighted euros
        return np.array([self.scores.get(it.id, it.score) / 100.0 * UNIT for it in self.cand])

    # -- solving --------------------------------------------------------------------------------
    def solve(self, time_limit: float = 60.0, gap: float = 1e-9, node_limit: int | None = None):
        n = len(self.cand)
        if n == 0:
            return Solution(self, "optimal", np.zeros(0), np.zeros(0), 0.0, 0.0, 0.0)
        res = milp(self.c, integrality=np.concatenate([np.zeros(n), np.ones(n)]),
                   bounds=Bounds(self.lb, self.ub), constraints=LinearConstraint(self.A, self.lo, self.hi),
                   options={"time_limit": time_limit, "mip_rel_gap": gap, "presolve": True,
                            **({"node_limit": node_limit} if node_limit is not None else {})})
        if res.status == 2 or res.x is None:
            status = "infeasible" if res.status == 2 else "no_solution"
            return Solution(self, status, None, None, math.nan, math.nan, math.nan, message=res.message)
        value = -res.fun
        bound = -res.mip_dual_bound if res.mip_dual_bound is not None else value
        gap_ = 0.0 if res.status == 0 and (res.mip_gap or 0) <= gap else float(res.mip_gap or 0)
        status = "optimal" if res.status == 0 else "time_limit"
        return Solution(self, status, res.x[:n], np.round(res.x[n:]), value, bound, gap_, message=res.message)


@dataclass
class Solution:
    model: Model
    status: str                       # optimal | time_limit | infeasible | no_solution
    x: np.ndarray | None              # amounts, solver units
    y: np.ndarray | None
    value: float                      # score-weighted euros (before rounding to whole euros)
    bound: float                      # dual bound from the branch and bound
    gap: float                        # relative gap between value and bound
    message: str = ""

    def amounts_eur(self) -> dict[str, int]:
        """Whole-euro amounts of the funded items: snapped to the nearest euro when within a cent
        (solver tolerance), otherwise rounded down."""
        out = {}
        keep_min = "ticket_min" not in self.model.drop
        for k, it in enumerate(self.model.cand):
            if self.y[k] < 0.5:
                continue
            eur = self.x[k] * UNIT
            near = round(eur)
            amount = near if abs(eur - near) < 0.01 else math.floor(eur)
            out[it.id] = int(min(max(amount, it.min_eur if keep_min else 0), it.cap_eur))
        return out
