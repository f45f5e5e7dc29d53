"""The probability of being labelled: the campaign's rules applied to every Monte Carlo replication.

The nominal decisions fix each territory's route (automatic label, ineligible, jury override,
re-audit of a held label): those do not depend on the index. New candidates of each label kind are
decided in every replication by their kind's rule, vectorised over replications (a quota keeps the
candidates scoring at least the quota-th best score, ties included, as the nominal rule does; a
threshold compares the score with a share of the reference, rounded as the nominal rule rounds).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from frenchtech.labelling.rules import PRECISION

PASSING = ("labelled", "confirmed", "renewed")


def pass_matrix(campaign, nominal: pd.DataFrame):
    """A function (scores (replications x units), unit ids) -> bool array of labelled outcomes."""
    rows = nominal.set_index("territory")
    specs = {s.id: s for s in campaign.specs}
    rules = campaign.rules

    def fixed(t: str) -> bool | None:
        """The outcome when it does not depend on the score, else None."""
        r = rows.loc[t]
        if specs[t].automatic or not bool(r["eligible"]) or bool(r["override"]):
            return r["decision"] in PASSING
        if r["rule_decision"] in ("confirmed", "withdrawn"):  # a held label, re-audited
            return r["decision"] in PASSING
        return None

    def apply(scores: np.ndarray, units: list[str]) -> np.ndarray:
        col = {u: i for i, u in enumerate(units)}
        out = np.zeros(scores.shape, dtype=bool)
        for kind in sorted({s.kind for s in campaign.specs}):
            members = [t for t in units if specs[t].kind == kind]
            pool = [t for t in members if not specs[t].automatic and bool(rows.loc[t, "eligible"])]
            new = [t for t in members if fixed(t) is None]
            for t in members:
                if fixed(t) is not None:
                    out[:, col[t]] = fixed(t)
            if not new:
                continue
            rule = rules.rule_for(kind)
            s_new = scores[:, [col[t] for t in new]]
            if rule.rule == "quota":
                k = int(rule.quota or 0)
                if 0 < k <= len(new):
                    bar = -np.sort(-s_new, axis=1)[:, k - 1:k]
                    out[:, [col[t] for t in new]] = s_new >= bar
            else:
                if rule.reference == "candidates":
                    ref = scores[:, [col[t] for t in pool]].mean(axis=1, keepdims=True)
                else:
                    ref = scores[:, [col[rule.reference]]]
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.where(ref != 0, np.round(s_new / ref, PRECISION), 0.0)
                out[:, [col[t] for t in new]] = rel >= round(float(rule.threshold), PRECISION)
        return out

    return apply
