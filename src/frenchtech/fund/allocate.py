"""Allocate a batch of applications: solve the whole-euro programme, check every rule exactly, value the
allocation exactly, and warn when the rules leave no allocation but the empty one."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from frenchtech.errors import FrenchTechError
from frenchtech.fund.diagnose import diagnose
from frenchtech.fund.model import Existing, Item, Model, build_items, exact
from frenchtech.messages import Reason, render


class InfeasibleRules(FrenchTechError):
    """The rules cannot all hold at once. ``conflict`` names the rule groups in conflict and
    ``relax`` the smallest change of each that restores feasibility (a ``Reason`` per group, which
    names its group; ``reasons()`` lists them in the order of ``conflict``)."""

    def __init__(self, conflict: list[str], relax: dict[str, Reason], context: str = ""):
        self.conflict, self.relax = conflict, relax
        lines = [f"  - {render(r)}" for r in self.reasons()]
        super().__init__(f"infeasible rules{context}: these constraints conflict "
                         f"({', '.join(conflict)}), together with each application's own limits (tickets, "
                         f"amount requested, minority stake, co-investment); relax one of them:\n" + "\n".join(lines))

    def reasons(self) -> list[Reason]:
        return [self.relax.get(g) or Reason("fund_relax_in_conflict", {"rule": g}) for g in self.conflict]


@dataclass
class Allocation:
    rules: object
    existing: Existing
    items: list[Item]
    amounts: dict[str, Decimal]          # funded application id -> whole-euro amount
    status: str                          # optimal | time_limit
    value: Decimal                       # score-weighted euros of the allocation, to the cent
    bound: float                         # the solver's dual bound (upper bound on the value)
    gap: float                           # relative gap (0 when proven optimal)
    seconds: float
    model: Model = field(repr=False, default=None)
    solution: object = field(repr=False, default=None)
    exact_value: Fraction | None = None  # the score-weighted value, exactly (scores at full precision)
    warnings: list[Reason] = field(default_factory=list)   # e.g. the rules allow no allocation but the empty one

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    def certificate_reason(self) -> Reason:
        """The solver's certificate: proven optimal (objective, dual bound, gap) or the gap left."""
        if self.status == "optimal":
            # the objective is the allocation's own value, exact to the cent: the whole-euro amounts are
            # the solver's integer solution, so the solver's objective and this value are the same number
            return Reason("fund_certificate_optimal", {
                "objective": f"{self.value:.2f}", "dual_bound": f"{max(self.bound, float(self.value)):.2f}",
                "relative_gap": float(self.gap), "allocation_value": f"{self.value:.2f}"})
        return Reason("fund_certificate_not_proven", {"value": f"{self.value:.2f}", "bound": f"{self.bound:.2f}",
                                                      "gap_percent": float(self.gap)})

    def certificate_meaning(self) -> Reason:
        """What the certificate says, in words."""
        p = self.certificate_reason().params
        if self.status == "optimal":
            return Reason("fund_certificate_optimal_meaning", {"dual_bound": p["dual_bound"]})
        return Reason("fund_certificate_not_proven_meaning", dict(p))

    def certificate(self) -> str:
        """The certificate in English, followed by a line per warning (what the command line prints)."""
        return "\n".join([render(self.certificate_reason())] + [f"WARNING: {render(w)}" for w in self.warnings])


def allocate(apps, assessments, rules, existing: Existing | None = None, time_limit: float = 60.0,
             gap: float = 0.0, node_limit: int | None = None) -> Allocation:
    """The best allocation of the batch under the rules. ``existing`` carries what the fund already
    committed (rolling mode); by default nothing, and the whole budget is available."""
    existing = existing or Existing(available=rules.budget_eur)
    existing = Existing(min(existing.available, rules.budget_eur), existing.committed, existing.labelled,
                        dict(existing.by_region))
    t0 = time.perf_counter()
    items = build_items(apps, assessments, rules)
    model = Model(items, rules, existing)
    sol = model.solve(time_limit=time_limit, gap=gap, node_limit=node_limit)
    if sol.status == "infeasible":
        conflict, relax = diagnose(items, rules, existing)
        raise InfeasibleRules(conflict, relax)
    if sol.status == "no_solution":
        raise FrenchTechError(f"the solver found no allocation within its limits ({time_limit:g} s; {sol.message}); "
                              f"raise the time limit")
    amounts = {k: Decimal(v) for k, v in sol.amounts_eur().items()}
    problems = check_allocation(amounts, items, rules, existing)
    if problems:  # cannot happen unless the solver misbehaves: never hand out a wrong allocation
        raise FrenchTechError("the allocation failed the exact rule check: " + "; ".join(problems))
    value = model.exact_value(amounts)
    alloc = Allocation(rules, existing, items, amounts, sol.status, cents(value), sol.bound, sol.gap,
                       time.perf_counter() - t0, model, sol, exact_value=value)
    if not amounts and model.cand:
        alloc.warnings.extend(empty_warning(items, rules, existing))
    return alloc


