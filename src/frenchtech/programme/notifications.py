"""E-mail to the programme's people, each in their own language (``Profile.language``), through
Django's e-mail framework (console by default, SMTP by configuration: see web/settings.py).

Five notices: a call opened, its deadline approaching (to teams whose dossier is not submitted), reviews
assigned and reviews outstanding (to jurors), decisions published (to the call's teams and jurors).
Subject and body are English message ids of the one catalogue, written in the recipient's language.

Sending never undoes what it announces: the services send after their transaction commits
(``transaction.on_commit``), and a message that cannot be sent is recorded in the activity log
(``mail.failed``, with the error) instead of raising. Scheduled notices (call opened, deadline) are
recorded per person (``Notice``) and go once to each person for a given call and date.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frenchtech import messages
from frenchtech.programme.accounts.models import Notice, Role
from frenchtech.programme.activity.services import record
from frenchtech.programme.dossiers.models import Call, Dossier, Status
from frenchtech.programme.jury.models import Assignment

log = logging.getLogger(__name__)

CALL_OPENED = "call_opened"
DEADLINE = "deadline_approaching"
REVIEW_ASSIGNED = "review_assigned"
REVIEW_REMINDER = "review_reminder"
DECISIONS_PUBLISHED = "decisions_published"


@dataclass
class Outcome:
    """Who was sent the notice, who could not be (user name -> error), who has no address."""
    sent: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    no_address: list = field(default_factory=list)


def language_of(user) -> str:
    profile = getattr(user, "profile", None)
    lang = getattr(profile, "language", None) or settings.LANGUAGE_CODE
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def call_name(call, lang: str) -> str:
    return (call.name_en or call.name) if lang == "en" else call.name


def when(lang: str, moment: dt.datetime) -> str:
    """A date and time in the programme's time zone, as the language writes them."""
    local = timezone.localtime(moment)
    return messages.gettext(lang, "%(date)s, %(time)s", date=messages.date(lang, local.date().isoformat()),
                            time=messages.time(lang, local))


def day(lang: str, moment) -> str:
    value = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return messages.date(lang, value.isoformat())


def _letter(lang: str, user, subject: str, paragraphs: list[str]) -> tuple[str, str]:
    """Subject and plain-text body: greeting, the paragraphs, the platform's address, the signature."""
    t = lambda msg, **p: messages.gettext(lang, msg, **p)
    body = [t("Hello %(name)s,", name=user.get_full_name() or user.get_username()), *paragraphs]
    site = getattr(settings, "SITE_URL", "")
    if site:
        body.append(t("On the platform: %(url)s", url=site))
    body.append(t("The French Tech programme team") + "\n-- \n"
                + t("You receive this e-mail because you have an account on the programme's platform."))
    return subject, "\n\n".join(body) + "\n"


def deliver(kind: str, letters, *, campaign: str = "", actor=None, key: str = "") -> Outcome:
    """Send each (user, write) of ``letters``, ``write(lang, user)`` giving (subject, body) in the user's
    language, over one connection. Failures are recorded in the activity log, never raised; a server
    that cannot be reached fails the rest of the batch at once (one timeout, not one per person).
    ``key``: record a ``Notice`` per person reached (scheduled notices)."""
    out = Outcome()
    connection, unreachable = None, ""
    for user, write in letters:
        name = user.get_username()
        if not user.email:
            out.no_address.append(name)
            continue
        if unreachable:
            out.failed[name] = unreachable
            continue
        lang = language_of(user)
        subject, body = write(lang, user)
        mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email],
                            headers={"Content-Language": lang})
        if connection is None:
            try:
                connection = get_connection()
                connection.open()
            except Exception as exc:  # any transport error: the notice is lost, not the programme's action
                log.warning("e-mail %s: server unreachable: %s", kind, exc)
                unreachable = out.failed[name] = f"{type(exc).__name__}: {exc}"
                connection = _close(connection)
                continue
        try:
            mail.connection = connection
            mail.send()
        except Exception as exc:  # this message only (a refused address...): the next one reconnects
            log.warning("e-mail %s to %s not sent: %s", kind, name, exc)
            out.failed[name] = f"{type(exc).__name__}: {exc}"
            connection = _close(connection)
            continue
        out.sent.append(name)
        if key:
            Notice.objects.create(user=user, kind=kind, key=key, language=lang)
    _close(connection)
    if out.sent:
        record(actor, "mail.sent", None, after={"kind": kind, "key": key, "to": out.sent}, campaign=campaign)
    if out.failed or out.no_address:
        record(actor, "mail.failed", None, after={"kind": kind, "key": key, "errors": out.failed,
                                                  "no_address": out.no_address}, campaign=campaign)
    return out


