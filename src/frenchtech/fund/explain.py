"""Explain an allocation: which rules bind, what relaxing them is worth (shadow prices of the LP with
the choices fixed), and for every rejected application the smallest change that would have funded it.

Every explanation is a list of ``Reason`` values (a code of ``frenchtech.messages`` and its parameters);
``to_dict`` writes each beside its English text as ``<field>_code`` (codes joined by ";") and
``<field>_params`` (a list of parameter objects), the pair ``frenchtech.messages.decode`` reads."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from frenchtech.fund.allocate import rule_slacks
from frenchtech.fund.diagnose import diagnose
from frenchtech.fund.model import Model, exact
from frenchtech.fund.regions import region_name
from frenchtech.messages import CODE_SEPARATOR, Reason, render_fund



def pair(name: str, reasons: list[Reason]) -> dict:
    """``name`` (the English text), ``name_code`` and ``name_params`` of a list of reasons."""
    return {name: render_fund(reasons), f"{name}_code": CODE_SEPARATOR.join(r.code for r in reasons),
            f"{name}_params": [dict(r.params) for r in reasons]}


@dataclass
class Rejection:
    application_id: str
    score: float
    reasons: list[Reason]
    score_needed: float | None = None      # smallest score that would have funded it (re-solved)
    estimate: float | None = None          # the LP reduced-cost estimate of that score
    changes: list[Reason] = field(default_factory=list)   # the smallest change that would have funded it

    @property
    def reason(self) -> str:
        return render_fund(self.reasons)

    @property
    def change(self) -> str:
        return render_fund(self.changes)

    def to_dict(self) -> dict:
        return {"application_id": self.application_id, "score": self.score, **pair("reason", self.reasons),
                "score_needed": self.score_needed, "estimate": self.estimate, **pair("change", self.changes)}


@dataclass
class Explanation:
    status: str
    certificate: list[Reason]
    certificate_meaning: list[Reason]
    value: str
    total_eur: str
    binding: list[dict] = field(default_factory=list)        # rule, slack_eur, meaning (a Reason)
    shadow_prices: list[dict] = field(default_factory=list)  # rule, value_per_eur, meaning (a Reason)
    funded: list[dict] = field(default_factory=list)         # ..., limited_by (a list of Reasons)
    rejected: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict:
        def flat(d: dict, key: str) -> dict:
            value = d[key]
            return {**{k: v for k, v in d.items() if k != key},
                    **pair(key, value if isinstance(value, list) else [value])}
        return {"status": self.status, **pair("certificate", self.certificate),
                **pair("certificate_meaning", self.certificate_meaning), "value": self.value,
                "total_eur": self.total_eur, "binding": [flat(b, "meaning") for b in self.binding],
                "shadow_prices": [flat(p, "meaning") for p in self.shadow_prices],
                "funded": [flat(f, "limited_by") for f in self.funded],
                "rejected": [r.to_dict() for r in self.rejected]}


def eur_value(x: Fraction):
    """An exact amount of euros for the outputs: an int when whole, else a float to the cent (rounded down:
    never more room than there is)."""
    if x.denominator == 1:
        return int(x)
    return math.floor(x * 100) / 100


def _eur_text(x) -> str:
    return str(x) if isinstance(x, int) else f"{x:.2f}"


def _binding(rule: str, slack_eur, rules, vintage: int) -> Reason:
    """What a rule with no room left means."""
    slack = _eur_text(slack_eur)
    if rule == "budget":
        return Reason("fund_binding_budget", {"slack_eur": slack})
    if rule == "labelled_share":
        return Reason("fund_binding_labelled_share", {"share": float(rules.labelled_share), "slack_eur": slack})
    if rule.startswith("region:"):
        return Reason("fund_binding_region", {"rule": rule, "region": region_name(rule[7:], vintage),
                                              "share": float(rules.region_cap), "slack_eur": slack})
    if rule == "commit_at_least":
        return Reason("fund_binding_commit_at_least", {"slack_eur": slack})
    return Reason("fund_binding_other", {"rule": rule, "slack_eur": slack})


def _slacks(alloc) -> list[dict]:
    """Room left on every batch rule at the allocation, exactly, in euros (``slack``, a Fraction), and
    whether the rule binds: less room than the smallest move it limits, so that no whole euro can be
    moved its way (budget, commit_at_least: one euro; labelled_share: one more euro outside labelled
    ecosystems uses ``share`` euros of room; a region: one more euro there uses 1 - ``region_cap``)."""
    r = alloc.rules
    step = {"budget": Fraction(1), "commit_at_least": Fraction(1),
            "labelled_share": exact(r.labelled_share) or Fraction(1)}
    region_step = (1 - exact(r.region_cap)) or Fraction(1)
    out = []
    for s in rule_slacks(alloc.amounts, alloc.items, r, alloc.existing):
        if s["rule"] not in alloc.model.names:
            continue
        move = region_step if s["rule"].startswith("region:") else step[s["rule"]]
        out.append({"rule": s["rule"], "slack": s["slack"], "slack_eur": eur_value(s["slack"]),
                    "binds": s["slack"] < move})
    return out


def shadow_prices(alloc, vintage: int = 2014) -> tuple[list[dict], dict]:
    """Solve the LP over the amounts with the integer choices fixed at the optimum; its duals are the
    value (score-weighted euros) of one more euro on each rule's right-hand side."""
    m: Model = alloc.model
    n = len(m.cand)
    funded = [k for k, it in enumerate(m.cand) if it.id in alloc.amounts]
    if not funded:
        return [], {}
    A = m.A.tocsc()[:, funded + [n + k for k in funded]].toarray()
    # move the fixed y (= 1) columns to the right-hand side
    fixed = A[:, len(funded):].sum(axis=1)
    Ax = A[:, :len(funded)]
    rows_ub, b_ub, names, signs = [], [], [], []
    for i in range(len(m.names)):
        if np.isfinite(m.hi[i]):
            rows_ub.append(Ax[i]); b_ub.append(m.hi[i] - fixed[i]); names.append(m.names[i]); signs.append(1)
        if np.isfinite(m.lo[i]):
            rows_ub.append(-Ax[i]); b_ub.append(-(m.lo[i] - fixed[i])); names.append(m.names[i]); signs.append(-1)
    c = m.c[funded]
    res = linprog(c, A_ub=np.array(rows_ub), b_ub=np.array(b_ub), bounds=[(0, None)] * len(funded), method="highs")
    if res.status != 0:
        return [], {}
    prices = []
    scale = dict(zip(m.names, m.scale))
    for name, mu, sign in zip(names, res.ineqlin.marginals, signs):
        if name.startswith(("cap:", "ticket_min:")):
            continue
        value = -mu * scale[name]  # value per euro of the rule relaxed (a share's row counts q per euro)
        if abs(value) > 1e-9:
            prices.append({"rule": name, "value_per_eur": round(value, 6),
                           "meaning": _meaning(name, round(value, 6), vintage)})
    per_app = {}
    for name, mu in zip(names, res.ineqlin.marginals):
        if name.startswith(("cap:", "ticket_min:")) and abs(mu) > 1e-12:
            per_app[name] = -mu
    # reduced-cost estimate of the score each candidate needs: 100 * sum_k dual_k * a_k,i
    full = m.A.tocsr()[:, :n]
    need = np.zeros(n)
    row_of = {nm: i for i, nm in enumerate(m.names)}
    for name, mu, sign in zip(names, res.ineqlin.marginals, signs):
        if name.startswith(("cap:", "ticket_min:")) or abs(mu) < 1e-15:
            continue
        need += (-mu) * sign * full[[row_of[name]], :].toarray().ravel()
    per_app["_estimates"] = {it.id: float(100.0 * need[k]) for k, it in enumerate(m.cand)}
    return prices, per_app


