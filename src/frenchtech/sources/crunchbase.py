"""Funding rounds in the layout of Crunchbase's CSV export (``funding_rounds.csv`` of its bulk export).

The export has one row per round; the columns read are ``org_name`` (the company), ``announced_on``
(ISO date), ``raised_amount`` with ``raised_amount_currency_code`` (the amount in its own currency),
``investment_type`` (``seed``, ``series_a``...), ``city`` and ``country_code`` (ISO 3166 alpha-3).
Its other columns (``uuid``, ``region``, ``raised_amount_usd``, ``investor_count``...) are not used,
and columns Crunchbase adds later are ignored: the export is not a file of our design.

A round is located by its city through the geography's city matcher, as in ``funding_rounds.csv``;
the export has no commune code and no department. A round outside France (``country_code`` other
than ``FRA``), or whose city is unknown or ambiguous, is left out and listed in the city report.
An empty ``raised_amount`` (an undisclosed amount) is a round of 0 euro.
"""
from __future__ import annotations

import pandas as pd

from frenchtech.sources.csvutil import CsvRows, geography_of, parse_date, parse_number
from frenchtech.sources.rounds import RoundTable

FILE = "funding_rounds.csv"
REQUIRED = ("org_name", "announced_on", "raised_amount", "raised_amount_currency_code", "city", "country_code")
USED = REQUIRED + ("investment_type",)
COUNTRY = "FRA"


class CrunchbaseRows(CsvRows):
    """Crunchbase's header: the columns read must be there; the others are passed over."""

    def _check_header(self, fields, line):
        self.optional = tuple(f.strip() for f in fields if f.strip() not in self.required)
        return super()._check_header(fields, line)


def read_crunchbase_rounds(path, where, rates=None) -> tuple[pd.DataFrame, list[dict]]:
    """Read a Crunchbase ``funding_rounds.csv`` export; return (rounds, city_report) as ``read_rounds``."""
    rows = CrunchbaseRows(path, REQUIRED)
    table = RoundTable(rows, geography_of(where), rates,
                       columns={"company": "org_name", "date": "announced_on", "amount": "raised_amount",
                                "currency": "raised_amount_currency_code", "city": "city",
                                "commune_code": "city", "department": "city"})
    for line, r in rows:
        date = parse_date(rows, r["announced_on"], line, "announced_on")
        amount = (None if r["raised_amount"] == "" else
                  parse_number(rows, r["raised_amount"], line, "raised_amount"))
        if r["country_code"] != COUNTRY:
            table.skip(line, r["city"], "abroad")
            continue
        table.add(line, company=r["org_name"], date=date, amount=amount,
                  currency=r["raised_amount_currency_code"], city=r["city"],
                  round_type=r.get("investment_type", ""))
    return table.result()
