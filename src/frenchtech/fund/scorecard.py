"""Due diligence: a configurable scorecard. Each criterion is normalised between its goalposts to
0-100 (the index engine's ``n_goalposts``), the score is the weighted arithmetic mean, and an
eliminatory condition that fails excludes the application whatever its score."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frenchtech.index.normalise import n_goalposts


@dataclass(frozen=True)
class Assessment:
    application_id: str
    score: float                      # 0-100
    parts: dict[str, float]           # criterion id -> normalised value 0-100
    eliminated_by: tuple[str, ...]    # ids of the eliminatory conditions that failed
    failed_conditions: tuple[str, ...] = ()  # their labels
    failed_conditions_fr: tuple[str, ...] = ()  # their labels on French pages (the label when none)

    @property
    def eligible(self) -> bool:
        return not self.eliminated_by


def assess(apps, fund) -> dict[str, Assessment]:
    """Score every application on the fund's scorecard."""
    out: dict[str, Assessment] = {}
    weights = np.array([c.weight for c in fund.criteria], dtype=float)
    for a in apps:
        parts = {}
        for c in fund.criteria:
            x = np.array([float(getattr(a, c.id))])
            parts[c.id] = float(n_goalposts(x, (c.goalposts[0], c.goalposts[1], 100.0), c.direction)[0])
        score = float(np.dot(weights, [parts[c.id] for c in fund.criteria]) / weights.sum()) if len(weights) else 0.0
        failed = [e for e in fund.eliminatory if not e.passes(getattr(a, e.field, None))]
        out[a.application_id] = Assessment(a.application_id, score, parts, tuple(e.id for e in failed),
                                           tuple(e.label for e in failed),
                                           tuple(e.label_fr or e.label for e in failed))
    return out
