"""Funding rounds ``funding_rounds.csv``, in the layout of our own design.

Header: ``company,siren,commune_code,city,date,amount,currency,round_type,investors`` (``siren``,
``round_type``, ``investors`` and the disambiguating ``department`` are optional; ``commune_code`` or
``city`` must be present, and each row needs one of them). A city name is resolved to its commune;
an unknown or ambiguous city does not fail the file: the row is left out and listed in the city
report. Amounts are converted to euros with the exchange rates (``frenchtech.sources.rates``).

The other layouts (a Crunchbase export, any export through a column-mapping profile) hand their rows
to the same :class:`RoundTable`, so a round is validated, located and converted alike whatever its file.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from frenchtech.sources.csvutil import (
    CsvRows,
    geography_of,
    parse_commune,
    parse_date,
    parse_number,
    require_text,
)
from frenchtech.sources.frames import ROUNDS, frame
from frenchtech.sources.rates import CURRENCY_RE, RateTable

REQUIRED = ("company", "date", "amount", "currency")
OPTIONAL = ("siren", "commune_code", "city", "department", "round_type", "investors")
SIREN_RE = re.compile(r"^\d{9}$")
DEPARTMENT_RE = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")


class RoundTable:
    """Rounds gathered row by row from any layout: checked, located, converted to euros.

    ``columns`` names, for each field, the column of the file it comes from (errors name that column).
    """

    def __init__(self, rows, geo, rates, columns: dict[str, str] | None = None):
        self.rows, self.geo, self.rates = rows, geo, rates if rates is not None else RateTable()
        self.columns = {f: f for f in ("company", "siren", "commune_code", "city", "department", "date",
                                       "amount", "currency")} | dict(columns or {})
        self.out: dict[str, list] = {c: [] for c in ROUNDS}
        self.report: list[dict] = []

    def skip(self, line: int, city: str, problem: str, department: str | None = None, candidates=()) -> None:
        """Leave a row out and list it in the city report."""
        self.report.append({"line": line, "city": city, "department": department or None, "problem": problem,
                            "candidates": list(candidates)})

    def add(self, line: int, *, company: str, date: dt.date, amount: float | None, currency: str,
            siren: str = "", code: str = "", city: str = "", department: str = "", round_type: str = "",
            investors: str = "") -> None:
        rows, col = self.rows, self.columns
        company = require_text(rows, company, line, col["company"])
        if siren and not SIREN_RE.match(siren):
            raise rows.error(f"bad SIREN {siren!r}", line=line, column=col["siren"], expected="9 digits or empty")
        if amount is None:   # an undisclosed amount (a deal database leaves it empty): a round of 0 euro
            amount_eur, currency = 0.0, currency or None
        else:
            if not CURRENCY_RE.match(currency):
                raise rows.error(f"bad currency {currency!r}", line=line, column=col["currency"],
                                 expected="an ISO 4217 code of 3 capital letters, e.g. EUR")
            rate = self.rates.rate(currency, date)
            if rate is None:
                message, expected = self.rates.explain(currency, date)
                raise rows.error(message, line=line, column=col["currency"], expected=expected)
            amount_eur = float(amount) * rate
        if department and not DEPARTMENT_RE.match(department):
            raise rows.error(f"bad department {department!r}", line=line, column=col["department"],
                             expected="a department code such as 69, 2A or 974, or empty")
        if code:
            commune = parse_commune(rows, code, line, col["commune_code"], self.geo)
        elif city:
            candidates = self.geo.resolve_city(city, department or None)
            if len(candidates) != 1:
                self.skip(line, city, "ambiguous" if candidates else "unknown", department, candidates)
                return
            commune = candidates[0]
        else:
            raise rows.error("no commune code and no city", line=line, column=col["commune_code"],
                             expected="a commune code or a city name")
        investors = ";".join(i.strip() for i in investors.split(";") if i.strip())
        for name, value in (("line", line), ("company", company), ("siren", siren or None), ("commune", commune),
                            ("date", date), ("amount", float(amount or 0.0)), ("currency", currency),
                            ("amount_eur", amount_eur), ("round_type", round_type or None),
                            ("investors", investors or None)):
            self.out[name].append(value)

    def result(self) -> tuple[pd.DataFrame, list[dict]]:
        return frame(self.out, ROUNDS), self.report


def read_rounds(path, where, rates=None) -> tuple[pd.DataFrame, list[dict]]:
    """Read funding rounds; return (rounds, city_report).

    ``where`` is the campaign (or its Geography); ``rates`` a rate table (``RateTable`` or ECB rates).
    ``city_report`` lists the rows left out because their city is unknown or ambiguous:
    ``{"line", "city", "department", "problem", "candidates"}``.
    """
    rows = CsvRows(path, REQUIRED, OPTIONAL, one_of=("commune_code", "city"))
    table = RoundTable(rows, geography_of(where), rates)
    for line, r in rows:
        table.add(line, company=r["company"], siren=r.get("siren", ""), date=parse_date(rows, r["date"], line, "date"),
                  amount=parse_number(rows, r["amount"], line, "amount"), currency=r["currency"],
                  code=r.get("commune_code", ""), city=r.get("city", ""), department=r.get("department", ""),
                  round_type=r.get("round_type", ""), investors=r.get("investors", ""))
    return table.result()
