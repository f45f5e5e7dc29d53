"""Web platform settings: the programme settings plus views, sessions, i18n and secure defaults.

Environment: DATABASE_URL (SQLite by default), FRENCHTECH_HOME (where the database, the private
files and the collected static files live), FRENCHTECH_SECRET_KEY (required: nothing is signed with a
built-in key), FRENCHTECH_TLS=1 behind a TLS proxy (secure cookies, HSTS), FRENCHTECH_ALLOWED_HOSTS
(comma-separated), FRENCHTECH_PRIVATE_FILES (attachments, default HOME/private-files),
FRENCHTECH_DEBUG=1 for development. docs/deploy.md describes a production setup.
"""
from __future__ import annotations

import os
from pathlib import Path

from frenchtech.programme.settings import *
from frenchtech.programme.settings import INSTALLED_APPS as _PROGRAMME_INSTALLED

HERE = Path(__file__).resolve().parent
HOME = Path(os.environ.get("FRENCHTECH_HOME", ".")).resolve()

# No fallback: an empty key makes Django refuse to sign anything (sessions, password resets) instead of
# signing with a key anyone can read here. `frenchtech serve` names the variable; --demo draws one.
SECRET_KEY = os.environ.get("FRENCHTECH_SECRET_KEY", "")
DEBUG = os.environ.get("FRENCHTECH_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("FRENCHTECH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *_PROGRAMME_INSTALLED,
    "frenchtech.web",
    "frenchtech.web.showcase_api",
]

MIDDLEWARE = [
    "frenchtech.web.security.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # compressed pages and API answers (BREACH-padded)
    "frenchtech.web.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frenchtech.web.views.common.LoginNeededMiddleware",
]

ROOT_URLCONF = "frenchtech.web.urls"
WSGI_APPLICATION = "frenchtech.web.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "frenchtech.web.context.platform",
    ]},
}]

LOCALE_PATHS = [HERE.parent / "locale"]  # one catalogue: the pages, the reports and the audit's reasons
STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
# The platform serves its own few static files through WhiteNoise (no CDN, no separate web server needed):
# `frenchtech serve` collects them into STATIC_ROOT with hashed names and compressed copies, served with
# far-future cache headers; before any collection, pages name the plain files, found in the app folders.
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "frenchtech.web.static_files.StaticStorage"}}
WHITENOISE_USE_FINDERS = True

# Attachments: outside any served folder; streamed by a view after a permission check.
PRIVATE_FILES_ROOT = Path(os.environ.get("FRENCHTECH_PRIVATE_FILES", HOME / "private-files"))
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Sessions read from a per-process cache first, written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = ["frenchtech.web.auth.ProgrammeBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Secure defaults. Behind TLS (FRENCHTECH_TLS=1) cookies are secure-only and HSTS is on.
TLS = os.environ.get("FRENCHTECH_TLS") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = TLS
SECURE_SSL_REDIRECT = TLS
SECURE_HSTS_SECONDS = 31536000 if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS
# Preloading is a decision for the whole registrable domain, taken with the browsers' list, not here.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TLS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# E-mail (notices to applicants and jurors): printed on the console unless FRENCHTECH_SMTP_HOST names an
# SMTP server. FRENCHTECH_SMTP_TLS: starttls (default, port 587), ssl (port 465) or off (port 25).
EMAIL_HOST = os.environ.get("FRENCHTECH_SMTP_HOST", "")
EMAIL_BACKEND = os.environ.get("FRENCHTECH_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                               else "django.core.mail.backends.console.EmailBackend")
from frenchtech.errors import FrenchTechError  # noqa: E402  (a bad value is named as the CLI names errors)

_SMTP_TLS = os.environ.get("FRENCHTECH_SMTP_TLS", "starttls").lower()
if _SMTP_TLS not in ("starttls", "ssl", "off"):
    raise FrenchTechError(f"FRENCHTECH_SMTP_TLS={_SMTP_TLS!r}: expected starttls, ssl or off")
EMAIL_USE_TLS, EMAIL_USE_SSL = _SMTP_TLS == "starttls", _SMTP_TLS == "ssl"
_SMTP_PORT = os.environ.get("FRENCHTECH_SMTP_PORT") or {"starttls": "587", "ssl": "465", "off": "25"}[_SMTP_TLS]
if not _SMTP_PORT.isdigit():
    raise FrenchTechError(f"FRENCHTECH_SMTP_PORT={_SMTP_PORT!r}: expected a port number")
EMAIL_PORT = int(_SMTP_PORT)
EMAIL_HOST_USER = os.environ.get("FRENCHTECH_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FRENCHTECH_SMTP_PASSWORD", "")
EMAIL_TIMEOUT = 20  # seconds: a stalled server fails the message (logged), never hangs the caller
DEFAULT_FROM_EMAIL = os.environ.get("FRENCHTECH_DEFAULT_FROM", "programme@frenchtech.localhost")
SITE_URL = os.environ.get("FRENCHTECH_SITE_URL", "").rstrip("/")  # the platform's address, in e-mails

LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}}}
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["frenchtech.web.formats"]  # French groups digits as the reports do (U+202F)