def after_commit(notice, call, *args, actor=None) -> None:
    """Send ``notice(call, *args, actor=actor)`` once the current transaction commits. Whatever goes
    wrong then is recorded in the activity log, never raised: what was committed stands."""
    def run():
        try:
            notice(call, *args, actor=actor)
        except Exception as exc:
            log.exception("notice %s of %s not sent", notice.__name__, call.campaign)
            record(actor, "mail.failed", None, after={"kind": notice.__name__,
                                                      "errors": {"": f"{type(exc).__name__}: {exc}"}},
                   campaign=call.campaign)

    transaction.on_commit(run, robust=True)


def _close(connection):
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide the error already recorded
            pass
    return None


def _not_yet(users, kind: str, key: str):
    done = set(Notice.objects.filter(kind=kind, key=key).values_list("user_id", flat=True))
    return [u for u in users if u.pk not in done]


def _people(q: Q):
    return list(get_user_model().objects.filter(q, is_active=True).select_related("profile").order_by("username"))


# -- the five notices ---------------------------------------------------------------------------------

def call_opened(call, actor=None) -> Outcome:
    """The call is open: to the applicant teams (of any campaign), the jurors and the programme admins."""
    def write(lang, user):
        t = lambda msg, **p: messages.gettext(lang, msg, **p)
        name = call_name(call, lang)
        return _letter(lang, user, t("Call for applications open: %(call)s", call=name), [
            t("The call for applications “%(call)s” is open. Dossiers are submitted on the platform until "
              "%(deadline)s.", call=name, deadline=when(lang, call.deadline))])

    key = f"{call.pk}:{call.opens.isoformat()}"
    people = _people(Q(profile__role__in=[Role.APPLICANT, Role.JUROR, Role.ADMIN]))
    return deliver(CALL_OPENED, [(u, write) for u in _not_yet(people, CALL_OPENED, key)],
                   campaign=call.campaign, actor=actor, key=key)


def deadline_approaching(call, actor=None) -> Outcome:
    """The deadline is near: to the members of every team of the campaign whose dossier is not submitted."""
    submitted = set(Dossier.objects.filter(call=call, status=Status.SUBMITTED).values_list("team_id", flat=True))
    people = [u for u in _people(Q(profile__team__campaign=call.campaign, profile__role=Role.APPLICANT))
              if u.profile.team_id not in submitted]

    def write(lang, user):
        t = lambda msg, **p: messages.gettext(lang, msg, **p)
        name = call_name(call, lang)
        return _letter(lang, user, t("Deadline on %(date)s: %(call)s", date=day(lang, call.deadline), call=name), [
            t("The dossier of %(territory)s is not submitted yet. The call “%(call)s” closes on %(deadline)s; "
              "a dossier still in draft then is not examined.", territory=user.profile.team.name, call=name,
              deadline=when(lang, call.deadline))])

    key = f"{call.pk}:{call.deadline.isoformat()}"
    return deliver(DEADLINE, [(u, write) for u in _not_yet(people, DEADLINE, key)],
                   campaign=call.campaign, actor=actor, key=key)


def _dossier_lines(assignments) -> str:
    return "\n".join(f"- {a.dossier.name}" for a in sorted(assignments, key=lambda a: a.dossier.name))


def _by_juror(assignments) -> dict:
    out: dict = {}
    for a in assignments:
        out.setdefault(a.juror, []).append(a)
    return out


