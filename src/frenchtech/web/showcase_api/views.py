"""Thin views over ``frenchtech.report.api``: GET only, JSON out, no session or login needed.

The views are CSRF-exempt because they never change anything: any other method gets 405.
"""
from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path

from django.http import FileResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from frenchtech.report import api
from frenchtech.report.api_spec import openapi_document


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


@csrf_exempt
@require_GET
def index(request):
    return _json(api.index())


@csrf_exempt
@require_GET
def table(request, name):
    try:
        limit = _int(request, "limit", 100, 1, api.MAX_LIMIT)
        offset = _int(request, "offset", 0, 0, 10**9)
    except ValueError as exc:
        return JsonResponse({"error": "bad query parameter", "detail": str(exc)}, status=400)
    return _json(api.table(name, territory=request.GET.get("territory"), limit=limit, offset=offset))


@csrf_exempt
@require_GET
def territory(request, tid):
    return _json(api.territory(tid))


@csrf_exempt
@require_GET
def dictionary(request):
    return _json(api.data_dictionary())


@csrf_exempt
@require_GET
def openapi(request):
    pub = api.published()
    names = list(pub[1]) if pub else None
    return JsonResponse(openapi_document(names))


_SITE: dict[str, Path] = {}


@csrf_exempt
@require_GET
def site(request, path=""):
    """The showcase pages, exported once per published audit and served from that folder."""
    pub = api.published()
    if pub is None:
        return HttpResponseNotFound("no published audit", content_type="text/plain")
    key = str(api.audit_folder())
    if key not in _SITE:
        from frenchtech.report.showcase import export_showcase

        out = Path(tempfile.mkdtemp(prefix="frenchtech-showcase-")) / "site"
        export_showcase([key], out)
        _SITE[key] = out
    root = _SITE[key].resolve()
    target = (root / (path or "index.html")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if root not in target.parents or not target.is_file():
        return HttpResponseNotFound("no such page", content_type="text/plain")
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(open(target, "rb"), content_type=ctype)
