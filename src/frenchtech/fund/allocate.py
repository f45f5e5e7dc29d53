"""Allocate a batch of applications: solve, round to whole euros, check every rule exactly."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from frenchtech.errors import FrenchTechError
from frenchtech.fund.diagnose import diagnose
from frenchtech.fund.model import Existing, Item, Model, build_items
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
    value: Decimal                       # score-weighted euros of the rounded allocation
    bound: float                         # the solver's dual bound (upper bound on the value)
    gap: float                           # relative gap (0 when proven optimal)
    seconds: float
    model: Model = field(repr=False, default=None)
    solution: object = field(repr=False, default=None)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    def certificate_reason(self) -> Reason:
        """The solver's certificate: proven optimal (objective, dual bound, gap) or the gap left."""
        solver = self.solution.value if self.solution is not None else float(self.value)
        if self.status == "optimal":
            return Reason("fund_certificate_optimal", {
                "objective": f"{solver:.2f}", "dual_bound": f"{self.bound:.2f}", "relative_gap": float(self.gap),
                "allocation_value": f"{self.value:.2f}"})
        return Reason("fund_certificate_not_proven", {"value": f"{self.value:.2f}", "bound": f"{self.bound:.2f}",
                                                      "gap_percent": float(self.gap)})

    def certificate_meaning(self) -> Reason:
        """What the certificate says, in words."""
        p = self.certificate_reason().params
        if self.status == "optimal":
            return Reason("fund_certificate_optimal_meaning", {"dual_bound": p["dual_bound"]})
        return Reason("fund_certificate_not_proven_meaning", dict(p))

    def certificate(self) -> str:
        return render(self.certificate_reason())


def allocate(apps, assessments, rules, existing: Existing | None = None, time_limit: float = 60.0,
             gap: float = 1e-9, node_limit: int | None = None) -> Allocation:
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
    scores = {it.id: it.score for it in items}
    value = sum((Decimal(str(scores[k])) / 100 * v for k, v in amounts.items()), Decimal(0))
    alloc = Allocation(rules, existing, items, amounts, sol.status, value.quantize(Decimal("0.01")),
                       sol.bound, sol.gap, time.perf_counter() - t0, model, sol)
    problems = check_allocation(alloc.amounts, items, rules, existing)
    if problems:  # cannot happen unless the solver misbehaves: never hand out a wrong allocation
        raise FrenchTechError("the allocation failed the exact rule check: " + "; ".join(problems))
    return alloc


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
        if q(v) > it.cap_eur:
            out.append(f"{k}: {v} above its cap {it.cap_eur} ({it.cap_reason})")
    C = q(existing.committed) + total
    if C > 0:
        lab = q(existing.labelled) + sum((q(v) for k, v in amounts.items() if by_id[k].labelled), Fraction(0))
        if lab < q(rules.labelled_share) * C:
            out.append(f"labelled_share: {float(lab / C):.6%} < {rules.labelled_share:.2%}")
        regions = {r for r in existing.by_region} | {by_id[k].region for k in amounts}
        for r in sorted(regions):
            amt = q(existing.by_region.get(r, 0)) + sum((q(v) for k, v in amounts.items() if by_id[k].region == r),
                                                         Fraction(0))
            if amt > q(rules.region_cap) * C:
                out.append(f"region:{r}: {float(amt / C):.6%} > {rules.region_cap:.2%}")
    if total < q(rules.commit_at_least_eur):
        out.append(f"commit_at_least: {total} < {rules.commit_at_least_eur}")
    return out
