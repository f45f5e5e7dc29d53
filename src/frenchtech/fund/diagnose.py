"""Why a rule set is infeasible: an irreducible set of conflicting rule groups (deletion filter), and
for each, the smallest relaxation that restores feasibility (an elastic variable on that group)."""
from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from frenchtech.fund.model import UNIT, Model

RELAXABLE = ("budget", "labelled_share", "commit_at_least", "ticket_min")


def _feasible(items, rules, existing, drop, force) -> bool:
    m = Model(items, rules, existing, drop=frozenset(drop), force=force)
    if not m.cand:
        return _empty_ok(m)
    n = len(m.cand)
    res = milp(np.zeros(2 * n), integrality=np.r_[np.zeros(n), np.ones(n)], bounds=Bounds(m.lb, m.ub),
               constraints=LinearConstraint(m.A, m.lo, m.hi), options={"time_limit": 30})
    return res.status == 0


def _empty_ok(m: Model) -> bool:
    return bool(np.all(m.lo <= 1e-9) and np.all(m.hi >= -1e-9))


def groups_of(items, rules, existing, force) -> list[str]:
    m = Model(items, rules, existing, force=force)
    return [g for g in dict.fromkeys(m.groups) if g != "caps"] + [f"force:{k}" for k in force]


def diagnose(items, rules, existing, force: dict | None = None) -> tuple[list[str], dict[str, str]]:
    """(conflicting groups, {group: smallest relaxation}). ``force`` fixes some choices (what-if)."""
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


def _relaxation(items, rules, existing, group, force) -> str:
    if group.startswith("force:"):
        return f"application {group[6:]} cannot be funded together with the other rules"
    m = Model(items, rules, existing, force=force)
    rows = [i for i, g in enumerate(m.groups) if g == group]
    n2 = m.A.shape[1]
    sign = np.array([1.0 if np.isfinite(m.lo[i]) else -1.0 for i in rows])
    col = sparse.csr_array((sign, (rows, np.zeros(len(rows), dtype=int))), shape=(m.A.shape[0], 1))
    A = sparse.hstack([m.A, col]).tocsr()
    c = np.r_[np.zeros(n2), 1.0]
    integ = np.r_[np.zeros(n2 // 2), np.ones(n2 // 2), 0]
    res = milp(c, integrality=integ, bounds=Bounds(np.r_[m.lb, 0], np.r_[m.ub, np.inf]),
               constraints=LinearConstraint(A, m.lo, m.hi), options={"time_limit": 30})
    if res.status != 0:
        return "must be dropped altogether"
    eur = res.x[-1] * UNIT
    if group == "budget":
        return f"needs EUR {eur:,.0f} more available budget"
    if group == "labelled_share":
        return (f"short of EUR {eur:,.0f} of labelled-ecosystem money for a share of "
                f"{rules.labelled_share:.0%}: lower labelled_share or add labelled applications")
    if group.startswith("region:"):
        return f"over the {rules.region_cap:.0%} regional cap by EUR {eur:,.0f}: raise region_cap"
    if group == "commit_at_least":
        return f"at most EUR {float(rules.commit_at_least_eur) - eur:,.0f} can be committed: lower commit_at_least_eur"
    if group == "ticket_min":
        return f"lower ticket_min_eur by EUR {eur:,.0f}"
    return f"needs relaxing by EUR {eur:,.0f}"
