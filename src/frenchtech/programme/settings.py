"""Django settings for the programme database (no web). The web platform extends these."""
from __future__ import annotations

import os
import secrets

from frenchtech.programme.database import database_from_url

# Command-line processes sign nothing that outlives them; without the variable they draw a key of their
# own, so that no key is built into the package (the web settings refuse to run without one).
SECRET_KEY = os.environ.get("FRENCHTECH_SECRET_KEY") or secrets.token_urlsafe(50)
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
