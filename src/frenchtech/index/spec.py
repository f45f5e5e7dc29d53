"""Index specifications: a TOML file (or dict) with one table per step, in COINr's names.

    [denominate]                  # divide by iMeta's Denominator columns
    [impute]
    f_i = "i_mean_grp"
    use_group = "EurAsia_group"
    [screen]
    unit_screen = "byNA"
    dat_thresh = 0.9
    [treat]
    f1 = "winsorise"
    winmax = 5
    [normalise]
    f_n = "n_minmax"
    f_n_para = [0, 100]
    [aggregate]
    f_ag = "a_amean"

Steps run in the order written; a step left out is not run. Optional extra tables:
``[uncertainty]`` / ``[sensitivity]`` describe uncertain inputs (see ``monte_carlo.py``).
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import IndexInputError

ANALYSES = ("uncertainty", "sensitivity")


def load_spec(path) -> dict:
    """Read a spec TOML file; errors name the file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise IndexInputError(str(path), ["spec file not found"]) from None
    except tomllib.TOMLDecodeError as e:
        raise IndexInputError(str(path), [f"invalid TOML: {e}"]) from None


def split_spec(spec: dict) -> tuple[dict, dict]:
    """Separate the building steps from the analysis tables."""
    steps = {k: v for k, v in spec.items() if k not in ANALYSES}
    analyses = {k: v for k, v in spec.items() if k in ANALYSES}
    return steps, analyses
