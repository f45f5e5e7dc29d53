"""Exchange-rate table ``exchange_rates.csv``: ``currency,year,eur_per_unit``.

EUR is implicit (1.0). A rate converts one unit of the currency into euros for a calendar year.
"""
from __future__ import annotations

import re
from pathlib import Path

from frenchtech.sources.csvutil import CsvRows, parse_number

COLUMNS = ("currency", "year", "eur_per_unit")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class RateTable(dict):
    """{(currency, year): eur_per_unit}; ``path`` is where it was read from (None if empty)."""

    path: Path | None = None

    def currencies(self) -> set[str]:
        return {"EUR"} | {c for c, _ in self}

    def rate(self, currency: str, year: int) -> float | None:
        if currency == "EUR":
            return 1.0
        return self.get((currency, year))


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
