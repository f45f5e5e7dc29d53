"""Django settings for the programme database (no web). The web platform extends these."""
from __future__ import annotations

import os

from frenchtech.programme.database import database_from_url

SECRET_KEY = os.environ.get("FRENCHTECH_SECRET_KEY", "frenchtech-local-only-not-for-production")
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Paris"
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
USE_I18N = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}

# Apps that own programme tables. Each domain adds its app here.
PROGRAMME_APPS = [
    "frenchtech.programme.fund",
    "frenchtech.programme.accounts",
    "frenchtech.programme.dossiers",
    "frenchtech.programme.jury",
    "frenchtech.programme.activity",
    "frenchtech.programme.labels",
    "frenchtech.programme.deliberation",
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    *PROGRAMME_APPS,
]
