"""``DATABASE_URL`` -> Django DATABASES entry (sqlite:///path or postgresql://user:pw@host:port/name)."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from frenchtech.errors import FrenchTechError

DEFAULT_SQLITE = "frenchtech.sqlite3"


def database_from_url(url: str | None) -> dict:
    if not url:
        url = f"sqlite:///{Path(os.environ.get('FRENCHTECH_HOME', '.')).resolve() / DEFAULT_SQLITE}"
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/or/absolute; sqlite:///:memory: for throwaway runs
        name = unquote(url.split("sqlite:///", 1)[1]) if "sqlite:///" in url else ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or ":memory:",
                "OPTIONS": {"timeout": 30}}
    if parsed.scheme in ("postgres", "postgresql"):
        if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is None:
            raise FrenchTechError("DATABASE_URL names a PostgreSQL database, and its driver is not installed: "
                                  "pip install 'frenchtech[postgres]'")
        return {"ENGINE": "django.db.backends.postgresql", "NAME": parsed.path.lstrip("/"),
                "USER": unquote(parsed.username or ""), "PASSWORD": unquote(parsed.password or ""),
                "HOST": parsed.hostname or "", "PORT": str(parsed.port or ""), "CONN_MAX_AGE": 60}
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}; use sqlite:/// or postgresql://")
