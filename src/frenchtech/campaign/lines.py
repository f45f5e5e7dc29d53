"""Where each key of a TOML document is written: the line of every table header and every key, by the
path of the value in the parsed document (array-of-tables entries by their index), so that an error
can name the line of the key at fault."""
from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key_parts(text: str, i: int) -> tuple[list[str], int] | None:
    """A (dotted) key starting at ``text[i]``: its parts and the index after it, or None."""
    parts = []
    n = len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            quote = text[i]
            j = i + 1
            buf = []
            while j < n and text[j] != quote:
                if quote == '"' and text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n:
                return None
            parts.append("".join(buf))
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return None
            parts.append(m.group(0))
            i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        return parts, i


def _depth_change(value: str, state: dict) -> None:
    """Follow brackets and strings through a value's text (``state`` carries an open multi-line
    string and the bracket depth from one line to the next)."""
    i, n = 0, len(value)
    while i < n:
        if state["string"]:
            end = value.find(state["string"], i)
            if end < 0:
                return
            i = end + len(state["string"])
            state["string"] = None
            continue
        ch = value[i]
        if ch == "#":
            return
        if value.startswith('"""', i) or value.startswith("'''", i):
            state["string"] = value[i:i + 3]
            i += 3
            continue
        if ch in "\"'":
            j = i + 1
            while j < n and value[j] != ch:
                j += 2 if ch == '"' and value[j] == "\\" else 1
            i = j + 1
            continue
        if ch in "[{":
            state["depth"] += 1
        elif ch in "]}":
            state["depth"] -= 1
        i += 1


class SourceLines:
    """The line (1-based) of each table header and key of a TOML text, by document path."""

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        self.headers: set[tuple] = set()      # paths written as [table] or [[array]] headers
        counters: dict[tuple, int] = {}        # array-of-tables path -> index of its current entry
        arrays: set[tuple] = set()             # unresolved array-of-tables names, e.g. ("uncertainty", "inputs")
        table: tuple = ()
        state = {"depth": 0, "string": None}
        for number, line in enumerate(text.splitlines(), start=1):
            if state["depth"] > 0 or state["string"]:
                _depth_change(line, state)
                continue
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                array = stripped.startswith("[[")
                parsed = _key_parts(stripped, 2 if array else 1)
                if parsed is None:
                    continue
                names = tuple(parsed[0])
                path = self._resolve(names[:-1], counters, arrays) + (names[-1],)
                if array:
                    arrays.add(names)
                    counters[path] = counters.get(path, -1) + 1
                    path = path + (counters[path],)
                table = path
                self.headers.add(path)
                self._record(path, number)
                continue
            parsed = _key_parts(stripped, 0)
            if parsed is None:
                continue
            parts, end = parsed
            if end >= len(stripped) or stripped[end] != "=":
                continue
            self._record(table + tuple(parts), number)
            _depth_change(stripped[end + 1:], state)

    @staticmethod
    def _resolve(names: tuple, counters: dict, arrays: set) -> tuple:
        """A header's parent path with the current index of each array of tables in it."""
        path: tuple = ()
        for k in range(len(names)):
            path = path + (names[k],)
            if names[:k + 1] in arrays:
                path = path + (counters.get(path, 0),)
        return path

    def _record(self, path: tuple, number: int) -> None:
        self.lines[path] = number
        for k in range(1, len(path)):
            self.lines.setdefault(path[:k], number)

    def line(self, path) -> int | None:
        """The line of ``path``, or of its nearest written ancestor; None when nothing of it is written."""
        path = tuple(path)
        for k in range(len(path), 0, -1):
            if path[:k] in self.lines:
                return self.lines[path[:k]]
        return None
