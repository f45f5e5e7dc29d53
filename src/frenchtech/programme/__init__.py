"""The programme's state, in one database: campaigns opened, dossiers, reviews, decisions, active
labels and fund commitments. Django apps without views (models, migrations, services); services take
plain arguments so the CLI, the web platform and the tests call them alike.

Outside a web process, call :func:`setup` once before using a service: it configures Django on the
programme database (SQLite file by default, PostgreSQL through ``DATABASE_URL``) and migrates it.
"""
from __future__ import annotations

import os

_ready = False


def setup(database_url: str | None = None, migrate: bool = True) -> None:
    """Configure Django for the programme database and bring its schema up to date."""
    global _ready
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frenchtech.programme.settings")
    # Django is imported here, its settings module named first, and its parts after django.setup():
    # this function is what configures it (and `frenchtech --help` does not load Django).
    import django

    django.setup()
    from django.utils import translation

    # The command line speaks English, as the rest of its output does; web pages follow each visitor.
    translation.activate("en")
    if migrate and not _ready:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    _ready = True
