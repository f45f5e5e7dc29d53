"""Funding rounds from any CSV or XLSX export, through a column-mapping profile (TOML).

A profile says which column of the export holds each field of a round, and how its values are
written, so that a Dealroom or in-house export is read without code::

    [profile]
    name = "Dealroom export"      # shown in the audit's report
    sheet = "Deals"               # XLSX: the sheet (default: the first)
    header_row = 1                # the row of the column names; rows above it are skipped
    delimiter = ";"               # CSV: the field separator (default ",")
    encoding = "utf-8"            # CSV: "utf-8" or "cp1252" (a spreadsheet's Windows export)
    date_format = "%d/%m/%Y"      # dates written as text (default ISO, %Y-%m-%d)
    decimal = ","                 # amounts written as text: decimal separator (default ".")
    thousands = " "               # and thousands separator to drop (default none)
    amount_scale = 1000000        # amounts in millions
    currency = "EUR"              # every amount in this currency, when the export has no currency column
    countries = ["France"]        # with a country column: the values kept

    [columns]                     # field = "column name in the export"
    company = "Company name"
    date = "Date"
    amount = "Amount"
    city = "HQ city"              # and/or commune_code; optional: department, siren, currency,
                                  # round_type, investors (names separated by ";"), country

Rows then go through the same checks, city matcher and exchange rates as ``funding_rounds.csv``.
Spreadsheet cells typed as dates and numbers are taken as such; a commune code, department or SIREN
that a spreadsheet turned into a number gets its leading zeros back.
"""
from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frenchtech.errors import ConfigError, InputError
from frenchtech.sources.csvutil import CsvRows, geography_of
from frenchtech.sources.rounds import RoundTable

FIELDS = ("company", "date", "amount", "currency", "city", "commune_code", "department", "siren", "round_type",
          "investors", "country")
ZEROS = {"commune_code": 5, "department": 2, "siren": 9}   # codes a spreadsheet may have stored as numbers


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Columns(_Table):
    company: str
    date: str
    amount: str
    currency: str | None = None
    city: str | None = None
    commune_code: str | None = None
    department: str | None = None
    siren: str | None = None
    round_type: str | None = None
    investors: str | None = None
    country: str | None = None


