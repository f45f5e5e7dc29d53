"""Apply a label kind's rule to the candidates' scores.

``quota`` labels the N best candidates; candidates tied with the N-th are all labelled and the
decision says so. ``threshold`` labels every candidate whose score reaches a share of a reference
score: the candidates' mean (as the European Innovation Scoreboard groups countries relative to the
EU average) or a named reference territory. Every candidate also gets its relative score and its
EIS group (leader > 125 %, strong 100-125 %, moderate 70-100 %, emerging < 70 %).

Results never depend on the order in which candidates are listed: ties are broken by nothing but
the score, and listings are sorted by (score desc, territory id).
"""
from __future__ import annotations

from dataclasses import dataclass

from frenchtech.labelling.settings import EIS_GROUPS, KindRule

PRECISION = 9  # relative scores are compared rounded, so a candidate exactly at the bar stays at it


@dataclass(frozen=True)
class Decision:
    territory: str
    decision: str        # labelled | not_selected (rules); the lifecycle adds confirmed, withdrawn, ...
    reason: str
    relative: float | None = None
    group: str = ""


def eis_group(relative: float | None) -> str:
    """EIS group: leader above 125 % (strictly), strong from 100 % to 125 %, moderate from 70 %, else emerging."""
    if relative is None:
        return ""
    (top, top_bound), *rest = EIS_GROUPS
    if relative > top_bound:
        return top
    return next(name for name, lower in rest if relative >= lower)


def relative_scores(scores: dict[str, float], reference: str = "candidates",
                    reference_scores: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
    """(reference score, {territory: score / reference}). ``reference_scores`` defaults to ``scores``."""
    pool = scores if reference_scores is None else reference_scores
    if reference == "candidates":
        ref = sum(pool[k] for k in sorted(pool)) / len(pool) if pool else 0.0
    else:
        ref = float(pool[reference])
    rel = {t: (round(s / ref, PRECISION) if ref else 0.0) for t, s in scores.items()}
    return ref, rel


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th...: the place among the candidates competing for the quota (automatic labels
    are not counted, so it can differ from the rank in the full ranking)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def apply_rule(scores: dict[str, float], rule: KindRule, reference_scores: dict[str, float] | None = None
               ) -> dict[str, Decision]:
    """Decide every candidate of ``scores`` ({territory: score}) under ``rule``."""
    ref, rel = relative_scores(scores, rule.reference, reference_scores)
    order = sorted(scores, key=lambda t: (-scores[t], t))
    out: dict[str, Decision] = {}
    n = len(order)
    if rule.rule == "quota":
        quota = int(rule.quota or 0)
        bar = scores[order[quota - 1]] if 0 < quota <= n else float("inf")
        tied = [t for t in order if scores[t] == bar]
        for t in order:
            rank = 1 + sum(1 for u in order if scores[u] > scores[t])
            if scores[t] >= bar:
                reason = f"{_ordinal(rank)} of the {n} candidates competing for the quota, within the quota of {quota}"
                if scores[t] == bar and len(tied) > 1 and rank + len(tied) - 1 > quota:
                    reason += (f"; tied at the quota boundary with {', '.join(u for u in tied if u != t)}: "
                               f"all {len(tied)} tied candidates are labelled "
                               f"({rank + len(tied) - 1 - quota} above the quota)")
                out[t] = Decision(t, "labelled", reason, rel[t], eis_group(rel[t]))
            else:
                out[t] = Decision(t, "not_selected",
                                  f"{_ordinal(rank)} of the {n} candidates competing for the quota, "
                                  f"outside the quota of {quota}", rel[t], eis_group(rel[t]))
    elif rule.rule == "threshold":
        share = float(rule.threshold)
        what = "the candidates' mean" if rule.reference == "candidates" else rule.reference
        for t in order:
            text = f"score {scores[t]:.1f} = {rel[t]:.0%} of {what} ({ref:.1f})"
            if rel[t] >= round(share, PRECISION):
                out[t] = Decision(t, "labelled", f"{text}, at or above {share:.0%}", rel[t], eis_group(rel[t]))
            else:
                out[t] = Decision(t, "not_selected", f"{text}, below {share:.0%}", rel[t], eis_group(rel[t]))
    else:
        raise ValueError(f"unknown labelling rule {rule.rule!r}")
    return out


def decide(scores, specs, labelling: dict) -> list[Decision]:
    """One-kind decision on a score table (index = territory, column ``score``): automatic labels,
    then the ``[labelling]`` rule for the others. Kept for callers that have no campaign object."""
    automatic = {s.id for s in specs if s.automatic}
    rule = KindRule("metropole", labelling["rule"], quota=labelling.get("quota"),
                    threshold=labelling.get("threshold"), reference=labelling.get("reference", "candidates"))
    competing = {t: float(scores.loc[t, "score"]) for t in scores.index if t not in automatic}
    decided = apply_rule(competing, rule)
    for t in automatic:
        decided[t] = Decision(t, "labelled", "automatic label set by the campaign")
    return [decided[t] for t in scores.index]
