"""Apply a label kind's rule to the candidates' scores.

``quota`` labels the N best candidates; candidates tied with the N-th are all labelled and the
decision says so. ``threshold`` labels every candidate whose score reaches a share of a reference
score: the candidates' mean (as the European Innovation Scoreboard groups countries relative to the
EU average) or a named reference territory. Every candidate also gets its relative score and its
EIS group (leader > 125 %, strong 100-125 %, moderate 70-100 %, emerging < 70 %).

One rule decides the nominal run and every Monte Carlo replication: ``passes`` works on a score
matrix (replications x territories) with the index engine's bars (``frenchtech.index.bar``); the
nominal run is its one-row case (``apply_rule``), which adds the reasons.

Results never depend on the order in which candidates are listed: ties are broken by nothing but
the score, the candidates' mean is summed in territory order, and listings are sorted by
(score desc, territory id).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from frenchtech.index import bar
from frenchtech.labelling.settings import CANDIDATES, EIS_GROUPS, KindRule
from frenchtech.messages import Reason, render_all


@dataclass(frozen=True)
class Decision:
    territory: str
    decision: str        # labelled | not_selected (rules); the lifecycle adds confirmed, withdrawn, ...
    reasons: tuple[Reason, ...] = ()
    relative: float | None = None
    group: str = ""

    @property
    def reason(self) -> str:
        """The reasons in English, as decisions.csv writes them."""
        return render_all(self.reasons, "en")


def eis_group(relative: float | None) -> str:
    """EIS group: leader above 125 % (strictly), strong from 100 % to 125 %, moderate from 70 %, else emerging."""
    if relative is None:
        return ""
    (top, top_bound), *rest = EIS_GROUPS
    if relative > top_bound:
        return top
    return next(name for name, lower in rest if relative >= lower)


def reference_score(scores: np.ndarray, units: list[str], reference: str, pool: Iterable[str]) -> np.ndarray:
    """The reference of each replication, shape (replications, 1): the mean score of the ``pool``
    (the candidates competing in the kind) or the score of the territory named by ``reference``."""
    col = {u: i for i, u in enumerate(units)}
    if reference == CANDIDATES:
        cols = [col[t] for t in sorted(pool)]
        if not cols:
            return np.zeros((scores.shape[0], 1))
        return bar.mean_reference(scores[:, cols])
    return scores[:, [col[reference]]]


def passes(scores: np.ndarray, units: list[str], rule: KindRule, candidates: list[str],
           pool: Iterable[str]) -> np.ndarray:
    """Which ``candidates`` pass ``rule`` in each replication: bool (replications x candidates).

    ``scores`` is (replications x ``units``); ``pool`` are the territories whose mean is the
    reference of a threshold rule (the kind's competing candidates, re-audited ones included)."""
    col = {u: i for i, u in enumerate(units)}
    s = scores[:, [col[t] for t in candidates]]
    if rule.rule == "quota":
        return bar.quota_pass(s, int(rule.quota or 0))
    if rule.rule == "threshold":
        ref = reference_score(scores, units, rule.reference, pool)
        return bar.share_pass(bar.ratio(s, ref), float(rule.threshold))
    raise ValueError(f"unknown labelling rule {rule.rule!r}")


def _one_row(scores: dict[str, float], reference_scores: dict[str, float] | None):
    pool = scores if reference_scores is None else reference_scores
    everyone = {**pool, **scores}
    units = sorted(everyone)
    return units, np.array([[float(everyone[u]) for u in units]]), pool


def relative_scores(scores: dict[str, float], reference: str = CANDIDATES,
                    reference_scores: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
    """(reference score, {territory: score / reference}). ``reference_scores`` defaults to ``scores``."""
    units, matrix, pool = _one_row(scores, reference_scores)
    ref = reference_score(matrix, units, reference, pool)
    rel = dict(zip(units, bar.ratio(matrix, ref)[0]))
    return float(ref[0, 0]), {t: float(rel[t]) for t in scores}


def apply_rule(scores: dict[str, float], rule: KindRule, reference_scores: dict[str, float] | None = None
               ) -> dict[str, Decision]:
    """Decide every candidate of ``scores`` ({territory: score}) under ``rule``: ``passes`` on the
    one-row matrix of the nominal scores, with the reason of each decision."""
    units, matrix, pool = _one_row(scores, reference_scores)
    order = sorted(scores, key=lambda t: (-scores[t], t))
    passed = dict(zip(order, passes(matrix, units, rule, order, pool)[0])) if order else {}
    ref, rel = relative_scores(scores, rule.reference, reference_scores)
    reasons = _quota_reasons(scores, order, int(rule.quota or 0), passed) if rule.rule == "quota" else \
        _threshold_reasons(scores, order, rule, ref, rel, passed)
    return {t: Decision(t, "labelled" if passed[t] else "not_selected", reasons[t], rel[t], eis_group(rel[t]))
            for t in order}


def _quota_reasons(scores, order, quota, passed) -> dict[str, tuple[Reason, ...]]:
    n = len(order)
    bar_score = scores[order[quota - 1]] if 0 < quota <= n else None
    tied = [t for t in order if scores[t] == bar_score]
    out = {}
    for t in order:
        rank = 1 + sum(1 for u in order if scores[u] > scores[t])
        where = "quota_within" if passed[t] else "quota_outside"
        reasons = [Reason(where, {"rank": rank, "of": n, "quota": quota})]
        if scores[t] == bar_score and len(tied) > 1 and rank + len(tied) - 1 > quota:
            reasons.append(Reason("quota_tied", {"tied": [u for u in tied if u != t], "count": len(tied),
                                                 "above": rank + len(tied) - 1 - quota}))
        out[t] = tuple(reasons)
    return out


def _threshold_reasons(scores, order, rule, ref, rel, passed) -> dict[str, tuple[Reason, ...]]:
    what = "mean" if rule.reference == CANDIDATES else "territory"
    out = {}
    for t in order:
        params = {"score": float(scores[t]), "relative": rel[t], "reference_score": ref,
                  "share": float(rule.threshold)}
        if what == "territory":
            params["reference"] = rule.reference
        out[t] = (Reason(f"threshold_{what}_{'reached' if passed[t] else 'below'}", params),)
    return out
