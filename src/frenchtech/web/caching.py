"""Public pages kept rendered in each process, answered with an ETag and precompressed.

Once a campaign is published its public side (the showcase, its ranking and territory pages, the API)
changes only with a new publication or a correction. Each process keeps the responses of the public
pages, keyed by path (with its query), language and the publication state (newest publication, label
decision and label in the registry, and the audit folder the showcase reads), and answers:

- from memory, without rendering, while the state is the same;
- 304 Not Modified to a client that sends back the page's ETag (a digest of the body, so that an upgrade
  that changes a template changes it too);
- the gzip-compressed body, compressed once, to clients that accept it.

The state is read from the database at most once a second per process; a save in the process clears the
cache at once (other processes see a new publication within the second).

Pages with a form (the home page, the published decisions) carry each visitor's CSRF token: they are kept
with a placeholder in its place, filled per request, and only for visitors with no session and no pending
message (who all see the same page). Nothing that depends on who is logged in is kept.

``FRENCHTECH_CACHE=0`` (environment) or the setting ``FRENCHTECH_CACHE = False`` turns the cache off.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.translation import get_language

STATE_TTL = 1.0              # seconds a process trusts its reading of the publication state
MAX_BODY = 2 * 1024 * 1024   # larger responses (big API pages, downloads) are served as before
MAX_BYTES = 64 * 1024 * 1024  # all kept responses of a process (oldest used dropped first)
MIN_GZIP = 200               # smaller bodies are sent as they are
CSRF_PLACEHOLDER = "csrf-token-of-the-visitor-7b1f0c"


def enabled() -> bool:
    return getattr(settings, "FRENCHTECH_CACHE", True) and os.environ.get("FRENCHTECH_CACHE") != "0"


@dataclass(frozen=True)
class Kept:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str
    headers: tuple[tuple[str, str], ...]
    streaming: bool = False  # answered as the view answered (a file as a stream)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


class Pages:
    """Kept responses by key, the least recently used dropped beyond ``MAX_BYTES``."""

    def __init__(self):
        self.entries: OrderedDict[tuple, Kept] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            kept = self.entries.get(key)
            if kept is not None:
                self.entries.move_to_end(key)
            return kept

    def put(self, key, kept: Kept) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            self.bytes += kept.size - (old.size if old else 0)
            self.entries[key] = kept
            while self.bytes > MAX_BYTES and self.entries:
                _, dropped = self.entries.popitem(last=False)
                self.bytes -= dropped.size

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


PAGES = Pages()
_state: dict = {}


def clear(**_kwargs) -> None:
    """Forget every kept page and the publication state (called on every save that may change them)."""
    _state.clear()
    PAGES.clear()


def publication_state() -> tuple:
    """What the public pages show, as a key: the newest publication, label decision and label, and the
    audit folder the showcase falls back on (explicit or the demo's, with its manifest's time)."""
    from frenchtech.web.showcase_api.published import configured_audit_folder, explicit_audit_folder

    manifest = configured_audit_folder() / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime_ns
    except OSError:
        mtime = None
    if mtime is None and explicit_audit_folder() is not None:
        return None, str(manifest), None  # the audit named explicitly is missing: nothing to read
    hit = _state.get("db")
    if hit is None or time.monotonic() - hit[0] >= STATE_TTL:
        from frenchtech.programme.deliberation.models import Publication
        from frenchtech.programme.labels.models import Decision, Label

        try:
            db = tuple(m.objects.aggregate(newest=Max("pk"))["newest"] for m in (Publication, Decision, Label))
        except DatabaseError:  # a database not migrated yet: nothing published
            db = None
        hit = _state["db"] = (time.monotonic(), db)
    return hit[1], str(manifest), mtime


def _keep(response) -> Kept | None:
    """The response as kept, or None when it is not to be kept (not a plain 200, too large)."""
    if response.status_code != 200 or response.has_header("Set-Cookie") or response.cookies:
        return None
    if response.streaming:
        length = response.get("Content-Length")
        if length is None or int(length) > MAX_BODY:
            return None
        body = b"".join(response.streaming_content)
        # The file behind it closed, not the response: response.close() sends request_finished, which
        # closes the request's database connection halfway through the request.
        stream = getattr(response, "file_to_stream", None)
        if stream is not None:
            stream.close()
    else:
        body = response.content
        if len(body) > MAX_BODY:
            return None
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    headers = tuple((k, v) for k, v in response.items()
                    if k.lower() not in ("content-length", "content-type", "vary", "etag", "content-encoding"))
    etag = '"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest()
    return Kept(body, gzipped, response["Content-Type"], etag, headers, response.streaming)


def _accepts_gzip(request) -> bool:
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "").lower()


def public_page(view):
    """Keep the responses of a public view that depends only on the URL, the language and what is
    published (the showcase, the API): the same for every visitor, logged in or not."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or not enabled():
            return view(request, *args, **kwargs)
        key = (view.__module__, view.__qualname__, request.get_full_path(), get_language(), publication_state())
        kept = PAGES.get(key)
        if kept is None:
            response = view(request, *args, **kwargs)
            kept = _keep(response)
            if kept is None:
                return response
            PAGES.put(key, kept)
        not_modified = get_conditional_response(request, etag=kept.etag)
        if not_modified is not None:
            not_modified["ETag"] = kept.etag
            not_modified["Cache-Control"] = "public, no-cache"
            return not_modified
        compressed = kept.gzipped is not None and _accepts_gzip(request)
        body = kept.gzipped if compressed else kept.body
        if kept.streaming:
            response = StreamingHttpResponse([body], content_type=kept.content_type)
            response["Content-Length"] = str(len(body))
        else:
            response = HttpResponse(body, content_type=kept.content_type)
        for k, v in kept.headers:
            response[k] = v
        if compressed:
            response["Content-Encoding"] = "gzip"
        if kept.gzipped is not None:
            patch_vary_headers(response, ("Accept-Encoding",))
        response["ETag"] = kept.etag
        # every visitor may keep it, and must ask again (a correction may follow): 304 while unchanged
        response["Cache-Control"] = "public, no-cache"
        return response

    return wrapper


def anonymous_page(extra_key):
    """Keep the page of a view, as visitors with no session see it (its forms' CSRF token filled per
    request); ``extra_key()`` names what else the page shows (the current call and its phase)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (request.method != "GET" or not enabled() or settings.SESSION_COOKIE_NAME in request.COOKIES
                    or "messages" in request.COOKIES):
                return view(request, *args, **kwargs)
            key = (view.__module__, view.__qualname__, request.get_full_path(), get_language(),
                   publication_state(), extra_key())
            kept = PAGES.get(key)
            if kept is None:
                request.csrf_placeholder = CSRF_PLACEHOLDER
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                kept = Kept(response.content, None, response["Content-Type"], "", ())
                PAGES.put(key, kept)
            body = kept.body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
            return HttpResponse(body, content_type=kept.content_type)

        return wrapper

    return decorate


def csrf_context(request) -> dict:
    """The template context that renders the CSRF token as the placeholder, when the page is kept."""
    placeholder = getattr(request, "csrf_placeholder", None)
    return {"csrf_token": placeholder} if placeholder else {}


def _watch():
    from frenchtech.programme.deliberation.models import Publication, PublishedFile
    from frenchtech.programme.dossiers.models import Call
    from frenchtech.programme.labels.models import CampaignRun, Decision, Label

    for model in (Publication, PublishedFile, Call, CampaignRun, Decision, Label):
        post_save.connect(clear, sender=model, dispatch_uid=f"frenchtech-caching-{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"frenchtech-caching-del-{model.__name__}")


_watch()
