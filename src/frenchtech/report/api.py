"""The read-only showcase API as plain functions: (status, JSON body) from the published tables.

The web platform's ``showcase_api`` app maps URLs onto these; the static export writes the same
OpenAPI description (``api_spec``). The published audit is the folder named by the Django setting
``SHOWCASE_AUDIT`` or the ``FRENCHTECH_SHOWCASE_AUDIT`` environment variable, else the demo audit under the
platform's home folder (``FRENCHTECH_HOME``/demo/audit, where ``frenchtech serve --demo`` writes it). Every
function takes an explicit ``folder`` too, and ``decisions`` says whether the decisions in it are the audit's
proposals or the published ones (the web layer knows; this module never reads the programme database).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from frenchtech import ATTRIBUTION, ATTRIBUTION_FR, __version__
from frenchtech.report.audit_data import load_audit
from frenchtech.report.opendata import (
    LICENCE,
    TABLE_TEXT,
    dictionary,
    published_tables,
    records,
)

MAX_LIMIT = 1000


def _setting(name: str):
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # no Django: the environment alone decides
        return None
    try:
        return getattr(settings, name, None)
    except ImproperlyConfigured:  # no Django settings: the environment alone decides
        return None


def explicit_audit_folder() -> Path | None:
    """The audit folder named by the setting or the environment variable, if any."""
    folder = _setting("SHOWCASE_AUDIT") or os.environ.get("FRENCHTECH_SHOWCASE_AUDIT")
    return Path(folder).resolve() if folder else None


def home_folder() -> Path:
    return Path(_setting("HOME") or os.environ.get("FRENCHTECH_HOME") or ".").resolve()


def audit_folder() -> Path:
    """The explicit audit folder, else the demo audit under the home folder (not the current directory:
    the server may run from anywhere)."""
    return explicit_audit_folder() or home_folder() / "demo" / "audit"


@lru_cache(maxsize=4)
def _published(folder: str, mtime: float):
    from frenchtech.report.maps import territory_geometries

    audit = load_audit(folder)
    return audit, published_tables(audit, territory_geometries(audit.territories))


def published(folder=None):
    folder = Path(folder) if folder is not None else audit_folder()
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return None
    return _published(str(folder), manifest.stat().st_mtime)


def _meta(audit, decisions: str | None = None) -> dict:
    meta = {"campaign": audit.campaign_id, "generated": audit.generated, "attribution": ATTRIBUTION,
            "attribution_fr": ATTRIBUTION_FR, "licence": LICENCE}
    if decisions is not None:  # "published" (the registry's decisions) or "proposed" (the audit's proposals)
        meta["decisions"] = decisions
    return meta


def _missing():
    return 404, {"error": "no published audit", "detail": "the platform has no published audit folder"}


def index(folder=None, decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit, decisions), "name": audit.name("fr"), "name_en": audit.name("en"), "version": __version__,
                 "tables": [{"name": n, "rows": len(f), "description": TABLE_TEXT.get(n, (n, n))[1],
                             "url": f"tables/{n}"} for n, f in tables.items()]}


def table(name: str, territory: str | None = None, limit: int = 100, offset: int = 0, folder=None,
          decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    if name not in tables:
        return 404, {"error": "no such table", "detail": f"tables: {', '.join(tables)}"}
    frame = tables[name]
    if territory is not None and "territory" in frame.columns:
        frame = frame[frame["territory"] == territory]
    total = len(frame)
    page = frame.iloc[offset:offset + limit]
    return 200, {**_meta(audit, decisions), "table": name, "total": total, "offset": offset, "limit": limit,
                 "rows": records(page)}


def data_dictionary(folder=None, decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit, decisions), "columns": dictionary(tables)}


def territory(tid: str, folder=None, decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    terr = tables["territories"]
    if tid not in set(terr["territory"]):
        return 404, {"error": "no such territory", "detail": f"territories: {', '.join(terr['territory'])}"}
    body = {**_meta(audit, decisions), "territory": records(terr[terr["territory"] == tid])[0]}
    for name in ("scores", "indicators", "decisions"):
        f = tables.get(name)
        rows = records(f[f["territory"] == tid]) if f is not None and "territory" in f.columns else []
        body[name[:-1] if name != "indicators" else "indicators"] = rows[0] if rows else None
    for name in ("flags", "structures", "initiatives"):
        f = tables.get(name)
        body[name] = records(f[f["territory"] == tid]) if f is not None and "territory" in f.columns else []
    return 200, body
