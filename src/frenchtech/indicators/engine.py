"""Evaluate the catalogue's measures per territory on any Ibis backend, in one pass per source.

Every measure of a source becomes one filtered aggregate of a single grouped query, so a register
is scanned once whatever the number of indicators. The engine only sees standard columns
(see ``frenchtech.sources``); it never knows a file layout or a backend.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd

from frenchtech.indicators.catalogue import Catalogue, Measure, load_catalogue


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date
    tech_naf: tuple[str, ...]


def _predicate(t: ibis.Table, m: Measure, w: Window):
    """The measure's named filters as an Ibis boolean expression (None = every row)."""
    preds = []
    for key, value in m.where.items():
        if key == "naf_tags":
            codes = w.tech_naf if value == "campaign" else tuple(load_catalogue().naf_codes(value))
            preds.append(t.naf.isin(codes))
        elif key == "created" and value == "window":
            preds.append(t.created.between(w.start, w.end))
        elif key == "created" and value == "by_end":
            # An empty creation date in SIRENE means "unknown, long ago": it exists by the end.
            preds.append(t.created.isnull() | (t.created <= w.end))
        elif key == "active" and value:
            # active on the window's last day: the source computed it for that day (not today's state)
            preds.append(t.active)
        elif key == "head_office" and value:
            preds.append(t.head_office)
        elif key == "date" and value == "window":
            preds.append(t.date.between(w.start, w.end))
        elif key == "kind":
            preds.append(t.kind.isin(tuple(value)))
        elif key == "open_at_end" and value:
            preds.append((t.opened <= w.end) & (t.closed.isnull() | (t.closed > w.end)))
        else:
            raise ValueError(f"measure {m.id}: unsupported filter {key}={value!r}")
    if not preds:
        return None
    out = preds[0]
    for p in preds[1:]:
        out = out & p
    return out


def _aggregate(t: ibis.Table, m: Measure, w: Window):
    where = _predicate(t, m, w)
    if m.aggregate == "count":
        return t.count(where=where)
    col = t[m.column]
    if m.aggregate == "sum":
        if col.type().is_floating():
            # Summed as exact decimals (to the micro-unit): a float sum depends on the order rows
            # arrive in, which differs between engines and runs; a decimal sum does not.
            col = col.cast(ibis.expr.datatypes.Decimal(38, 6))
        return col.sum(where=where)
    return col.nunique(where=where)


def measure_query(table: ibis.Table, membership: ibis.Table, measures: list[Measure], w: Window) -> ibis.Table:
    """One grouped query computing every measure of one (small) source per territory."""
    joined = table.inner_join(membership, table.commune == membership.commune)
    return joined.group_by("territory").aggregate(**{m.id: _aggregate(joined, m, w) for m in measures})


def commune_totals(table: ibis.Table, measures: list[Measure], w: Window, extra=None) -> ibis.Table:
    """First pass over a large source: every measure per commune, in one grouped scan.

    A register has tens of millions of rows but only tens of thousands of communes: grouping by
    commune first leaves the territory join, and any check on the codes themselves, to a table
    that small. Counts and sums add up exactly from communes to territories."""
    for m in measures:
        if m.aggregate == "count_distinct":
            raise ValueError(f"measure {m.id}: count_distinct does not add up across communes; "
                             "evaluate it with measure_query")
    aggs = {m.id: _aggregate(table, m, w) for m in measures}
    if extra is not None:
        aggs.update(extra(table))
    return table.group_by("commune").aggregate(**aggs)


def exact_counts(frame: pd.DataFrame, measures: list[Measure]) -> pd.DataFrame:
    """Counts as integers whatever the engine: a filtered count that matched no row of a group may
    come back null (Spark), which pandas would otherwise turn into floats."""
    for m in measures:
        if m.aggregate == "count" and m.id in frame.columns:
            frame[m.id] = frame[m.id].fillna(0).astype("int64")
    return frame


def territory_totals(per_commune: ibis.Table, membership: ibis.Table, measures: list[Measure]) -> ibis.Table:
    """Second pass: commune totals summed over each territory's communes."""
    j = per_commune.inner_join(membership, per_commune.commune == membership.commune)
    return j.group_by("territory").aggregate(**{m.id: j[m.id].sum() for m in measures})


def evaluate_source(con, table, membership, measures, w) -> pd.DataFrame:
    return con.execute(measure_query(table, membership, measures, w))


def indicator_values(measures: pd.DataFrame, populations: pd.Series, ids, catalogue: Catalogue | None = None
                     ) -> pd.DataFrame:
    """Indicators from measures: a measure, divided by the population and scaled where defined."""
    catalogue = catalogue or load_catalogue()
    out = pd.DataFrame(index=measures.index)
    for iid in ids:
        ind = catalogue.indicators[iid]
        value = measures[ind.measure].astype("float64")
        if ind.per == "population":
            value = value / populations.reindex(measures.index).astype("float64") * ind.scale
        out[iid] = value
    return out
