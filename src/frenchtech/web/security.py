"""The Content-Security-Policy of every response: scripts, styles, images and requests from the platform's
own origin only, no inline code, no framing.

Pages keep their JavaScript and CSS in static files. A template that cannot avoid an inline element marks
it with ``nonce="{{ request.csp_nonce }}"``: the nonce is drawn per request, and only a response whose
rendering asked for it names it in the policy (so cached public pages carry no nonce).
The other headers (X-Content-Type-Options, Referrer-Policy, X-Frame-Options, HSTS behind TLS) come from
Django's SecurityMiddleware and XFrameOptionsMiddleware with the values set in ``settings``.
"""
from __future__ import annotations

import secrets

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # the favicon is a data: URI (images run no code)
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NONCED = ("script-src", "style-src")


class _Nonce:
    """Drawn on first use, so that the policy names a nonce only when a template used one."""

    def __init__(self):
        self.value = None

    def __str__(self):
        if self.value is None:
            self.value = secrets.token_urlsafe(18)
        return self.value


def policy(nonce: str | None = None) -> str:
    parts = []
    for directive, sources in POLICY.items():
        if nonce and directive in NONCED:
            sources = f"{sources} 'nonce-{nonce}'"
        parts.append(f"{directive} {sources}")
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.plain = policy()

    def __call__(self, request):
        nonce = request.csp_nonce = _Nonce()
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(nonce.value) if nonce.value else self.plain
        return response