def _meaning(name: str, value: float, vintage: int) -> Reason:
    """What one more euro on the rule ``name`` is worth, in words."""
    if name in ("budget", "labelled_share", "commit_at_least"):
        return Reason(f"fund_price_{name}", {"per_euro": value})
    if name.startswith("region:"):
        return Reason("fund_price_region", {"rule": name, "region": region_name(name[7:], vintage), "per_euro": value})
    return Reason("fund_price_other", {"rule": name, "per_euro": value})


POOL = 60  # rejected applications, closest to being funded, kept beside the funded ones in re-solves


def _pool(alloc, estimates: dict) -> list:
    """The items a re-solve works on: every funded application and the POOL rejected ones whose
    score is closest to the score the shadow prices say they need. With up to POOL rejected
    candidates this is the whole batch (exact); beyond, the score found is sufficient (funding
    happens at that score) and in practice the smallest."""
    m: Model = alloc.model
    rejected = [it for it in m.cand if it.id not in alloc.amounts]
    if len(rejected) <= POOL:
        return list(alloc.model.items)
    rejected.sort(key=lambda it: estimates.get(it.id, 0.0) - it.score)
    keep = {it.id for it in rejected[:POOL]} | set(alloc.amounts)
    return [it for it in m.cand if it.id in keep]


