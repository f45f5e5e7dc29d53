"""The ECB's euro foreign exchange reference rates, as published (``eurofxref-hist.csv``, or the zip
``eurofxref-hist.zip`` holding it).

Layout: a header ``Date,USD,JPY,...`` (every line ends with a comma, so the last column has no name),
one row per TARGET business day, newest first, ``N/A`` where a currency has no rate that day. A rate is
in units of the currency for one euro (USD 1.3285 means 1 EUR = 1.3285 USD); a round's amount in that
currency is divided by it.

Two rules convert a round (``[evidence.rates] rule`` in the campaign):
- ``day``: the rate of the round's date, or of the last earlier day with a rate (weekends and
  holidays have none), at most ``LOOKBACK_DAYS`` before;
- ``year_average``: the mean of the year's daily rates (the days the ECB published one).
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import zipfile
from pathlib import Path

from frenchtech.errors import InputError
from frenchtech.sources.csvutil import DATE_RE, CsvRows
from frenchtech.sources.rates import CURRENCY_RE, RULES

FILES = ("eurofxref-hist.csv", "eurofxref-hist.zip")
MISSING = "N/A"
LOOKBACK_DAYS = 7   # the longest run of days without a fixing (Christmas to the new year) is shorter


class EcbRows(CsvRows):
    """The ECB's CSV: ``Date`` then currency codes, an unnamed empty last column; read inside its zip."""

    def __init__(self, path):
        super().__init__(path, ("Date",))
        self.member: str | None = None
        if self.path.suffix.lower() == ".zip":
            self.member = _zip_member(self.path)

    def _open(self):
        if self.member is None:
            return super()._open()
        return zipfile.ZipFile(self.path).open(self.member)

    def error(self, message, line=None, column=None, expected=None) -> InputError:
        where = f"{self.path}!{self.member}" if self.member else self.path
        return InputError(where, message, line=line, column=column, expected=expected)

    def _check_header(self, fields, line):
        header = [f.strip() for f in fields]
        form = "Date followed by ISO 4217 currency codes (the ECB's eurofxref-hist.csv header)"
        if not header or header[0] != "Date":
            raise self.error(f"first column {header[0] if header else ''!r}", line=line,
                             column=header[0] if header else "Date", expected=form)
        if header[-1] == "":
            header[-1] = "(end)"   # after the trailing comma of every ECB line
        for name in header[1:]:
            if name != "(end)" and not CURRENCY_RE.match(name):
                raise self.error(f"unknown column {name!r}", line=line, column=name or "(empty)", expected=form)
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise self.error(f"column {dup[0]!r} appears twice", line=line, column=dup[0], expected=form)
        self.header = header
        return header


def _zip_member(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv")]
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(path, f"the archive is damaged ({exc})",
                         expected="a complete zip file; download it again") from None
    if bad is not None:
        raise InputError(path, f"the archive is damaged ({bad} fails its checksum)",
                         expected="a complete zip file; download it again")
    if not names:
        raise InputError(path, "the archive holds no CSV file", expected="eurofxref-hist.csv inside the zip")
    return names[0]


class EcbRates:
    """Daily ECB rates; ``rate(currency, date)`` gives euros for one unit under the rule."""

    def __init__(self, path: Path, daily: dict[str, tuple[list[int], list[float]]], rule: str):
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}")
        self.path, self.daily, self.rule = path, daily, rule
        self._years: dict[tuple[str, int], float] = {}
        for currency, (days, values) in daily.items():
            by_year: dict[int, list[float]] = {}
            for day, value in zip(days, values):
                by_year.setdefault(dt.date.fromordinal(day).year, []).append(value)
            for year, vals in by_year.items():
                self._years[(currency, year)] = 1.0 / (math.fsum(vals) / len(vals))

    def currencies(self) -> set[str]:
        return {"EUR"} | set(self.daily)

    def rate(self, currency: str, date: dt.date) -> float | None:
        if currency == "EUR":
            return 1.0
        if self.rule == "year_average":
            return self._years.get((currency, date.year))
        days, values = self.daily.get(currency, ((), ()))
        i = bisect.bisect_right(days, date.toordinal()) - 1
        if i < 0 or date.toordinal() - days[i] > LOOKBACK_DAYS:
            return None
        return 1.0 / values[i]

    def explain(self, currency: str, date: dt.date) -> tuple[str, str]:
        name = self.path.name
        if currency not in self.currencies():
            return f"unknown currency {currency!r}: no rate in {name}", f"EUR or a currency of {name}"
        if self.rule == "year_average":
            return (f"no ECB rate for {currency} in {date.year}",
                    f"a date in a year where {name} has {currency} rates")
        return (f"no ECB rate for {currency} on {date} or the {LOOKBACK_DAYS} days before",
                f"a date covered by the {currency} rates of {name}")


def read_ecb_rates(path, rule: str = "year_average") -> EcbRates:
    """Read the ECB's historical reference rates (CSV or zip); raise InputError on a malformed file."""
    rows = EcbRows(path)
    seen: dict[int, int] = {}
    daily: dict[str, tuple[list[int], list[float]]] = {}
    for line, r in rows:
        text = r["Date"]
        day = None
        if DATE_RE.match(text):
            try:
                day = dt.date.fromisoformat(text).toordinal()
            except ValueError:
                pass
        if day is None:
            raise rows.error(f"bad date {text!r}", line=line, column="Date", expected="an ISO date YYYY-MM-DD")
        if day in seen:
            raise rows.error(f"second row for {text} (first on line {seen[day]})", line=line, column="Date",
                             expected="one row per day")
        seen[day] = line
        for currency, value in r.items():
            if currency == "Date" or currency == "(end)":
                if currency == "(end)" and value:
                    raise rows.error(f"a value {value!r} after the last currency", line=line, column="(last)",
                                     expected="nothing after the trailing comma")
                continue
            if value in (MISSING, ""):
                continue
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number) or number <= 0:
                raise rows.error(f"bad rate {value!r}", line=line, column=currency,
                                 expected=f"units of {currency} for one euro, a number > 0 with '.' as decimal "
                                          f"separator, or {MISSING}")
            days, values = daily.setdefault(currency, ([], []))
            days.append(day)
            values.append(number)
    if not seen:
        raise rows.error("no rate rows (the file holds only its header)", line=2,
                         expected="one row per business day, as the ECB publishes it")
    for currency, (days, values) in daily.items():   # the ECB writes the newest day first
        order = sorted(range(len(days)), key=days.__getitem__)
        daily[currency] = ([days[i] for i in order], [values[i] for i in order])
    return EcbRates(Path(path), daily, rule)
