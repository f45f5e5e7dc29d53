"""Support structures ``structures.csv``: ``name,kind,commune_code,opened,closed,capacity``."""
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
from frenchtech.sources.frames import STRUCTURES, frame

KINDS = ("incubator", "accelerator", "startup_studio", "coworking")
REQUIRED = ("name", "kind", "commune_code", "opened", "capacity")
OPTIONAL = ("closed",)


def read_structures(path, where) -> pd.DataFrame:
    """Read support structures; ``where`` is the campaign (or its Geography)."""
    geo = geography_of(where)
    rows = CsvRows(path, REQUIRED, OPTIONAL)
    out: dict[str, list] = {c: [] for c in STRUCTURES}
    for line, r in rows:
        opened = parse_date(rows, r["opened"], line, "opened")
        closed = parse_date(rows, r.get("closed", ""), line, "closed", optional=True)
        if closed is not None and closed < opened:
            raise rows.error(f"closed {closed} before opened {opened}", line=line, column="closed",
                             expected="a date on or after 'opened', or empty")
        for col, value in (("line", line), ("name", require_text(rows, r["name"], line, "name")),
                           ("kind", parse_choice(rows, r["kind"], line, "kind", KINDS)),
                           ("commune", parse_commune(rows, r["commune_code"], line, "commune_code", geo)),
                           ("opened", opened), ("closed", closed),
                           ("capacity", parse_number(rows, r["capacity"], line, "capacity", integer=True))):
            out[col].append(value)
    return frame(out, STRUCTURES)
