"""Helpers shared by the views: permission checks that explain themselves."""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from frenchtech.programme.accounts.permissions import can


class Refused(PermissionDenied):
    pass


def require(request, action: str, obj):
    """Raise 403 with the reason, or send an anonymous visitor to the login page."""
    verdict = can(request.user, action, obj)
    if not verdict:
        if not request.user.is_authenticated:
            raise LoginNeeded(request.get_full_path())
        raise Refused(str(verdict.reason))
    return verdict


class LoginNeeded(Exception):
    def __init__(self, next_url):
        self.next_url = next_url


class LoginNeededMiddleware:
    """Turn ``LoginNeeded`` into a redirect to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, LoginNeeded):
            return redirect_to_login(exc.next_url)
        return None


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
