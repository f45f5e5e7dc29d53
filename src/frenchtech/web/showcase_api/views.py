"""Thin views over ``frenchtech.report.api``: GET only, JSON out, no session or login needed.

The views are CSRF-exempt because they never change anything: any other method gets 405. They show the
decisions published in the labels registry once the campaign is published, the audit's proposals before
(see ``published``).
"""
from __future__ import annotations

import fcntl
import hashlib
import mimetypes
import tempfile
from pathlib import Path

from django.http import FileResponse, HttpResponseNotFound, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from frenchtech.report import api
from frenchtech.report.api_spec import openapi_document
from frenchtech.report.site import export_showcase
from frenchtech.web.caching import public_page
from frenchtech.web.showcase_api.published import PROPOSED, configured_audit_folder, source


def _json(result):
    status, body = result
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _int(request, name, default, low, high):
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


def _where() -> dict:
    """The audit folder the API reads, and whose decisions it holds (unknown when there is no audit)."""
    src = source()
    return {"folder": src.folder, "decisions": src.decisions} if src else {"folder": configured_audit_folder()}


@csrf_exempt
@require_GET
@public_page
def index(request):
    return _json(api.index(**_where()))


@csrf_exempt
@require_GET
@public_page
def table(request, name):
    try:
        limit = _int(request, "limit", 100, 1, api.MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, 10**9)
    except ValueError as exc:
        return JsonResponse({"error": "bad query parameter", "detail": str(exc)}, status=400)
    return _json(api.table(name, territory=request.GET.get("territory"), limit=limit, offset=offset, **_where()))


@csrf_exempt
@require_GET
@public_page
def territory(request, tid):
    return _json(api.territory(tid, **_where()))


@csrf_exempt
@require_GET
@public_page
def dictionary(request):
    return _json(api.data_dictionary(**_where()))


@csrf_exempt
@require_GET
@public_page
def openapi(request):
    src = source()
    pub = api.published(src.folder) if src else None
    names = list(pub[1]) if pub else None
    return JsonResponse(openapi_document(names))


_SITE: dict[tuple, Path] = {}
MAIN = '<main id="main" tabindex="-1">'


def _mark_proposals(out: Path) -> None:
    """Before publication the decisions on the pages are the audit's proposals: say so on every page."""
    for lang in ("fr", "en"):
        with translation.override(lang):
            note = (f'<p class="generated" role="note" id="proposals-banner"><strong>'
                    f'{_("Proposals of the audit: the jury has not published its decisions for this campaign yet.")}'
                    f'</strong> {_("The decisions shown are those the audit proposes; the published decisions will replace them.")}</p>')
        for page in (out / lang).rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            start = html.find(MAIN)
            end = html.find("</h1>", start) if start >= 0 else -1
            if end >= 0:
                end += len("</h1>")
                page.write_text(html[:end] + "\n" + note + html[end:], encoding="utf-8")


def _exported(src) -> Path:
    """The showcase pages of this audit and these decisions, exported once for all the server's processes:
    under the temporary directory, named by a digest of the manifest, the decisions and the report code
    (an upgrade exports again); the first process exports while the others wait on a lock, so that a
    cold start under a crowd exports once, not once per worker."""
    digest = hashlib.sha256(src.decisions.encode())
    for name in ("manifest.json", "decisions.csv"):
        digest.update((Path(src.folder) / name).read_bytes())
    package = Path(export_showcase.__code__.co_filename).parents[1]
    for f in sorted([*(package / "report").rglob("*"), *(package / "locale").rglob("*.mo")]):
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(f"{f.relative_to(package)} {f.stat().st_mtime_ns}".encode())
    target = Path(tempfile.gettempdir()) / f"frenchtech-showcase-{digest.hexdigest()[:24]}" / "site"
    if (target / "index.html").is_file():
        return target
    target.parent.mkdir(exist_ok=True)
    with open(target.parent / "export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "index.html").is_file():
            staging = Path(tempfile.mkdtemp(prefix="export-", dir=target.parent)) / "site"
            export_showcase([src.folder], staging)
            if src.decisions == PROPOSED:
                _mark_proposals(staging)
            staging.rename(target)  # whole or not at all: readers never see a half-written export
    return target


@csrf_exempt
@require_GET
@public_page
def site(request, path=""):
    """The showcase pages, exported once per audit and decisions, and served from that folder."""
    src = source()
    if src is None:
        return HttpResponseNotFound("no published audit", content_type="text/plain")
    key = (str(src.folder), (src.folder / "manifest.json").stat().st_mtime, src.decisions)
    if key not in _SITE:
        _SITE[key] = _exported(src)
    root = _SITE[key].resolve()
    target = (root / (path or "index.html")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if root not in target.parents or not target.is_file():
        return HttpResponseNotFound("no such page", content_type="text/plain")
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(open(target, "rb"), content_type=ctype)
