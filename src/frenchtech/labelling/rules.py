"""Apply a campaign's labelling rule to the index scores.

Rules come from the campaign file: ``quota`` labels the N best competing candidates (ties at the
boundary are all labelled, and the decision says so); ``threshold`` labels every candidate whose
score reaches a share of a reference (the candidates' mean score by default). Automatic labels
(Paris in 2014) are granted whatever the score.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Decision:
    territory: str
    decision: str        # "labelled" | "not_selected"
    reason: str


def decide(scores: pd.DataFrame, specs, labelling: dict) -> list[Decision]:
    """``scores``: index = territory id, columns ``score`` and ``rank`` (1 = best)."""
    automatic = {s.id for s in specs if s.automatic}
    competing = scores.drop(index=[t for t in scores.index if t in automatic])
    order = competing.sort_values(["score"], ascending=False)
    decisions: dict[str, Decision] = {}
    for tid in automatic:
        decisions[tid] = Decision(tid, "labelled", "automatic label set by the campaign")
    rule = labelling["rule"]
    if rule == "quota":
        quota = int(labelling["quota"])
        if quota == 0:
            bar = float("inf")
        else:
            bar = order["score"].iloc[min(quota, len(order)) - 1]
        for pos, (tid, row) in enumerate(order.iterrows(), start=1):
            if row["score"] >= bar:
                tie = " (tied at the quota boundary)" if pos > quota else ""
                decisions[tid] = Decision(tid, "labelled", f"rank {pos} of {len(order)} within the quota of {quota}{tie}")
            else:
                decisions[tid] = Decision(tid, "not_selected", f"rank {pos} of {len(order)}, outside the quota of {quota}")
    elif rule == "threshold":
        share = float(labelling["threshold"])
        reference = float(competing["score"].mean())
        bar = share * reference
        for tid, row in order.iterrows():
            ratio = row["score"] / reference if reference else float("nan")
            if row["score"] >= bar:
                decisions[tid] = Decision(tid, "labelled", f"score {row['score']:.1f} = {ratio:.0%} of the candidates' mean, at or above {share:.0%}")
            else:
                decisions[tid] = Decision(tid, "not_selected", f"score {row['score']:.1f} = {ratio:.0%} of the candidates' mean, below {share:.0%}")
    else:  # validated upstream; kept for direct callers
        raise ValueError(f"unknown labelling rule {rule!r}")
    return [decisions[t] for t in scores.index]
