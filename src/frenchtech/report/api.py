"""The read-only showcase API as plain functions: (status, JSON body) from the published tables.

The web platform's ``showcase_api`` app maps URLs onto these; the static export writes the same
OpenAPI description (``api_spec``). Every function takes the audit ``folder`` to read (the web layer
decides which, from its settings and the programme database), and ``decisions`` says whether the decisions
in it are the audit's proposals or the published ones (the web layer knows; this module never reads the
programme database or the platform's settings).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from frenchtech import ATTRIBUTION, ATTRIBUTION_FR, __version__
from frenchtech.report.audit_data import load_audit
from frenchtech.report.maps import territory_geometries
from frenchtech.report.opendata import (
    LICENCE,
    TABLE_TEXT,
    dictionary,
    published_tables,
    records,
)

MAX_LIMIT = 1000


@lru_cache(maxsize=4)
def _published(folder: str, mtime: float):
    audit = load_audit(folder)
    return audit, published_tables(audit, territory_geometries(audit.territories))


def published(folder):
    """(audit, published tables) of the audit in ``folder``, or None when it holds no audit."""
    folder = Path(folder)
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


def index(folder, decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit, decisions), "name": audit.name("fr"), "name_en": audit.name("en"), "version": __version__,
                 "tables": [{"name": n, "rows": len(f), "description": TABLE_TEXT.get(n, (n, n))[1],
                             "url": f"tables/{n}"} for n, f in tables.items()]}


def table(name: str, folder, territory: str | None = None, limit: int = 100, offset: int = 0,
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


def data_dictionary(folder, decisions: str | None = None) -> tuple[int, dict]:
    pub = published(folder)
    if pub is None:
        return _missing()
    audit, tables = pub
    return 200, {**_meta(audit, decisions), "columns": dictionary(tables)}


def territory(tid: str, folder, decisions: str | None = None) -> tuple[int, dict]:
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