def reviews_assigned(call, assignments, actor=None) -> Outcome:
    """New assignments: one e-mail per juror listing the dossiers given to them."""
    def letter(items):
        def write(lang, user):
            t = lambda msg, **p: messages.gettext(lang, msg, **p)
            name = call_name(call, lang)
            return _letter(lang, user, t("Dossiers to review: %(call)s", call=name), [
                t("These dossiers of the call “%(call)s” are given to you to review:", call=name)
                + "\n" + _dossier_lines(items),
                t("Reviews are due by %(date)s.", date=when(lang, call.review_ends))])
        return write

    return deliver(REVIEW_ASSIGNED, [(j, letter(items)) for j, items in _by_juror(assignments).items()],
                   campaign=call.campaign, actor=actor)


def review_reminder(call, assignments, actor=None) -> tuple[Outcome, dict]:
    """Outstanding reviews: one e-mail per juror listing them. Returns the outcome and {juror: items}."""
    grouped = _by_juror(assignments)

    def letter(items):
        def write(lang, user):
            t = lambda msg, **p: messages.gettext(lang, msg, **p)
            name = call_name(call, lang)
            return _letter(lang, user, t("Reviews to complete: %(call)s", call=name), [
                t("These reviews of the call “%(call)s” are still to be submitted before %(date)s:",
                  call=name, date=when(lang, call.review_ends)) + "\n" + _dossier_lines(items)])
        return write

    return deliver(REVIEW_REMINDER, [(j, letter(items)) for j, items in grouped.items()],
                   campaign=call.campaign, actor=actor), grouped


def decisions_published(call, decisions, actor=None) -> Outcome:
    """The decisions are public: to the campaign's teams (with their territory's decision, a row of the
    deliberation's ``public_decisions``) and the call's jurors."""
    rows = {r["territory"]: r for r in decisions}
    jurors = set(Assignment.objects.filter(call=call).values_list("juror_id", flat=True))
    people = _people(Q(profile__team__campaign=call.campaign, profile__role=Role.APPLICANT) | Q(pk__in=jurors))

    def write(lang, user):
        t = lambda msg, **p: messages.gettext(lang, msg, **p)
        name = call_name(call, lang)
        paragraphs = [t("The jury's decisions for the call “%(call)s” were published on %(date)s.",
                        call=name, date=day(lang, call.published_at))]
        team = getattr(user.profile, "team", None)
        row = rows.get(team.territory) if team is not None and team.campaign == call.campaign else None
        if row is not None:
            decision = messages.decision_words(lang, row["decision"])
            if row.get("starts") and row.get("ends"):
                paragraphs.append(t("%(territory)s: %(decision)s, from %(start)s to %(end)s.", territory=row["name"],
                                    decision=decision, start=day(lang, row["starts"]), end=day(lang, row["ends"])))
            else:
                paragraphs.append(t("%(territory)s: %(decision)s.", territory=row["name"], decision=decision))
            if row.get("rationale"):
                paragraphs.append(t("The jury's reasons: %(rationale)s", rationale=row["rationale"]))
        return _letter(lang, user, t("Decisions published: %(call)s", call=name), paragraphs)

    return deliver(DECISIONS_PUBLISHED, [(u, write) for u in people], campaign=call.campaign, actor=actor)


# -- scheduled notices --------------------------------------------------------------------------------

def due_openings(now=None) -> list:
    """Calls open now (their opening passed, their deadline not) whose opening is not announced yet."""
    now = now or timezone.now()
    return [c for c in Call.objects.filter(opens__lte=now, deadline__gt=now, published_at__isnull=True)
            .order_by("opens")]


def due_deadlines(within: dt.timedelta, now=None) -> list:
    """Open calls whose deadline falls within ``within`` from now."""
    now = now or timezone.now()
    return list(Call.objects.filter(opens__lte=now, deadline__gt=now, deadline__lte=now + within,
                                    published_at__isnull=True).order_by("deadline"))
