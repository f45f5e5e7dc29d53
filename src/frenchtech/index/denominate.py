"""Denomination: divide indicators by a denominator column (per capita, per GDP, per area).

As COINr's ``Denominate``: ``x / (denominator / ScaleFactor)``, with the denominator named in iMeta's
``Denominator`` column unless the step gives its own ``denomby`` mapping.
"""
from __future__ import annotations

import numpy as np

from .errors import IndexInputError


def denominate_matrix(x: np.ndarray, codes: list[str], denoms: dict[str, np.ndarray],
                      denomby: dict[str, str | None], scale_factor: dict[str, float] | None = None):
    """Return a copy of ``x`` with each column in ``denomby`` divided by its scaled denominator."""
    scale_factor = scale_factor or {}
    errors = [f"denomby names unknown indicator '{c}'" for c in denomby if c not in codes]
    errors += [f"indicator '{c}': denominator '{d}' has no column in iData"
               for c, d in denomby.items() if d is not None and d not in denoms]
    errors += [f"scale_factor names unknown indicator '{c}'" for c in scale_factor if c not in codes]
    if errors:
        raise IndexInputError("denominate", errors)
    out = np.array(x, dtype=float, copy=True)
    for j, code in enumerate(codes):
        den = denomby.get(code)
        if den is None:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = x[:, j] / (denoms[den] / float(scale_factor.get(code, 1.0)))
    return out
