"""Exchange rates that convert round amounts to euros.

Two layouts are read: today's ``exchange_rates.csv`` (``currency,year,eur_per_unit``: one rate per
currency and calendar year) and the ECB's euro reference rates (``frenchtech.sources.ecb``). Both give
an object with ``rate(currency, date)`` (euros for one unit, or None) and ``explain(currency, date)``
(why there is none), so the round readers need not know which file was read. EUR is always 1.0.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from frenchtech.sources.csvutil import CsvRows, parse_number

COLUMNS = ("currency", "year", "eur_per_unit")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# How a round's amount is converted: the rate of the round's day, or the average of its year.
RULES = ("day", "year_average")


class RateTable(dict):
    """{(currency, year): eur_per_unit}; ``path`` is where it was read from (None if empty)."""

    path: Path | None = None
    rule = "year_average"

    def currencies(self) -> set[str]:
        return {"EUR"} | {c for c, _ in self}

    def rate(self, currency: str, date: dt.date | int) -> float | None:
        if currency == "EUR":
            return 1.0
        return self.get((currency, date if isinstance(date, int) else date.year))

    def explain(self, currency: str, date: dt.date) -> tuple[str, str]:
        """(message, expected form) when ``rate`` gives None."""
        source = self.path.name if self.path else "exchange_rates.csv"
        if currency in self.currencies():
            return (f"no exchange rate for {currency} in {date.year}",
                    f"EUR or a currency with a {date.year} rate in {source}")
        return (f"unknown currency {currency!r}: no rate in {source}",
                f"EUR or a currency with a {date.year} rate in {source}")


def read_exchange_rates(path) -> RateTable:
    rows = CsvRows(path, COLUMNS)
    table = RateTable()
    table.path = Path(path)
    for line, r in rows:
        cur = r["currency"]
        if not CURRENCY_RE.match(cur):
            raise rows.error(f"bad currency code {cur!r}", line=line, column="currency",
                             expected="an ISO 4217 code of 3 capital letters, e.g. USD")
        year = r["year"]
        if not re.fullmatch(r"\d{4}", year):
            raise rows.error(f"bad year {year!r}", line=line, column="year", expected="a 4-digit year")
        rate = parse_number(rows, r["eur_per_unit"], line, "eur_per_unit", positive=True)
        key = (cur, int(year))
        if key in table:
            raise rows.error(f"second rate for {cur} {year}", line=line, column="year",
                             expected="one rate per (currency, year)")
        if cur == "EUR" and rate != 1.0:
            raise rows.error("EUR rate must be 1", line=line, column="eur_per_unit", expected="1.0")
        table[key] = float(rate)
    return table
