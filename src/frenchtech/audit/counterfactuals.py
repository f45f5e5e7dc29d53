"""The audit's decision aids: counterfactuals.csv (what would have changed each decision) and a feedback
letter per candidate (feedback/<territory>.<lang>.html), written with the audit's other outputs.

Counterfactuals are the index engine's (``frenchtech.index.counterfactuals``) under the campaign's own
rule: the function that decides every Monte Carlo replication (``labelling.probability.pass_matrix``),
so the bar is the campaign's, quota or threshold, and moves as the candidates' scores move. Only the
candidates whose outcome depends on their score are searched: an automatic label, an ineligible
candidate, a jury override or a re-audited label does not change with the index.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import numpy as np

from frenchtech import index as engine
from frenchtech.labelling.probability import pass_matrix
from frenchtech.labelling.rules import passes

FILE = "counterfactuals.csv"
# The index engine's columns under the audit's names.
RENAME = {"uCode": "territory", "iCode": "indicator", "passes": "labelled_after", "p_pass": "p_labelled_after"}


def decided_by_rule(campaign, decisions: pd.DataFrame) -> list[str]:
    """The territories whose decision the labelling rule makes from their score (the others' routes are
    fixed; the same test as ``pass_matrix``'s)."""
    specs = {s.id: s for s in campaign.specs}
    out = []
    for r in decisions.to_dict("records"):
        t = r["territory"]
        if specs[t].automatic or not bool(r["eligible"]) or bool(r["override"]):
            continue
        if r.get("rule_decision") in ("confirmed", "withdrawn"):
            continue
        out.append(t)
    return sorted(out)


def campaign_rule(campaign, decisions: pd.DataFrame, units: list[str]):
    """``pass_matrix``'s decision as a function of (scores, ranks) over ``units``, fast enough to be
    called thousands of times: the fixed routes are read once from ``pass_matrix`` itself, and the
    rule-decided candidates of each kind go through ``labelling.rules.passes`` with the same pool."""
    decide = pass_matrix(campaign, decisions)
    rows = decisions.set_index("territory")
    specs = {s.id: s for s in campaign.specs}
    free = set(decided_by_rule(campaign, decisions))
    col = {u: i for i, u in enumerate(units)}
    fixed = decide(np.zeros((1, len(units))), units)[0]
    kinds = []
    for kind in sorted({specs[u].kind for u in units}):
        members = [t for t in units if specs[t].kind == kind]
        pool = [t for t in members if not specs[t].automatic and bool(rows.loc[t, "eligible"])]
        new = [t for t in members if t in free]
        if new:
            kinds.append((campaign.rules.rule_for(kind), new, [col[t] for t in new], pool))

    def rule(scores: np.ndarray, ranks=None) -> np.ndarray:
        out = np.tile(fixed, (scores.shape[0], 1))
        for kind_rule, new, cols, pool in kinds:
            out[:, cols] = passes(scores, units, kind_rule, new, pool)
        return out
    rule.uses_ranks = False
    return rule


COLUMNS = [RENAME.get(c, c) for c in engine.counterfactual.COLUMNS]


class DecisionAids:
    """The decision aids of one audit, started early: the counterfactual searches run in forked
    processes (``index.counterfactual.start_counterfactuals``) while the audit writes its other
    outputs; ``write(folder)`` then waits for them and writes counterfactuals.csv and the letters (which
    read the folder's tables). ``cancel()`` stops the searches (an audit that fails meanwhile)."""

    def __init__(self, result):
        self.result = result
        outcome, campaign = result.index, result.campaign
        todo = decided_by_rule(campaign, result.decisions)
        self.pending = None
        if outcome is None or not todo:
            return
        units = sorted(str(u) for u in outcome.idata["uCode"])   # the engine's unit order (uCode order)
        rule = campaign_rule(campaign, result.decisions, units)
        unc = campaign.uncertainty
        inputs = unc.engine_inputs() if unc.inputs and unc.n > 0 else None
        cf = engine.counterfactual
        self.pending = cf.start_counterfactuals(engine.pipeline(outcome.spec), outcome.idata, outcome.imeta,
                                                units=todo, rule=rule, inputs=inputs, n=unc.n, seed=unc.seed,
                                                probability="combination",
                                                workers=cf.default_workers(len(todo), unc.seed))

    def table(self) -> pd.DataFrame:
        """The counterfactuals; empty (with the columns) when there is nothing to search."""
        if self.pending is None:
            return pd.DataFrame(columns=COLUMNS)
        return self.pending.result().table.rename(columns=RENAME)[COLUMNS]

    def write(self, folder: Path) -> None:
        folder = Path(folder)
        # full precision: a value at the bar, rounded, could land on its other side
        self.table().to_csv(folder / FILE, index=False, float_format="%.17g", lineterminator="\n")
        from frenchtech.report.feedback import write_letters   # the report layer, only when writing

        write_letters(folder, result=self.result)

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()


def campaign_counterfactuals(result) -> pd.DataFrame:
    """The counterfactuals of an audit's candidates (``AuditResult``), under the campaign's rule and
    uncertainty analysis; empty (with the columns) when there is nothing to search."""
    return DecisionAids(result).table()


def write_decision_aids(result, folder: Path) -> None:
    """counterfactuals.csv and the feedback letters, into the audit's (scratch) folder."""
    aids = DecisionAids(result)
    try:
        aids.write(folder)
    finally:
        aids.cancel()
