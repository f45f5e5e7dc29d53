"""Why a rule set is infeasible: an irreducible set of conflicting rule groups (deletion filter), and
for each, the smallest relaxation that restores feasibility (an elastic variable on that group).

Both work on the optimiser's own whole-euro model (``Model``), exactly as the allocation is solved: no
margin, so a rule set is called infeasible only when no whole-euro allocation meets it. Every row of the
model has integer coefficients and an integer right-hand side, so the elastic variable's minimum is an
integer number of row units; it is solved to an absolute gap below one unit, which proves it exact."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import sparse

from frenchtech.fund.model import Model, run_milp
from frenchtech.messages import Reason

RELAXABLE = ("budget", "labelled_share", "commit_at_least", "ticket_min")


def _feasible(items, rules, existing, drop, force) -> bool:
    m = Model(items, rules, existing, drop=frozenset(drop), force=force)
    if not m.cand:
        return _empty_ok(m)
    n = len(m.cand)
    res = run_milp(np.zeros(2 * n), m.integrality, m.lb, m.ub, m.A, m.lo, m.hi, time_limit=30)
    return res.status == 0


def _empty_ok(m: Model) -> bool:
    return bool(np.all(m.lo <= 0) and np.all(m.hi >= 0))


def groups_of(items, rules, existing, force) -> list[str]:
    m = Model(items, rules, existing, force=force)
    return [g for g in dict.fromkeys(m.groups) if g != "caps"] + [f"force:{k}" for k in force]


def diagnose(items, rules, existing, force: dict | None = None) -> tuple[list[str], dict[str, Reason]]:
    """(conflicting groups, {group: smallest relaxation, as a reason naming the group}). ``force`` fixes
    some choices (what-if)."""
    force = dict(force or {})
    groups = groups_of(items, rules, existing, force)
    keep = list(groups)
    for g in groups:
        trial = [k for k in keep if k != g]
        if not _try(items, rules, existing, groups, trial, force):
            keep = trial
    return keep, {g: _relaxation(items, rules, existing, g, force) for g in keep}


def _try(items, rules, existing, groups, keep, force) -> bool:
    drop = {g for g in groups if g not in keep and not g.startswith("force:")}
    f = {k: v for k, v in force.items() if f"force:{k}" in keep}
    return _feasible(items, rules, existing, drop, f)


def _eur(x: Fraction):
    """Euros for a reason's parameter: an int when whole, else a decimal string to the cent (rounded up:
    the relaxation needed is at least this)."""
    if x.denominator == 1:
        return int(x)
    c = math.ceil(x * 100)
    return f"{c // 100}.{c % 100:02d}"


def _relaxation(items, rules, existing, group, force) -> Reason:
    if group.startswith("force:"):
        return Reason("fund_relax_force", {"rule": group, "application": group[6:]})
    m = Model(items, rules, existing, force=force)
    rows = [i for i, g in enumerate(m.groups) if g == group]
    if not rows:
        return Reason("fund_relax_drop", {"rule": group})
    n2 = m.A.shape[1]
    sign = np.array([1.0 if np.isfinite(m.lo[i]) else -1.0 for i in rows])
    col = sparse.csr_array((sign, (rows, np.zeros(len(rows), dtype=int))), shape=(m.A.shape[0], 1))
    A = sparse.hstack([m.A, col]).tocsr()
    c = np.r_[np.zeros(n2), 1.0]
    # the elastic variable is integer-valued at the optimum (integer rows); declaring it integer and
    # closing the gap below one unit makes the minimum exact
    res = run_milp(c, np.r_[m.integrality, 1], np.r_[m.lb, 0], np.r_[m.ub, np.inf], A, m.lo, m.hi,
                   time_limit=30, abs_gap=0.5)
    if res.status != 0:
        return Reason("fund_relax_drop", {"rule": group})
    units = Fraction(round(res.x[-1]))
    eur = units / m.scale[rows[0]]    # row units -> euros of the rule (a share's rows count q per euro)
    if group == "budget":
        return Reason("fund_relax_budget", {"more_eur": _eur(eur)})
    if group == "labelled_share":
        return Reason("fund_relax_labelled_share", {"short_eur": _eur(eur), "share": float(rules.labelled_share)})
    if group.startswith("region:"):
        return Reason("fund_relax_region", {"rule": group, "share": float(rules.region_cap), "over_eur": _eur(eur)})
    if group == "commit_at_least":
        most = int(m.lo[rows[0]]) - eur   # the largest whole-euro batch the other rules allow
        return Reason("fund_relax_commit_at_least", {"most_eur": _eur(most)})
    if group == "ticket_min":
        return Reason("fund_relax_ticket_min", {"lower_eur": _eur(eur)})
    return Reason("fund_relax_other", {"rule": group, "by_eur": _eur(eur)})
