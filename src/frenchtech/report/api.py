"""The read-only showcase API as plain functions: (status, JSON body) from the published tables.

The web platform's ``showcase_api`` app maps URLs onto these; the static export writes the same
OpenAPI description (``api_spec``). The published audit is the folder named by the Django setting
``SHOWCASE_AUDIT`` or the ``FRENCHTECH_SHOWCASE_AUDIT`` environment variable (default ``demo/audit``).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from frenchtech import ATTRIBUTION, __version__
from frenchtech.report.audit_data import load_audit
from frenchtech.report.opendata import (
    LICENCE,
    TABLE_TEXT,
    dictionary,
    published_tables,
    records,
)

MAX_LIMIT = 1000


def audit_folder() -> Path:
    folder = None
    try:
        from django.conf import settings

        folder = getattr(settings, "SHOWCASE_AUDIT", None)
    except Exception:
        folder = None
    return Path(folder or os.environ.get("FRENCHTECH_SHOWCASE_AUDIT", "demo/audit")).resolve()


@lru_cache(maxsize=4)
def _published(folder: str, mtime: float):
    from frenchtech.report.maps import territory_geometries

    audit = load_audit(folder)
    return audit, published_tables(audit, territory_geometries(audit.territories))


def published():
    folder = audit_folder()
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return None
    return _published(str(folder), manifest.stat().st_mtime)


def _meta(audit) -> dict:
    return {"campaign": audit.campaign_id, "generated": audit.generated, "attribution": ATTRIBUTION,
            "licence": LICENCE}


def _missing():
    return 404, {"error": "no published audit", "detail": "the platform has no published audit folder"}


def index() -> tuple[int, dict]:
    pub = published()
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit), "name": audit.name("fr"), "name_en": audit.name("en"), "version": __version__,
                 "tables": [{"name": n, "rows": len(f), "description": TABLE_TEXT.get(n, (n, n))[1],
                             "url": f"tables/{n}"} for n, f in tables.items()]}


def table(name: str, territory: str | None = None, limit: int = 100, offset: int = 0) -> tuple[int, dict]:
    pub = published()
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
    return 200, {**_meta(audit), "table": name, "total": total, "offset": offset, "limit": limit,
                 "rows": records(page)}


def data_dictionary() -> tuple[int, dict]:
    pub = published()
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit), "columns": dictionary(tables)}


def territory(tid: str) -> tuple[int, dict]:
    pub = published()
    if pub is None:
        return _missing()
    audit, tables = pub
    terr = tables["territories"]
    if tid not in set(terr["territory"]):
        return 404, {"error": "no such territory", "detail": f"territories: {', '.join(terr['territory'])}"}
    body = {**_meta(audit), "territory": records(terr[terr["territory"] == tid])[0]}
    for name in ("scores", "indicators", "decisions"):
        f = tables.get(name)
        rows = records(f[f["territory"] == tid]) if f is not None and "territory" in f.columns else []
        body[name[:-1] if name != "indicators" else "indicators"] = rows[0] if rows else None
    for name in ("flags", "structures", "initiatives"):
        f = tables.get(name)
        body[name] = records(f[f["territory"] == tid]) if f is not None and "territory" in f.columns else []
    return 200, body
