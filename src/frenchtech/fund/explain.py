"""Explain an allocation: which rules bind, what relaxing them is worth (shadow prices of the LP with
the choices fixed), and for every rejected application the smallest change that would have funded it."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linprog

from frenchtech.fund.diagnose import diagnose
from frenchtech.fund.model import UNIT, Model

TOL_EUR = 1.0  # binding: slack below one euro per funded application (the rounding margin)


@dataclass
class Rejection:
    application_id: str
    score: float
    reason: str
    score_needed: float | None = None      # smallest score that would have funded it (re-solved)
    estimate: float | None = None          # the LP reduced-cost estimate of that score
    change: str = ""


@dataclass
class Explanation:
    status: str
    certificate: str
    value: str
    total_eur: str
    binding: list[dict] = field(default_factory=list)
    shadow_prices: list[dict] = field(default_factory=list)
    funded: list[dict] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _slacks(alloc) -> list[dict]:
    """Slack of every rule row at the rounded allocation, in euros."""
    m: Model = alloc.model
    n = len(m.cand)
    x = np.array([float(alloc.amounts.get(it.id, 0)) / UNIT for it in m.cand])
    y = np.array([1.0 if it.id in alloc.amounts else 0.0 for it in m.cand])
    act = m.A @ np.r_[x, y] if n else np.zeros(len(m.names))
    out = []
    for i, name in enumerate(m.names):
        if m.groups[i] in ("caps", "ticket_min"):
            continue
        slack = (m.hi[i] - act[i]) if np.isfinite(m.hi[i]) else (act[i] - m.lo[i])
        out.append({"rule": name, "slack_eur": round(float(slack) * UNIT, 2)})
    return out


def shadow_prices(alloc) -> tuple[list[dict], dict]:
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
    for name, mu, sign in zip(names, res.ineqlin.marginals, signs):
        if name.startswith(("cap:", "ticket_min:")):
            continue
        value = -mu / UNIT  # value per euro of right-hand side relaxed
        if abs(value) > 1e-9:
            prices.append({"rule": name, "value_per_eur": round(value, 6),
                           "meaning": _meaning(name, sign)})
    per_app = {}
    for name, mu in zip(names, res.ineqlin.marginals):
        if name.startswith(("cap:", "ticket_min:")) and abs(mu) > 1e-12:
            per_app[name] = -mu / UNIT
    # reduced-cost estimate of the score each candidate needs: 100/UNIT * sum_k dual_k * a_k,i
    full = m.A.tocsr()[:, :n]
    need = np.zeros(n)
    row_of = {nm: i for i, nm in enumerate(m.names)}
    for name, mu, sign in zip(names, res.ineqlin.marginals, signs):
        if name.startswith(("cap:", "ticket_min:")) or abs(mu) < 1e-15:
            continue
        need += (-mu) * sign * full[[row_of[name]], :].toarray().ravel()
    per_app["_estimates"] = {it.id: float(100.0 / UNIT * need[k]) for k, it in enumerate(m.cand)}
    return prices, per_app


def _meaning(name: str, sign: int) -> str:
    if name == "budget":
        return "score-weighted value of one more euro of budget"
    if name == "labelled_share":
        return "value lost per euro of extra labelled-ecosystem money required"
    if name.startswith("region:"):
        return "value of one more euro of room under this region's cap"
    if name == "commit_at_least":
        return "value lost per euro of extra minimum commitment"
    return ""


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
        if sol.status not in ("optimal", "time_limit"):
            return None
        xi = sol.x[m.index[it.id]] * UNIT / 100.0  # slope of the value per score point
        short = target - sol.value
        if abs(short) <= max(1e-7 * abs(target), 1e-6):
            return s
        s = s + short / xi
    return s


def explain(alloc, resolve_limit: int = 200, time_limit: float = 10.0) -> Explanation:
    """Binding rules, shadow prices and, for up to ``resolve_limit`` rejected applications (the best
    scored first), the score that would have funded them found by re-solving."""
    m: Model = alloc.model
    slacks = _slacks(alloc)
    binding = [s for s in slacks if s["slack_eur"] <= TOL_EUR * max(1, len(alloc.amounts))]
    prices, per_app = shadow_prices(alloc)
    estimates = per_app.pop("_estimates", {})
    funded = []
    for it in m.cand:
        if it.id not in alloc.amounts:
            continue
        amt = alloc.amounts[it.id]
        at = "cap (" + it.cap_reason + ")" if amt == it.cap_eur else ("minimum ticket" if amt == it.min_eur else "")
        funded.append({"application_id": it.id, "amount_eur": str(amt), "score": it.score, "region": it.region,
                       "labelled": it.labelled, "limited_by": at,
                       "value_of_one_more_eur_of_cap": round(per_app.get(f"cap:{it.id}", 0.0), 6)})
    rejected = []
    for it in alloc.items:
        if it.excluded:
            change = ""
            if it.excluded.startswith("its cap"):
                change = (f"raise its cap to EUR {it.min_eur:,} (more private co-investment or a higher "
                          f"valuation), or lower the minimum ticket")
            else:
                change = "meet the condition(s): " + it.excluded.split(": ", 1)[-1]
            rejected.append(Rejection(it.id, it.score, it.excluded, change=change))
    pool = _pool(alloc, estimates)
    tight = [b["rule"] for b in binding]
    outscored = ("outscored: " + (", ".join(tight) + " leave(s) no room at its score" if tight
                                  else "the funded applications bring more value"))
    losers = sorted((it for it in m.cand if it.id not in alloc.amounts), key=lambda it: -it.score)
    for rank, it in enumerate(losers):
        est = round(estimates.get(it.id, 0.0), 2)
        r = Rejection(it.id, it.score, outscored, estimate=est)
        if rank < resolve_limit:
            need = _score_needed(alloc, it, time_limit, pool)
            if need is None:
                conflict, relax = diagnose(pool or alloc.model.items, alloc.rules, alloc.existing, force={it.id: 1})
                rules_ = [g for g in conflict if not g.startswith("force:")]
                r.reason = "cannot be funded under the rules in this batch (" + (", ".join(rules_) or "its own limits") + ")"
                r.change = "no change of score suffices; " + "; ".join(f"{g}: {relax[g]}" for g in rules_)
            else:
                r.score_needed = round(math.ceil(need * 100 - 1e-6) / 100, 2)
                reach = "" if r.score_needed <= 100 else " (above the 100-point scale: out of reach)"
                r.change = f"a score of {r.score_needed:.2f} instead of {it.score:.2f}{reach}"
        else:
            r.change = f"a score of about {est:.2f} (estimate from the shadow prices, not re-solved)"
        rejected.append(r)
    return Explanation(alloc.status, alloc.certificate(), str(alloc.value), str(alloc.total), binding, prices,
                       funded, rejected)
