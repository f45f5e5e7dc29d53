"""Reading and writing COINr's iData / iMeta tables, and the bundled ASEM example."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import IndexInputError

ASEM_ATTRIBUTION = "ASEM example data: COINr package (MIT) example data."


def read_table(path, what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise IndexInputError(str(path), [f"{what} file not found"])
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise IndexInputError(str(path), [f"cannot read {what} as CSV: {e}"]) from None


def read_coinr(idata_path, imeta_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's two input tables from CSV files."""
    return read_table(idata_path, "iData"), read_table(imeta_path, "iMeta")


# The spec of COINr's build_example_coin() on ASEM: its published results are the reference.
ASEM_SPEC = {
    "denominate": {},
    "impute": {"f_i": "i_mean_grp", "use_group": "EurAsia_group"},
    "screen": {"unit_screen": "byNA", "dat_thresh": 0.9},
    "treat": {"f1": "winsorise", "winmax": 5, "skew_thresh": 2, "kurt_thresh": 3.5},
    "normalise": {"f_n": "n_minmax", "f_n_para": [0, 100]},
    "aggregate": {"f_ag": "a_amean"},
}


def load_asem() -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's ASEM example (51 countries, 49 indicators, 4 levels), shipped with the package."""
    base = resources.files("frenchtech.index") / "data" / "asem"
    with resources.as_file(base / "iData.csv") as p1, resources.as_file(base / "iMeta.csv") as p2:
        return pd.read_csv(p1), pd.read_csv(p2)


def write_table(df: pd.DataFrame, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.15g")
    return path


def write_coinr(idata: pd.DataFrame, imeta: pd.DataFrame, folder) -> tuple[Path, Path]:
    """Write iData.csv and iMeta.csv in COINr's layout, readable by COINr's ``new_coin``."""
    folder = Path(folder)
    return write_table(idata, folder / "iData.csv"), write_table(imeta, folder / "iMeta.csv")
