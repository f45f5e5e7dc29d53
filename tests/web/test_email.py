"""E-mail notices through a real SMTP server on 127.0.0.1 (aiosmtpd) and Django's SMTP backend: call
opened, deadline approaching, reviews assigned, review reminder and decisions published, each in the
recipient's language; a server that refuses leaves the programme's action whole and the failure logged."""
from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from django.test import Client

from frenchtech.programme.activity.models import Entry
from tests.web.conftest import NARRATIVE, set_phase
from tests.web.publishing import publish

NBSP = "\u00a0"


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self):
        self.messages = []
        self.port = None
        self.refused = set()  # addresses the server answers "550 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "subject": str(msg["subject"]).strip(),  # as unfolded by RFC 5322
                              "language": msg["Content-Language"],
                              "body": msg.get_body(("plain",)).get_content().replace("\r\n", "\n")})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == [address]]

    def one(self, address: str) -> dict:
        got = self.to(address)
        assert len(got) == 1, (address, [m["to"] for m in self.messages])
        return got[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "programme@frenchtech.example"
    settings.SITE_URL = "https://frenchtech.example"
    try:
        yield handler
    finally:
        controller.stop()


# Who reads which language: French by default, English by choice.
LANGUAGES = {"admin": "fr", "lyon": "en", "bordeaux": "fr", "juror": "fr", "juror2": "en"}


@pytest.fixture
def readers(people):
    """The people, each with an address and the language of their e-mails."""
    for key, lang in LANGUAGES.items():
        user = people[key]
        user.email = f"{user.username}@frenchtech.example"
        user.save()
        user.profile.language = lang
        user.profile.save()
    return {key: f"{people[key].username}@frenchtech.example" for key in LANGUAGES}


def _dossier(call, user, submit: bool):
    from frenchtech.programme.accounts.services import team_of
    from frenchtech.programme.dossiers.services import create_dossier, submit_dossier, update_dossier

    d = create_dossier(call, team_of(user), user)
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes,
                       "declared": {"funding_eur": 1000000, "support_structures": 4}, "narrative": NARRATIVE,
                       "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
    return submit_dossier(d, user) if submit else d


def test_call_opened_reaches_everyone_once_in_their_language(call, readers, inbox):
    from frenchtech.cli.notify import opened

    set_phase(call, "open")
    result = CliRunner().invoke(opened, [])
    assert result.exit_code == 0, result.output
    assert "5 sent" in result.output
    assert sorted(a for m in inbox.messages for a in m["to"]) == sorted(readers.values())
    fr, en = inbox.one(readers["bordeaux"]), inbox.one(readers["lyon"])
    assert fr["subject"] == f"Appel à candidatures ouvert{NBSP}: {call.name}" and fr["language"] == "fr"
    assert en["subject"] == f"Call for applications open: {call.name_en}" and en["language"] == "en"
    assert f"L'appel à candidatures «{NBSP}{call.name}{NBSP}» est ouvert" in fr["body"]
    assert fr["body"].startswith("Bonjour team-bordeaux,") and "Sur la plateforme\u00a0: https://frenchtech.example" in fr["body"]
    assert en["body"].startswith("Hello team-lyon,") and "Dossiers are submitted on the platform until" in en["body"]
    assert fr["from"] == "programme@frenchtech.example"
    # scheduled from cron: a second run sends nothing new
    again = CliRunner().invoke(opened, [])
    assert again.exit_code == 0 and "0 sent" in again.output and len(inbox.messages) == 5
    assert Entry.objects.filter(action="mail.sent", campaign=call.campaign).count() == 1


def test_deadline_reaches_the_teams_whose_dossier_is_a_draft(call, people, readers, inbox):
    from frenchtech.cli.notify import deadlines

    set_phase(call, "open")  # the deadline is in two days
    lyon = _dossier(call, people["lyon"], submit=False)
    _dossier(call, people["bordeaux"], submit=True)
    assert "0 call(s)" in CliRunner().invoke(deadlines, ["--within", "1"]).output
    result = CliRunner().invoke(deadlines, ["--within", "7"])
    assert result.exit_code == 0, result.output
    assert [m["to"] for m in inbox.messages] == [[readers["lyon"]]]  # Bordeaux submitted: not reminded
    m = inbox.one(readers["lyon"])
    assert m["subject"].startswith("Deadline on ") and m["subject"].endswith(f": {call.name_en}")
    assert f"The dossier of {lyon.team.name} is not submitted yet." in m["body"]
    assert "a dossier still in draft then is not examined" in m["body"]
    CliRunner().invoke(deadlines, ["--within", "7"])
    assert len(inbox.messages) == 1


def test_deadline_in_french(call, people, readers, inbox):
    from frenchtech.programme import notifications

    set_phase(call, "open")
    people["lyon"].profile.language = "fr"
    people["lyon"].profile.save()
    _dossier(call, people["lyon"], submit=False)
    notifications.deadline_approaching(call)
    m = inbox.one(readers["lyon"])
    assert m["subject"].startswith("Date limite le ") and m["subject"].endswith(f"{NBSP}: {call.name}")
    assert "n'est pas encore déposé" in m["body"] and " à " in m["body"]  # "12 novembre 2014 à 18 h 00"


def test_assignment_and_reminder_reach_each_juror_in_their_language(call, dossiers, people, readers, inbox,
                                                                      django_capture_on_commit_callbacks):
    from frenchtech.programme.jury.services import assign, batch_assign, send_reminders

    set_phase(call, "review")
    with django_capture_on_commit_callbacks(execute=True):
        assign(people["juror"], dossiers["lyon"], people["admin"])
    fr = inbox.one(readers["juror"])
    assert fr["subject"] == f"Dossiers à évaluer{NBSP}: {call.name}"
    assert f"vous sont confiés pour évaluation{NBSP}:\n- {dossiers['lyon'].name}" in fr["body"]
    assert "Les évaluations sont attendues au plus tard le " in fr["body"]

    with django_capture_on_commit_callbacks(execute=True):  # a batch: one e-mail per juror
        batch_assign(call, [people["juror2"]], [dossiers["lyon"], dossiers["bordeaux"]], 2, people["admin"])
    en = inbox.one(readers["juror2"])
    assert en["subject"] == f"Dossiers to review: {call.name_en}"
    assert f"- {dossiers['bordeaux'].name}\n- {dossiers['lyon'].name}" in en["body"]
    assert "Reviews are due by " in en["body"]

    inbox.messages.clear()
    assert send_reminders(call, people["admin"]) == 2
    fr, en = inbox.one(readers["juror"]), inbox.one(readers["juror2"])
    assert fr["subject"].startswith("Évaluations à terminer") and fr["subject"].endswith(call.name)
    assert "sont encore à soumettre avant le" in fr["body"] and f"- {dossiers['lyon'].name}" in fr["body"]
    assert en["subject"] == f"Reviews to complete: {call.name_en}"
    assert "are still to be submitted before" in en["body"] and f"- {dossiers['bordeaux'].name}" in en["body"]
    assert Entry.objects.filter(action="jury.remind").count() == 2


def test_an_address_the_server_refuses_leaves_the_others_their_reminder(call, dossiers, people, readers, inbox):
    from frenchtech.programme.jury.models import Reminder
    from frenchtech.programme.jury.services import assign, send_reminders

    set_phase(call, "review")
    assign(people["juror"], dossiers["lyon"], notify=False)
    assign(people["juror2"], dossiers["lyon"], notify=False)
    inbox.refused.add(readers["juror"])
    assert send_reminders(call, people["admin"]) == 1
    assert [m["to"] for m in inbox.messages] == [[readers["juror2"]]]
    assert list(Reminder.objects.values_list("assignment__juror__username", flat=True)) == ["juror2"]
    failed = Entry.objects.get(action="mail.failed")
    assert failed.after["kind"] == "review_reminder" and list(failed.after["errors"]) == ["juror1"]
    assert "SMTPRecipientsRefused" in failed.after["errors"]["juror1"]


def _decide_and_publish(call, dossiers, people):
    from frenchtech.programme.deliberation.services import apply_proposals, record_decision

    set_phase(call, "deliberation")
    record_decision(call, dossiers["lyon"], {"decision": "deferred", "kind": "metropole",
                                             "rationale": "The federation is still to be formed."}, people["admin"])
    apply_proposals(call, [dossiers["bordeaux"].pk], people["admin"])
    admin = Client()
    admin.force_login(people["admin"])
    return publish(admin)


def test_decisions_published_reach_teams_and_jurors_in_their_language(call, dossiers, people, readers, inbox,
                                                                        django_capture_on_commit_callbacks):
    from frenchtech.messages import decision_words
    from frenchtech.programme.deliberation.services import public_decisions
    from frenchtech.programme.jury.services import assign

    set_phase(call, "review")
    assign(people["juror"], dossiers["bordeaux"], people["admin"], notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide_and_publish(call, dossiers, people).redirect_chain[-1][1] == 302
    call.refresh_from_db()
    en = inbox.one(readers["lyon"])
    assert en["subject"] == f"Decisions published: {call.name_en}"
    assert f"{dossiers['lyon'].name}: deferred." in en["body"]
    assert "The jury's reasons: The federation is still to be formed." in en["body"]
    bordeaux = next(r for r in public_decisions(call) if r["territory"] == "bordeaux")
    fr = inbox.one(readers["bordeaux"])
    assert fr["subject"] == f"Décisions publiées{NBSP}: {call.name}"
    assert f"{bordeaux['name']}{NBSP}: {decision_words('fr', bordeaux['decision'])}" in fr["body"]
    assert "ont été publiées le" in fr["body"]
    juror = inbox.one(readers["juror"])  # the call's juror: told, in French, without a territory's line
    assert juror["subject"] == f"Décisions publiées{NBSP}: {call.name}" and "Motifs du jury" not in juror["body"]
    assert not inbox.to(readers["juror2"])  # not a juror of this call


def test_a_refusing_mail_server_never_undoes_the_publication(call, dossiers, people, readers, settings,
                                                             django_capture_on_commit_callbacks):
    from frenchtech.programme.deliberation.models import Publication

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide_and_publish(call, dossiers, people).redirect_chain[-1][1] == 302
    call.refresh_from_db()
    assert call.published_at is not None and Publication.objects.filter(call=call).count() == 1
    failed = Entry.objects.get(action="mail.failed", campaign=call.campaign)
    assert failed.after["kind"] == "decisions_published"
    assert set(failed.after["errors"]) == {people["lyon"].username, people["bordeaux"].username}
    assert "ConnectionRefusedError" in failed.after["errors"][people["lyon"].username]
    assert not Entry.objects.filter(action="mail.sent", campaign=call.campaign).exists()


def test_a_deployment_configures_smtp_through_the_environment(tmp_path, inbox):
    """`frenchtech notify opened` in its own process, configured only by the documented variables, sends
    through the SMTP server they name; a bad FRENCHTECH_SMTP_TLS is refused naming the variable."""
    import os
    import subprocess
    import sys

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the command line's SQLite home; the notices on PostgreSQL are covered above")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRENCHTECH_", "DATABASE_URL"))}
    env.update(FRENCHTECH_HOME=str(tmp_path), FRENCHTECH_SMTP_HOST="127.0.0.1",
               FRENCHTECH_SMTP_PORT=str(inbox.port), FRENCHTECH_SMTP_TLS="off",
               FRENCHTECH_DEFAULT_FROM="annonces@frenchtech.example", FRENCHTECH_SITE_URL="https://ft.example/",
               DJANGO_SETTINGS_MODULE="frenchtech.web.settings")
    python = lambda code: subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    manage = "from frenchtech.web.manage import main; import sys; sys.argv = ['manage'] + {args!r}; main()"
    frenchtech = "from frenchtech.cli.main import main; import sys; sys.argv = ['frenchtech'] + {args!r}; main()"
    for args in (["migrate", "-v", "0"], ["open_call", "metropoles-2014"]):
        done = python(manage.format(args=args))
        assert done.returncode == 0, done.stderr
    done = python("import django; django.setup()\n"
                  "from frenchtech.programme.accounts.services import create_person\n"
                  "create_person('ana', 'correct-horse-9', 'admin', email='ana@frenchtech.example')\n"
                  "create_person('bob', 'correct-horse-9', 'juror', email='bob@frenchtech.example', language='en')\n")
    assert done.returncode == 0, done.stderr
    done = python(frenchtech.format(args=["notify", "opened"]))
    assert done.returncode == 0, done.stderr
    assert "2 sent" in done.stdout
    ana, bob = inbox.one("ana@frenchtech.example"), inbox.one("bob@frenchtech.example")
    assert ana["from"] == "annonces@frenchtech.example" and ana["subject"].startswith("Appel à candidatures ouvert")
    assert bob["subject"].startswith("Call for applications open: ") and "On the platform: https://ft.example" in bob["body"]

    env["FRENCHTECH_SMTP_TLS"] = "maybe"
    done = python(frenchtech.format(args=["notify", "opened"]))
    assert done.returncode == 2
    assert "error: FRENCHTECH_SMTP_TLS='maybe': expected starttls, ssl or off" in done.stderr
