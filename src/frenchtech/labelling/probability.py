"""The probability of being labelled: the campaign's rules applied to every Monte Carlo replication.

The nominal decisions fix each territory's route (automatic label, ineligible, jury override,
re-audit of a held label): those do not depend on the index. New candidates of each label kind are
decided in every replication by their kind's rule, with the very code that decided the nominal run
(``frenchtech.labelling.rules.passes``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from frenchtech.labelling.rules import passes

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
            if new:
                out[:, [col[t] for t in new]] = passes(scores, units, rules.rule_for(kind), new, pool)
        return out

    return apply
