"""Streaming, validating CSV reading shared by the small evidence files.

A file is read line by line as bytes and decoded strictly as UTF-8, so an undecodable byte is
reported with its physical line. Lines starting with ``#`` before the header are comments (generated
files carry one). Every data row is checked for its number of fields; a short last row without a
final newline, or an unterminated quote, is reported as a truncated file.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path

from frenchtech.errors import InputError
from frenchtech.geo import Geography, load_geography

# An INSEE commune code: 5 digits, or 2A/2B (Corsica) and 3 digits; also used in DuckDB and Ibis queries.
COMMUNE_PATTERN = r"^(?:[0-9]{5}|2[AB][0-9]{3})$"
COMMUNE_RE = re.compile(COMMUNE_PATTERN)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COMMUNE_FORM = "a 5-character INSEE commune code (5 digits, or 2A/2B and 3 digits) of the campaign geography"


class CsvRows:
    """Iterate the rows of a CSV evidence file as ``(line, {column: text})``.

    ``required`` columns must be in the header; ``optional`` ones may be; any other column is an
    error. Values are stripped of surrounding spaces.
    """

    delimiter = ","           # readers of other publishers' layouts may set another separator
    encoding = "utf-8"

    def __init__(self, path, required: tuple[str, ...], optional: tuple[str, ...] = (),
                 one_of: tuple[str, ...] = ()):
        self.path = Path(path)
        self.required, self.optional, self.one_of = required, optional, one_of
        self.header: list[str] = []

    def error(self, message: str, line: int | None = None, column: str | None = None,
              expected: str | None = None) -> InputError:
        return InputError(self.path, message, line=line, column=column, expected=expected)

    def _lines(self, handle) -> Iterator[str]:
        """Decoded physical lines; records the number of the line being read."""
        self._line = 0
        for raw in handle:
            self._line += 1
            if self._line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                raise self.error(f"not {self.encoding.upper()} text: undecodable byte 0x{raw[exc.start]:02x} at "
                                 f"position {exc.start + 1}", line=self._line,
                                 expected=f"a {self.encoding.upper()} encoded file") from None
            self._ended_with_newline = text.endswith("\n")
            yield text

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if not self.path.exists():
            raise self.error("file not found")
        with self._open() as handle:
            lines = self._lines(handle)
            reader = csv.reader(lines, strict=True, delimiter=self.delimiter)
            header = None
            start = 1
            try:
                for fields in reader:
                    line = start
                    start = self._line + 1
                    if header is None:
                        if not fields or (fields[0].lstrip().startswith("#")):
                            continue  # comment or blank line before the header
                        header = self._check_header(fields, line)
                        continue
                    if not fields or fields == [""]:
                        continue  # blank line
                    if len(fields) != len(header):
                        truncated = line == self._line and not self._ended_with_newline and len(fields) < len(header)
                        if truncated and self._at_end(handle):
                            raise self.error(f"truncated file: the last row has {len(fields)} of "
                                             f"{len(header)} fields", line=line, column=header[len(fields) - 1]
                                             if fields else header[0],
                                             expected=f"{len(header)} comma-separated fields")
                        raise self.error(f"{len(fields)} fields instead of {len(header)}", line=line,
                                         column=header[min(len(fields), len(header)) - 1],
                                         expected=f"{len(header)} comma-separated fields: {','.join(header)}")
                    yield line, {h: v.strip() for h, v in zip(header, fields)}
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise self.error("truncated file: a quoted field is never closed", line=start,
                                     expected='a closing double quote (")') from None
                raise self.error(f"malformed CSV: {exc}", line=self._line,
                                 expected='fields separated by commas, quotes doubled inside quoted fields') from None
            if header is None:
                raise self.error("empty file: no header line", line=1, expected=",".join(self.required))

    def _open(self):
        """The file's bytes (a reader of zipped files opens the CSV inside)."""
        return self.path.open("rb")

    @staticmethod
    def _at_end(handle) -> bool:
        return handle.peek(1) == b"" if hasattr(handle, "peek") else True

    def _check_header(self, fields: list[str], line: int) -> list[str]:
        header = [f.strip() for f in fields]
        known = set(self.required) | set(self.optional)
        form = ",".join(self.required) + (f" (optional: {','.join(self.optional)})" if self.optional else "")
        for name in header:
            if name not in known:
                raise self.error(f"unknown column {name!r}", line=line, column=name, expected=form)
        for name in self.required:
            if name not in header:
                raise self.error(f"missing column {name!r}", line=line, column=name, expected=form)
        if self.one_of and not any(name in header for name in self.one_of):
            raise self.error(f"missing column {self.one_of[0]!r}", line=line, column=self.one_of[0],
                             expected=" and/or ".join(self.one_of) + " column")
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise self.error(f"column {dup[0]!r} appears twice", line=line, column=dup[0], expected=form)
        self.header = header
        return header


# -- field parsers: each returns the value or raises the InputError of its (line, column) --------

def parse_date(rows: CsvRows, value: str, line: int, column: str, optional: bool = False) -> dt.date | None:
    if value == "" and optional:
        return None
    if DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise rows.error(f"bad date {value!r}", line=line, column=column,
                     expected="an ISO date YYYY-MM-DD" + (" or empty" if optional else ""))


def parse_number(rows: CsvRows, value: str, line: int, column: str, integer: bool = False,
                 positive: bool = False) -> float | int:
    form = ("an integer" if integer else "a number with '.' as decimal separator") + \
        (" > 0" if positive else " >= 0")
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        raise rows.error(f"not a number: {value!r}", line=line, column=column, expected=form) from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise rows.error(f"{'negative ' if number < 0 else ''}value {value!r}", line=line, column=column,
                         expected=form)
    return number


def parse_commune(rows: CsvRows, value: str, line: int, column: str, geography) -> str:
    if not COMMUNE_RE.match(value):
        raise rows.error(f"bad commune code {value!r}", line=line, column=column, expected=COMMUNE_FORM)
    if value not in geography.communes.index:
        raise rows.error(f"unknown commune code {value!r} in the {geography.vintage} geography", line=line,
                         column=column, expected=COMMUNE_FORM)
    return value


def parse_choice(rows: CsvRows, value: str, line: int, column: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise rows.error(f"unknown {column} {value!r}", line=line, column=column,
                         expected="one of " + ", ".join(choices))
    return value


def require_text(rows: CsvRows, value: str, line: int, column: str) -> str:
    if not value:
        raise rows.error("empty value", line=line, column=column, expected="a non-empty text")
    return value


def geography_of(where):
    """Accept a Campaign, a Geography or a vintage year."""
    if isinstance(where, Geography):
        return where
    if isinstance(where, int):
        return load_geography(where)
    return load_geography(where.vintage)
