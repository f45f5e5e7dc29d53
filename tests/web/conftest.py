"""Web fixtures: a small audited campaign, a call in a chosen phase, people of every role, and the
system Chromium for the browser tests (never a downloaded browser)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

CAMPAIGN = Path(__file__).resolve().parents[2] / "campaigns" / "metropoles-2014.toml"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artefacts" / "screenshots"
PASSWORD = "correct-horse-battery-9"

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run"]}


@pytest.fixture(scope="session")
def audit_dir(tmp_path_factory):
    """Generated evidence and its audit for the 2014 campaign (small register)."""
    from frenchtech.web.demo import ensure_audit

    return ensure_audit(CAMPAIGN, tmp_path_factory.mktemp("demo"), rows=5000)


@pytest.fixture(autouse=True)
def _web_settings(settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private-files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.utils import translation

    with translation.override("en"):  # services' messages in English in assertions (pages pick their own)
        yield


@pytest.fixture
def live_server(live_server):
    """SQLite's flush after a browser test empties each table with DELETE, which the protected records
    (activity log, published decisions...) refuse: empty it here with the protections lifted. PostgreSQL's
    flush truncates, which runs no row trigger."""
    if live_server.thread.connections_override:
        # The server's request threads share the tests' in-memory SQLite connection, whose close is a
        # no-op; a thread still serving a browser's kept-alive connection when the sharing ends would
        # raise at that close ("DatabaseWrapper objects created in a thread can only be used in that same
        # thread"): the request threads leave the shared connection alone.
        live_server.thread.httpd._close_connections = lambda: None
    yield live_server
    from django.core.management import call_command
    from django.db import connection

    from frenchtech.programme.records import lifted

    if connection.vendor == "sqlite":
        with lifted():
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)


def set_phase(call, phase: str):
    """Move the calendar so that ``phase`` is the current one."""
    now = dt.datetime.now(dt.UTC)
    d = dt.timedelta(days=1)
    offsets = {"upcoming": (1, 2, 3, 4), "open": (-1, 2, 3, 4), "review": (-2, -1, 3, 4),
               "deliberation": (-3, -2, -1, 4), "published": (-3, -2, -1, 4)}[phase]
    call.opens, call.deadline, call.review_ends, call.deliberation_ends = (now + k * d for k in offsets)
    call.published_at = now if phase == "published" else None
    call.save()
    assert call.phase() == phase
    return call


@pytest.fixture
def call(db, audit_dir):
    from frenchtech.programme.dossiers.services import open_call

    return open_call(CAMPAIGN, audit_dir=audit_dir)


@pytest.fixture
def people(db):
    """One person per role; two applicant teams (lyon, bordeaux); two jurors."""
    from frenchtech.programme.accounts.models import Role, TerritoryTeam
    from frenchtech.programme.accounts.services import create_person

    lyon = TerritoryTeam.objects.create(campaign="metropoles-2014", territory="lyon", name="Lyon French Tech")
    bordeaux = TerritoryTeam.objects.create(campaign="metropoles-2014", territory="bordeaux", name="Bordeaux")
    mk = lambda name, role, team=None: create_person(name, PASSWORD, role, team=team)
    return {"admin": mk("admin", Role.ADMIN), "lyon": mk("team-lyon", Role.APPLICANT, lyon),
            "bordeaux": mk("team-bordeaux", Role.APPLICANT, bordeaux), "juror": mk("juror1", Role.JUROR),
            "juror2": mk("juror2", Role.JUROR), "fund": mk("fund", Role.FUND_MANAGER)}


NARRATIVE = {s: f"Text about {s} of the territory." for s in
             ("ecosystem", "ambition", "federation", "accelerators", "flagship", "international")}


@pytest.fixture
def dossiers(call, people):
    """A submitted dossier for Lyon and one for Bordeaux."""
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.dossiers.services import (
        create_dossier,
        submit_dossier,
        update_dossier,
    )

    out = {}
    for key in ("lyon", "bordeaux"):
        user = people[key]
        d = create_dossier(call, team_of(user), user)
        update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                           "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                           "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
        out[key] = submit_dossier(d, user)
    return out


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
