"""The campaign's composite index, built by the index engine (frenchtech.index), with its uncertainty.

The campaign's indicators become COINr's iData/iMeta tables (indicators -> pillars -> index); the
``[index]`` section of the campaign file gives the steps in COINr's names, and ``[uncertainty]`` the
methodological choices to vary. Every table is kept, so the jury and the report can see each stage.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from frenchtech import index as engine
from frenchtech.campaign.model import IndexMethod
from frenchtech.indicators.catalogue import load_catalogue

INDEX_CODE = "Index"


@dataclass
class IndexOutcome:
    normalised: pd.DataFrame
    scores: pd.DataFrame                  # pillars, score, rank (+ rank interval, P(labelled))
    idata: pd.DataFrame
    imeta: pd.DataFrame
    spec: dict
    result: object                        # frenchtech.index.IndexResult
    uncertainty: object | None = None     # frenchtech.index UncertaintyResult
    sensitivity: object | None = None     # frenchtech.index SensitivityResult (Sobol indices)
    tables: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # the Sobol analysis's time, for the audit's timings


def index_tables(indicators: pd.DataFrame, campaign) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's iData and iMeta for the campaign: level 1 indicators, level 2 pillars, level 3 index."""
    catalogue = load_catalogue()
    names = {t.id: t.name for t in campaign.territories}
    idata = pd.DataFrame({"uCode": indicators.index, "uName": [names[t] for t in indicators.index]})
    rows = []
    for c in campaign.indicators:
        idata[c.id] = indicators[c.id].to_numpy(dtype=float)
        m = catalogue.measures[catalogue.indicators[c.id].measure]
        rows.append({"Level": 1, "iCode": c.id, "iName": m.name_en, "Direction": catalogue.indicators[c.id].direction,
                     "Weight": c.weight, "Parent": c.pillar, "Type": "Indicator"})
    for pillar, weight in campaign.pillars.items():
        rows.append({"Level": 2, "iCode": pillar, "iName": pillar, "Direction": 1, "Weight": weight,
                     "Parent": INDEX_CODE, "Type": "Aggregate"})
    rows.append({"Level": 3, "iCode": INDEX_CODE, "iName": campaign.name_en, "Direction": 1, "Weight": 1,
                 "Parent": None, "Type": "Aggregate"})
    return idata, pd.DataFrame(rows)


def index_spec(index) -> dict:
    """The pipeline spec of an ``[index]`` section: the campaign model's (``campaign.index``) or one
    read back from a manifest's configuration (a dict, read through the same model)."""
    method = index if isinstance(index, IndexMethod) else IndexMethod.model_validate(dict(index or {}))
    return method.spec()


def composite(indicators: pd.DataFrame, campaign) -> IndexOutcome:
    """Build the nominal index: every stage's table, pillar scores, the score and the rank."""
    idata, imeta = index_tables(indicators, campaign)
    spec = campaign.index.spec()
    result = engine.build(idata, imeta, spec)
    agg = result.aggregated.set_index("uCode")
    scores = agg[list(campaign.pillars)].copy()
    scores["score"] = agg[INDEX_CODE]
    ranks = result.ranks.set_index("uCode")["Rank"]
    scores["rank"] = ranks.reindex(scores.index).astype(int)
    scores.index.name = None
    normalised = result.tables["Normalised"].set_index("uCode")[[c.id for c in campaign.indicators]]
    normalised.index.name = None
    return IndexOutcome(normalised, scores, idata, imeta, spec, result)


def add_uncertainty(outcome: IndexOutcome, campaign, pass_matrix=None) -> None:
    """Monte Carlo over the campaign's ``[uncertainty]`` choices: rank median and 5-95 % interval per
    territory and, with ``pass_matrix`` (scores (replications x units), unit ids -> bool array),
    the probability of being labelled."""
    unc, sens = campaign.uncertainty, campaign.sensitivity
    if not unc.inputs or unc.n <= 0:
        return
    inputs = unc.engine_inputs()
    u = engine.uncertainty(outcome.idata, outcome.imeta, outcome.spec, inputs, n=unc.n, seed=unc.seed)
    outcome.uncertainty = u
    if u.failed:
        outcome.tables["uncertainty_failed"] = u.failed
    if sens.n > 0:
        started = time.perf_counter()
        outcome.sensitivity = engine.sensitivity(outcome.idata, outcome.imeta, outcome.spec, inputs,
                                                 n=sens.n, seed=sens.seed, n_boot=sens.n_boot)
        outcome.seconds["sensitivity"] = time.perf_counter() - started
    scores = outcome.scores
    stats = u.rank_stats.set_index("uCode")
    scores["rank_median"] = stats["Median"].reindex(scores.index)
    scores["rank_p05"] = stats["Q5"].reindex(scores.index)
    scores["rank_p95"] = stats["Q95"].reindex(scores.index)
    if pass_matrix is not None:
        ok = ~np.all(np.isnan(u.scores), axis=1)
        units = [str(x) for x in u.units]
        passed = np.asarray(pass_matrix(u.scores[ok], units), dtype=bool)
        scores["p_labelled"] = pd.Series(passed.mean(axis=0), index=units).reindex(scores.index)


def index_notes(outcome: IndexOutcome) -> list[str]:
    """What the terminal says about the index beyond the ranking."""
    notes = []
    u = outcome.uncertainty
    if u is not None:
        notes.append(f"uncertainty: {len(u.inputs)} Monte Carlo replications over "
                     f"{', '.join(u.inputs.columns)}")
        if u.failed:
            notes.append(f"uncertainty: {u.failed} replication(s) could not be built (e.g. a geometric mean of "
                         "zeros) and are left out of the intervals")
    if outcome.sensitivity is not None:
        top = outcome.sensitivity.indices.sort_values("ST", ascending=False)
        notes.append("sensitivity (total Sobol index on the mean rank shift): "
                     + ", ".join(f"{r.Variable} {r.ST:.2f}" for r in top.itertuples()))
    return notes


def write_index_outputs(outcome: IndexOutcome, folder) -> None:
    """The index's own artefacts under ``index/``: COINr tables of every stage, the statistical audit
    and the uncertainty analysis, so each can be re-read in COINr or by the jury report."""
    out = Path(folder) / "index"
    out.mkdir(parents=True, exist_ok=True)

    def save(frame: pd.DataFrame, name: str) -> None:
        frame.to_csv(out / name, index=False, float_format="%.10g", lineterminator="\n")

    save(outcome.idata, "iData.csv")
    save(outcome.imeta, "iMeta.csv")
    for name in ("Treated", "Normalised", "Aggregated"):
        if name in outcome.result.tables:
            save(outcome.result.tables[name], f"{name}.csv")
    stats = engine.audit(outcome.result)
    save(stats["stats"], "indicator_stats.csv")
    save(stats["cronbach"].rename_axis("aggregate").reset_index(), "cronbach_alpha.csv")
    save(stats["leave_one_out"], "leave_one_out.csv")
    for key, frame in stats["correlations"].items():
        if isinstance(frame, pd.DataFrame):
            save(frame.reset_index() if frame.index.name else frame, f"correlations_{key}.csv")
    if outcome.uncertainty is not None:
        u = outcome.uncertainty
        save(u.rank_stats, "rank_uncertainty.csv")
        save(u.inputs, "uncertainty_inputs.csv")
    if outcome.sensitivity is not None:
        save(outcome.sensitivity.indices, "sobol.csv")
