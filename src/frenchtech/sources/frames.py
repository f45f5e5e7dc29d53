"""Column schemas of the standardized evidence tables, so that empty tables keep their dtypes."""
from __future__ import annotations

import pandas as pd

DATE = "datetime64[ns]"

ROUNDS = {"line": "int64", "company": "str", "siren": "str", "commune": "str", "date": DATE,
          "amount": "float64", "currency": "str", "amount_eur": "float64", "round_type": "str",
          "investors": "str"}
STRUCTURES = {"line": "int64", "name": "str", "kind": "str", "commune": "str", "opened": DATE,
              "closed": DATE, "capacity": "int64"}
INITIATIVES = {"line": "int64", "name": "str", "kind": "str", "commune": "str", "date": DATE,
               "participants": "int64"}


def frame(records: dict[str, list], schema: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly the schema's columns and dtypes (dates given as datetime.date/None)."""
    data = {}
    for col, dtype in schema.items():
        values = records.get(col, [])
        if dtype == DATE:
            data[col] = pd.to_datetime(pd.Series(values, dtype="object"), errors="raise").astype(DATE) \
                if len(values) else pd.Series([], dtype=DATE)
        else:
            data[col] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=list(schema))


def empty(schema: dict[str, str]) -> pd.DataFrame:
    return frame({}, schema)
