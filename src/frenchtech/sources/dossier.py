"""Declared figures of the dossiers: one file per territory, ``dossiers/<territory>.toml`` (or .json).

TOML::

    [dossier]
    territory = "lyon"
    submitted = 2014-06-30

    [declared]
    funding_eur = 52000000
    support_structures = 12

JSON carries the same two objects: ``{"dossier": {...}, "declared": {...}}`` (``submitted`` as
"YYYY-MM-DD"). Declared figures are numbers >= 0; unknown keys are errors.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

from frenchtech.errors import InputError

DECLARED = ("tech_establishments_created", "tech_establishments_active", "new_companies", "funding_eur",
            "funding_rounds", "support_structures", "support_capacity", "initiatives", "initiative_participants")
DOSSIER_KEYS = ("territory", "submitted")


def _line_of(text: str, key: str) -> int | None:
    """Line where ``key`` is assigned (TOML ``key =`` or JSON ``"key":``), for error messages."""
    pattern = re.compile(rf'^\s*(?:"{re.escape(key)}"\s*:|{re.escape(key)}\s*=)|[{{,]\s*"{re.escape(key)}"\s*:')
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            return number
    return None


def read_dossier(path) -> tuple[str, dt.date | None, dict[str, float]]:
    """One dossier file: (territory id, submission date or None, declared figures)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, "not UTF-8 text", line=data[:exc.start].count(b"\n") + 1,
                         expected="a UTF-8 encoded file") from None
    if path.suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno, expected="a JSON object") from None
    else:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"at line (\d+)", str(exc))
            raise InputError(path, f"invalid TOML: {exc}", line=int(m.group(1)) if m else None,
                             expected="a TOML document with [dossier] and [declared]") from None
    if not isinstance(doc, dict):
        raise InputError(path, "not a table of [dossier] and [declared]", line=1, expected="a TOML table or JSON object")
    for key in doc:
        if key not in ("dossier", "declared"):
            raise InputError(path, f"unknown section {key!r}", line=_line_of(text, key) or 1, column=key,
                             expected="sections [dossier] and [declared]")
    head = doc.get("dossier")
    if not isinstance(head, dict):
        raise InputError(path, "missing [dossier] section", line=1, column="dossier",
                         expected='[dossier] with territory = "<territory id>"')
    for key in head:
        if key not in DOSSIER_KEYS:
            raise InputError(path, f"unknown key {key!r} in [dossier]", line=_line_of(text, key), column=key,
                             expected="one of " + ", ".join(DOSSIER_KEYS))
    territory = head.get("territory")
    if not isinstance(territory, str) or not territory:
        raise InputError(path, "missing territory", line=_line_of(text, "territory"), column="territory",
                         expected='territory = "<territory id of the campaign>"')
    submitted = head.get("submitted")
    if isinstance(submitted, str):
        try:
            submitted = dt.date.fromisoformat(submitted) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", submitted) else None
        except ValueError:
            submitted = None
        if submitted is None:
            raise InputError(path, f"bad date {head['submitted']!r}", line=_line_of(text, "submitted"),
                             column="submitted", expected="an ISO date YYYY-MM-DD")
    elif isinstance(submitted, dt.datetime) or not (submitted is None or isinstance(submitted, dt.date)):
        raise InputError(path, f"bad date {submitted!r}", line=_line_of(text, "submitted"), column="submitted",
                         expected="an ISO date YYYY-MM-DD")
    declared_raw = doc.get("declared", {})
    if not isinstance(declared_raw, dict):
        raise InputError(path, "[declared] is not a table", line=_line_of(text, "declared"), column="declared",
                         expected="[declared] with figure = number")
    declared: dict[str, float] = {}
    for key, value in declared_raw.items():
        if key not in DECLARED:
            raise InputError(path, f"unknown declared figure {key!r}", line=_line_of(text, key), column=key,
                             expected="one of " + ", ".join(DECLARED))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
                or value == float("inf"):
            raise InputError(path, f"bad value {value!r} for {key}", line=_line_of(text, key), column=key,
                             expected="a number >= 0")
        declared[key] = value
    return territory, submitted, declared


def dossier_files(folder) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".toml", ".json") and p.is_file())


def read_dossiers(folder, campaign, info: dict | None = None) -> dict[str, dict[str, float]]:
    """Declared figures of every dossier in ``folder``: {territory id: {figure: value}}.

    A dossier naming a territory outside the campaign, or a second dossier for the same territory,
    is an error. ``info``, if given, receives {territory: {"submitted", "path"}}.
    """
    known = {t.id for t in campaign.territories}
    out: dict[str, dict[str, float]] = {}
    where: dict[str, Path] = {}
    for path in dossier_files(folder):
        territory, submitted, declared = read_dossier(path)
        text = path.read_text(encoding="utf-8")
        if territory not in known:
            raise InputError(path, f"territory {territory!r} is not a candidate of campaign {campaign.id!r}",
                             line=_line_of(text, "territory"), column="territory",
                             expected="one of " + ", ".join(sorted(known)))
        if territory in out:
            raise InputError(path, f"second dossier for {territory!r} (first: {where[territory].name})",
                             line=_line_of(text, "territory"), column="territory",
                             expected="one dossier per territory")
        out[territory], where[territory] = declared, path
        if info is not None:
            info[territory] = {"submitted": submitted, "path": path}
    return out
