"""The campaign's composite score: normalise each indicator, weighted mean per pillar, then of pillars."""
from __future__ import annotations

import numpy as np
import pandas as pd

from frenchtech.indicators.catalogue import load_catalogue


def _normalise(x: pd.Series, method: str) -> pd.Series:
    if method == "n_minmax":
        lo, hi = x.min(), x.max()
        return pd.Series(50.0, index=x.index) if hi == lo else (x - lo) / (hi - lo) * 100
    if method == "n_zscore":
        sd = x.std(ddof=1)
        return pd.Series(10.0, index=x.index) if not sd else (x - x.mean()) / sd * 2 + 10
    if method == "n_rank":
        return x.rank(method="min")
    if method == "n_prank":
        return x.rank(method="average", pct=True) * 100
    raise ValueError(f"unknown normalisation {method!r}")


def _mean(values: pd.DataFrame, weights: np.ndarray, method: str) -> pd.Series:
    w = weights / weights.sum()
    if method == "a_gmean":
        return pd.Series(np.exp((np.log(values.clip(lower=1e-9)) * w).sum(axis=1)), index=values.index)
    return (values * w).sum(axis=1)


def composite(indicators: pd.DataFrame, campaign) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (normalised indicators, scores with pillars, score and rank)."""
    catalogue = load_catalogue()
    method = campaign.index["normalise"]
    agg = campaign.index["aggregate"]
    norm = pd.DataFrame(index=indicators.index)
    for choice in campaign.indicators:
        x = indicators[choice.id].astype(float) * catalogue.indicators[choice.id].direction
        norm[choice.id] = _normalise(x, method)
    scores = pd.DataFrame(index=indicators.index)
    for pillar in campaign.pillars:
        members = [c for c in campaign.indicators if c.pillar == pillar]
        scores[pillar] = _mean(norm[[c.id for c in members]], np.array([c.weight for c in members]), agg)
    scores["score"] = _mean(scores[list(campaign.pillars)], np.array(list(campaign.pillars.values())), agg)
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype(int)
    return norm, scores