def cents(value: Fraction) -> Decimal:
    """An exact value rounded to the cent (half to even), in exact integer arithmetic."""
    return Decimal(round(value * 100)).scaleb(-2)


def empty_warning(items, rules, existing: Existing) -> list[Reason]:
    """When the optimum funds nothing although there are candidates: if no application can be funded at
    all under the rules (every allocation but the empty one breaks a rule), say so and name the rules."""
    at_least_one = replace(rules, commit_at_least_eur=max(Decimal(1), Decimal(rules.commit_at_least_eur)))
    probe = Model(items, at_least_one, existing)
    if probe.solve(time_limit=30).status != "infeasible":
        return []   # something could be funded: funding nothing is simply the best (zero scores)
    conflict, relax = diagnose(items, at_least_one, existing)
    rules_ = [g for g in conflict if g != "commit_at_least"]
    if not rules_:
        return [Reason("fund_every_allocation_empty_limits")]
    return [Reason("fund_every_allocation_empty",
                   {"rules": rules_, "relax": [relax[g].to_json() for g in rules_ if g in relax]})]


def check_allocation(amounts: dict, items, rules, existing: Existing) -> list[str]:
    """Every rule checked in exact arithmetic; returns the violations (empty when all hold)."""
    out = []
    by_id = {it.id: it for it in items}
    q = lambda d: Fraction(str(d))
    total = sum((q(v) for v in amounts.values()), Fraction(0))
    if total > q(existing.available):
        out.append(f"budget: {total} > available {existing.available}")
    for k, v in amounts.items():
        it = by_id[k]
        if it.excluded:
            out.append(f"{k}: funded although excluded ({render(it.excluded)})")
        if q(v) < q(rules.ticket_min_eur) or q(v) > q(rules.ticket_max_eur):
            out.append(f"{k}: ticket {v} outside [{rules.ticket_min_eur}, {rules.ticket_max_eur}]")
        if q(v).denominator != 1:
            out.append(f"{k}: {v} is not a whole amount of euros")
        if q(v) > it.cap_eur:
            out.append(f"{k}: {v} above its cap {it.cap_eur} ({it.cap_reason})")
    C = q(existing.committed) + total
    if C > 0:
        lab = q(existing.labelled) + sum((q(v) for k, v in amounts.items() if by_id[k].labelled), Fraction(0))
        if lab < exact(rules.labelled_share) * C:
            out.append(f"labelled_share: {float(lab / C):.6%} < {rules.labelled_share:.2%}")
        regions = {r for r in existing.by_region} | {by_id[k].region for k in amounts}
        for r in sorted(regions):
            amt = q(existing.by_region.get(r, 0)) + sum((q(v) for k, v in amounts.items() if by_id[k].region == r),
                                                         Fraction(0))
            if amt > exact(rules.region_cap) * C:
                out.append(f"region:{r}: {float(amt / C):.6%} > {rules.region_cap:.2%}")
    if total < q(rules.commit_at_least_eur):
        out.append(f"commit_at_least: {total} < {rules.commit_at_least_eur}")
    return out


def rule_slacks(amounts: dict, items, rules, existing: Existing) -> list[dict]:
    """The room each batch rule has left at ``amounts``, exactly, in euros (a ``Fraction``, >= 0 when the
    rule holds): budget: what remains available; labelled_share: labelled money above the minimum share
    of what is committed after the batch; region:<code>: room under the regional cap; commit_at_least:
    what the batch commits above the minimum. The regions are those the optimiser has rows for."""
    by_id = {it.id: it for it in items}
    q = exact
    total = sum((q(v) for v in amounts.values()), Fraction(0))
    C = q(existing.committed) + total
    lab = q(existing.labelled) + sum((q(v) for k, v in amounts.items() if by_id[k].labelled), Fraction(0))
    out = [{"rule": "budget", "slack": q(existing.available) - total},
           {"rule": "labelled_share", "slack": lab - exact(rules.labelled_share) * C}]
    regions = sorted({it.region for it in items if not it.excluded}
                     | {r for r, v in existing.by_region.items() if v > 0})
    for r in regions:
        amt = q(existing.by_region.get(r, 0)) + sum((q(v) for k, v in amounts.items() if by_id[k].region == r),
                                                    Fraction(0))
        out.append({"rule": f"region:{r}", "slack": exact(rules.region_cap) * C - amt})
    if q(rules.commit_at_least_eur) > 0:
        out.append({"rule": "commit_at_least", "slack": total - q(rules.commit_at_least_eur)})
    return out
