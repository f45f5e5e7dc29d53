"""``frenchtech notify``: the scheduled e-mail notices (run it from cron or a systemd timer, e.g. hourly).
Each notice goes once to each person for a given call and date; running it again sends nothing new."""
from __future__ import annotations

import datetime as dt
import os

import click


def _setup():
    # The platform's settings: the same database and e-mail configuration as `frenchtech serve`.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frenchtech.web.settings")
    from frenchtech import programme

    programme.setup()
    # Django is configured only now (setup above): the notices' module needs its models.
    from frenchtech.programme import notifications

    return notifications


def _report(call, outcome) -> None:
    click.echo(f"  {call.campaign}: {len(outcome.sent)} sent"
               + (f", {len(outcome.failed)} failed ({', '.join(sorted(outcome.failed))})" if outcome.failed else "")
               + (f", {len(outcome.no_address)} without an e-mail address" if outcome.no_address else ""))


@click.group()
def notify():
    """E-mail notices that are due: a call opened, a deadline approaching."""


@notify.command()
def opened():
    """Announce every open call not announced yet (to applicant teams, jurors and programme admins)."""
    notifications = _setup()
    calls = notifications.due_openings()
    click.echo(f"{len(calls)} open call(s)")
    for call in calls:
        _report(call, notifications.call_opened(call))


@notify.command()
@click.option("--within", type=click.IntRange(min=1), default=7, show_default=True,
              help="Days before the deadline from which teams are reminded.")
def deadlines(within):
    """Remind the teams whose dossier is not submitted when their call's deadline is near."""
    notifications = _setup()
    calls = notifications.due_deadlines(dt.timedelta(days=within))
    click.echo(f"{len(calls)} call(s) closing within {within} day(s)")
    for call in calls:
        _report(call, notifications.deadline_approaching(call))
