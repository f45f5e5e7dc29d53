"""Entrepreneurial initiatives ``initiatives.csv``: ``name,kind,commune_code,date,participants``."""
from __future__ import annotations

import pandas as pd

from frenchtech.sources.csvutil import (
    CsvRows,
    geography_of,
    parse_choice,
    parse_commune,
    parse_date,
    parse_number,
    require_text,
)
from frenchtech.sources.frames import INITIATIVES, frame

KINDS = ("event", "programme", "meetup", "hackathon", "competition")
COLUMNS = ("name", "kind", "commune_code", "date", "participants")


def read_initiatives(path, where) -> pd.DataFrame:
    """Read initiatives; ``where`` is the campaign (or its Geography)."""
    geo = geography_of(where)
    rows = CsvRows(path, COLUMNS)
    out: dict[str, list] = {c: [] for c in INITIATIVES}
    for line, r in rows:
        for col, value in (("line", line), ("name", require_text(rows, r["name"], line, "name")),
                           ("kind", parse_choice(rows, r["kind"], line, "kind", KINDS)),
                           ("commune", parse_commune(rows, r["commune_code"], line, "commune_code", geo)),
                           ("date", parse_date(rows, r["date"], line, "date")),
                           ("participants", parse_number(rows, r["participants"], line, "participants",
                                                         integer=True))):
            out[col].append(value)
    return frame(out, INITIATIVES)