class ProfileInfo(_Table):
    name: str = ""
    format: Literal["csv", "xlsx"] | None = None     # default: the file's extension
    sheet: str | None = None
    header_row: int = Field(1, ge=1)
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: Literal["utf-8", "cp1252"] = "utf-8"
    date_format: str = "%Y-%m-%d"
    decimal: Literal[".", ","] = "."
    thousands: Literal["", " ", ",", ".", "'"] = ""
    amount_scale: float = Field(1.0, gt=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    countries: list[str] | None = None


class Profile(_Table):
    profile: ProfileInfo = Field(default_factory=ProfileInfo)
    columns: Columns

    @model_validator(mode="after")
    def _complete(self):
        c, p = self.columns, self.profile
        if c.city is None and c.commune_code is None:
            raise ValueError("[columns] needs city or commune_code: the column that locates a round")
        if (c.currency is None) == (p.currency is None):
            raise ValueError("give either [columns] currency (a currency column) or [profile] currency "
                             "(one currency for every amount)")
        if (c.country is None) != (p.countries is None):
            raise ValueError("[columns] country and [profile] countries go together")
        if p.decimal == p.thousands:
            raise ValueError("[profile] decimal and thousands must differ")
        return self

    def mapped(self) -> dict[str, str]:
        """{field: column of the export} for the fields the export has."""
        return {f: col for f, col in self.columns.model_dump().items() if col is not None}


def read_profile(path) -> Profile:
    """Read and check a profile; every problem named with its line (``x.toml:4: ...``)."""
    from frenchtech.campaign.config import Problems, _describe, read_toml  # the campaign file's wording and lines

    path = Path(path)
    text, raw = read_toml(path, "file not found (the column-mapping profile of the rounds export)")
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        problems = Problems(str(path), text)
        for error in exc.errors(include_url=False):
            if error["type"] == "value_error":
                problems.add(("columns",), str(error["msg"]).removeprefix("Value error, "))
            else:
                _describe(error, raw, problems)
        raise ConfigError(str(path), problems.items) from None


# -- the export's rows, CSV or XLSX, as (line, {column: value}) with the CsvRows error discipline --
class MappedCsvRows(CsvRows):
    """A CSV export: the mapped columns must be in the header; the others are passed over."""

    def __init__(self, path, profile: Profile):
        super().__init__(path, tuple(dict.fromkeys(profile.mapped().values())))
        self.delimiter, self.encoding = profile.profile.delimiter, profile.profile.encoding
        self.skip_lines = profile.profile.header_row - 1

    def _lines(self, handle):
        for i, text in enumerate(super()._lines(handle)):
            yield "\n" if i < self.skip_lines else text   # rows above the header read as blank lines

    def _check_header(self, fields, line):
        self.optional = tuple(f.strip() for f in fields if f.strip() not in self.required)
        return super()._check_header(fields, line)


class XlsxRows:
    """One sheet of an XLSX workbook: its header row names the columns; a row's line is its row number."""

    def __init__(self, path, profile: Profile):
        self.path, self.profile = Path(path), profile
        self.sheet = profile.profile.sheet
        self.required = tuple(dict.fromkeys(profile.mapped().values()))

    def error(self, message, line=None, column=None, expected=None) -> InputError:
        where = f"{self.path}, sheet '{self.sheet}'" if self.sheet else str(self.path)
        return InputError(where, message, line=line, column=column, expected=expected)

    def __iter__(self):
        import openpyxl   # only for XLSX exports
        from openpyxl.utils.exceptions import InvalidFileException

        if not self.path.is_file():
            raise self.error("file not found")
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise InputError(self.path, f"not a readable XLSX workbook ({exc})",
                             expected="an .xlsx file saved by a spreadsheet or exported by the database") from None
        try:
            if self.sheet is None:
                self.sheet = book.sheetnames[0]
            if self.sheet not in book.sheetnames:
                raise InputError(self.path, f"no sheet {self.sheet!r}",
                                 expected="one of " + ", ".join(repr(s) for s in book.sheetnames))
            first = self.profile.profile.header_row
            header = None
            for number, cells in enumerate(book[self.sheet].iter_rows(values_only=True), start=1):
                if number < first:
                    continue
                if header is None:
                    header = self._check_header(cells, number)
                    continue
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                values = {name: (cells[i] if i < len(cells) else None) for i, name in header.items()}
                yield number, {k: v.strip() if isinstance(v, str) else ("" if v is None else v)
                               for k, v in values.items()}
            if header is None:
                raise self.error("no header row", line=first, expected="the column names on row "
                                 f"{first}: " + ", ".join(self.required))
        finally:
            book.close()

    def _check_header(self, cells, number) -> dict[int, str]:
        names = ["" if c is None else str(c).strip() for c in cells]
        for name in self.required:
            if name not in names:
                raise self.error(f"missing column {name!r}", line=number, column=name,
                                 expected="the columns the profile maps: " + ", ".join(self.required))
            if names.count(name) > 1:
                raise self.error(f"column {name!r} appears twice", line=number, column=name,
                                 expected="each mapped column once")
        return {i: n for i, n in enumerate(names) if n in self.required}


# -- values --------------------------------------------------------------------------------------
def _text(value, field: str) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and field in ZEROS and float(value).is_integer():
        return str(int(value)).zfill(ZEROS[field])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(rows, value, line, column, fmt) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.strptime(str(value).strip(), fmt).date()
    except ValueError:
        raise rows.error(f"bad date {value!r}", line=line, column=column,
                         expected=f"a date written {fmt} (the profile's date_format), or a date cell") from None


def _amount(rows, value, line, column, info: ProfileInfo) -> float | None:
    if value == "" or value is None:
        return None   # an undisclosed amount
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", " ").replace("\u202f", " ")
        if info.thousands:
            text = text.replace(info.thousands, "")
        if info.decimal == ",":
            text = text.replace(",", ".") if "." not in text else "x"
        try:
            number = float(text)
        except ValueError:
            number = math.nan
    if not math.isfinite(number) or number < 0:
        raise rows.error(f"bad amount {value!r}", line=line, column=column,
                         expected=f"a number >= 0 written with {info.decimal!r} as decimal separator"
                                  + (f" and {info.thousands!r} between thousands" if info.thousands else ""))
    return number * info.amount_scale


def read_mapped_rounds(path, profile: Profile, where, rates=None) -> tuple[pd.DataFrame, list[dict]]:
    """Read an export through its profile; return (rounds, city_report) as ``read_rounds``."""
    path = Path(path)
    info = profile.profile
    kind = info.format or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    rows = XlsxRows(path, profile) if kind == "xlsx" else MappedCsvRows(path, profile)
    cols = profile.mapped()
    table = RoundTable(rows, geography_of(where), rates,
                       columns={f: cols.get(f, cols.get("city", f)) for f in FIELDS})
    kept = set(info.countries or ())
    for line, r in rows:
        get = {f: _text(r[c], f) for f, c in cols.items() if f not in ("date", "amount")}
        date = _date(rows, r[cols["date"]], line, cols["date"], info.date_format)
        amount = _amount(rows, r[cols["amount"]], line, cols["amount"], info)
        if kept and get["country"] not in kept:
            table.skip(line, get.get("city", get.get("commune_code", "")), "abroad")
            continue
        table.add(line, company=get["company"], date=date, amount=amount,
                  currency=get.get("currency", info.currency or ""), siren=get.get("siren", ""),
                  code=get.get("commune_code", ""), city=get.get("city", ""), department=get.get("department", ""),
                  round_type=get.get("round_type", ""), investors=get.get("investors", ""))
    return table.result()
