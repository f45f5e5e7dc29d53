"""Funding rounds ``funding_rounds.csv``, as exported by the usual deal databases.

Header: ``company,siren,commune_code,city,date,amount,currency,round_type,investors`` (``siren``,
``round_type``, ``investors`` and the disambiguating ``department`` are optional; ``commune_code`` or
``city`` must be present, and each row needs one of them). A city name is resolved to its commune;
an unknown or ambiguous city does not fail the file: the row is left out and listed in the city
report. Amounts are converted to euros with the exchange-rate table of the round's year.
"""
from __future__ import annotations

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


def read_rounds(path, where, rates: RateTable | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Read funding rounds; return (rounds, city_report).

    ``where`` is the campaign (or its Geography). ``city_report`` lists the rows left out because
    their city is unknown or ambiguous: ``{"line", "city", "department", "problem", "candidates"}``.
    """
    geo = geography_of(where)
    rates = rates if rates is not None else RateTable()
    rows = CsvRows(path, REQUIRED, OPTIONAL, one_of=("commune_code", "city"))
    out: dict[str, list] = {c: [] for c in ROUNDS}
    report: list[dict] = []
    for line, r in rows:
        company = require_text(rows, r["company"], line, "company")
        siren = r.get("siren", "")
        if siren and not SIREN_RE.match(siren):
            raise rows.error(f"bad SIREN {siren!r}", line=line, column="siren", expected="9 digits or empty")
        date = parse_date(rows, r["date"], line, "date")
        amount = parse_number(rows, r["amount"], line, "amount")
        currency = r["currency"]
        if not CURRENCY_RE.match(currency):
            raise rows.error(f"bad currency {currency!r}", line=line, column="currency",
                             expected="an ISO 4217 code of 3 capital letters, e.g. EUR")
        rate = rates.rate(currency, date.year)
        if rate is None:
            known = currency in rates.currencies()
            source = rates.path or "exchange_rates.csv"
            raise rows.error(f"no exchange rate for {currency} in {date.year}" if known else
                             f"unknown currency {currency!r}: no rate in {source}", line=line, column="currency",
                             expected=f"EUR or a currency with a {date.year} rate in {source}")
        code = r.get("commune_code", "")
        city = r.get("city", "")
        department = r.get("department", "")
        if department and not DEPARTMENT_RE.match(department):
            raise rows.error(f"bad department {department!r}", line=line, column="department",
                             expected="a department code such as 69, 2A or 974, or empty")
        if code:
            commune = parse_commune(rows, code, line, "commune_code", geo)
        elif city:
            candidates = geo.resolve_city(city, department or None)
            if len(candidates) != 1:
                report.append({"line": line, "city": city, "department": department or None,
                               "problem": "ambiguous" if candidates else "unknown", "candidates": candidates})
                continue
            commune = candidates[0]
        else:
            raise rows.error("no commune code and no city", line=line, column="commune_code",
                             expected="a commune code or a city name")
        investors = ";".join(i.strip() for i in r.get("investors", "").split(";") if i.strip())
        for col, value in (("line", line), ("company", company), ("siren", siren or None), ("commune", commune),
                           ("date", date), ("amount", float(amount)), ("currency", currency),
                           ("amount_eur", float(amount) * rate), ("round_type", r.get("round_type") or None),
                           ("investors", investors or None)):
            out[col].append(value)
    return frame(out, ROUNDS), report
