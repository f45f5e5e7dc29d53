"""Errors raised on bad input. Each one says where the problem is and what was expected."""
from __future__ import annotations


class FrenchTechError(Exception):
    """Base class: a problem the user can fix."""


class GeographyError(FrenchTechError):
    """An unknown commune/EPCI code or vintage."""


class ConfigError(FrenchTechError):
    """An invalid campaign or method configuration. ``errors`` lists every problem found."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = list(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"{source}: {len(self.errors)} error(s)\n{lines}")


class InputError(FrenchTechError):
    """A bad evidence file: names the file, line, column and the expected form."""

    def __init__(self, path, message: str, line: int | None = None, column: str | None = None,
                 expected: str | None = None):
        self.path, self.line, self.column, self.expected = str(path), line, column, expected
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)