def _score_needed(alloc, it, time_limit: float, pool=None) -> float | None:
    """Smallest score at which funding ``it`` is as good as the optimum: the optimum with the choice
    forced to 1, V(s), is convex and piecewise linear in the score s with slope x_i(s). A first Newton
    step lands at or beyond the root; from there Newton steps go back monotonically and stop exactly,
    V being linear between breakpoints."""
    target = alloc.solution.value
    s = it.score
    for _ in range(30):
        items = pool if pool is None or any(p.id == it.id for p in pool) else pool + [it]
        m = Model(items if items is not None else alloc.model.items, alloc.rules, alloc.existing,
                  force={it.id: 1}, scores={it.id: s})
        sol = m.solve(time_limit=time_limit)
        if sol.status not in ("optimal", "time_limit", "not_proven"):
            return None
        xi = sol.x[m.index[it.id]] / 100.0  # slope of the value per score point
        short = target - sol.value
        if abs(short) <= max(1e-7 * abs(target), 1e-6):
            return s
        s = s + short / xi
    return s


def explain(alloc, resolve_limit: int = 200, time_limit: float = 10.0, vintage: int = 2014) -> Explanation:
    """Binding rules, shadow prices and, for up to ``resolve_limit`` rejected applications (the best
    scored first), the score that would have funded them found by re-solving. ``vintage`` is the
    geography's, for the names of the regions."""
    m: Model = alloc.model
    slacks = _slacks(alloc)
    binding = [{"rule": s["rule"], "slack_eur": s["slack_eur"],
                "meaning": _binding(s["rule"], s["slack_eur"], alloc.rules, vintage)} for s in slacks if s["binds"]]
    prices, per_app = shadow_prices(alloc, vintage)
    estimates = per_app.pop("_estimates", {})
    funded = []
    for it in m.cand:
        if it.id not in alloc.amounts:
            continue
        amt = alloc.amounts[it.id]
        at = ([Reason("fund_at_cap", {"limit": it.cap_reason})] if amt == it.cap_eur
              else [Reason("fund_at_ticket_min")] if amt == it.min_eur else [])
        funded.append({"application_id": it.id, "amount_eur": str(amt), "score": it.score, "region": it.region,
                       "labelled": it.labelled, "limited_by": at,
                       "value_of_one_more_eur_of_cap": round(per_app.get(f"cap:{it.id}", 0.0), 6)})
    rejected = []
    for it in alloc.items:
        if it.excluded:
            if it.excluded.code == "fund_cap_below_ticket":
                change = Reason("fund_change_raise_cap", {"ticket_min_eur": it.min_eur})
            else:
                change = Reason("fund_change_conditions", {"conditions": it.excluded.params["conditions"]})
            rejected.append(Rejection(it.id, it.score, [it.excluded], changes=[change]))
    pool = _pool(alloc, estimates)
    tight = [b["rule"] for b in binding]
    outscored = (Reason("fund_outscored_binding", {"rules": tight}) if tight else Reason("fund_outscored"))
    losers = sorted((it for it in m.cand if it.id not in alloc.amounts), key=lambda it: -it.score)
    for rank, it in enumerate(losers):
        est = round(estimates.get(it.id, 0.0), 2)
        r = Rejection(it.id, it.score, [outscored], estimate=est)
        if rank < resolve_limit:
            need = _score_needed(alloc, it, time_limit, pool)
            if need is None:
                conflict, relax = diagnose(pool or alloc.model.items, alloc.rules, alloc.existing, force={it.id: 1})
                rules_ = [g for g in conflict if not g.startswith("force:")]
                r.reasons = [Reason("fund_cannot_be_funded", {"rules": rules_}) if rules_
                             else Reason("fund_cannot_be_funded_alone")]
                r.changes = [Reason("fund_no_score_suffices")] + [relax[g] for g in rules_]
            else:
                r.score_needed = round(math.ceil(need * 100 - 1e-6) / 100, 2)
                code = "fund_change_score" if r.score_needed <= 100 else "fund_change_score_out_of_reach"
                r.changes = [Reason(code, {"needed_score": r.score_needed, "current_score": round(it.score, 2)})]
        else:
            r.changes = [Reason("fund_change_score_estimate", {"estimated_score": est})]
        rejected.append(r)
    return Explanation(alloc.status, [alloc.certificate_reason()], [alloc.certificate_meaning()], str(alloc.value),
                       str(alloc.total), binding, prices, funded, rejected)
