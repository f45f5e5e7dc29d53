"""Accounts: create people with a role, teams, and the login rate limit."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from frenchtech.programme.accounts.models import (
    LoginAttempt,
    LoginFailureCount,
    Profile,
    Role,
    TerritoryTeam,
)
from frenchtech.programme.activity.services import record

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def role_of(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return Role.PUBLIC
    profile = getattr(user, "profile", None)
    if profile is None:
        return Role.ADMIN if user.is_superuser else Role.PUBLIC
    return profile.role


def team_of(user):
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.team if profile else None


@transaction.atomic
def create_person(username: str, password: str, role: str, *, email: str = "", team=None, actor=None,
                  language: str | None = None):
    """``language``: of the e-mails the person receives (default: the programme's, French)."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email,
                                                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    Profile.objects.create(user=user, role=role, team=team, **({"language": language} if language else {}))
    record(actor or user, "account.create", user, after={"username": username, "role": role,
                                                         "team": team.territory if team else None})
    return user


def free_territories(campaign) -> list:
    """Candidate territories of a campaign that have no team yet: (id, name)."""
    taken = set(TerritoryTeam.objects.filter(campaign=campaign.id).values_list("territory", flat=True))
    return [(s.id, s.name) for s in campaign.specs if s.id not in taken]


@transaction.atomic
def register_applicant(campaign, territory: str, username: str, password: str, email: str = ""):
    """Open a territory team and its first member. One team per territory and campaign."""
    spec = campaign.spec(territory)
    team = TerritoryTeam.objects.create(campaign=campaign.id, territory=territory, name=spec.name)
    return create_person(username, password, Role.APPLICANT, email=email, team=team)


# The login rate limit. Failures count per account (whatever the address) and per account and
# address; an address alone never counts, so one gateway's failures never lock out the accounts that
# did not fail there. A login first reserves one failure on both counts, in one transaction of
# conditional UPDATEs (``failures < MAX_FAILURES``: PostgreSQL locks the row and re-reads it, SQLite
# serialises writers), and only then checks the password: however many attempts arrive at once, at
# most MAX_FAILURES checks fail per account and window. The window runs from the first failure. A
# success clears the account's count and its own address's, not the others': another address's
# failures still stand. Rows are only inserted and updated, always account first, then address.
#
# django-axes was evaluated and not used: its backend checks the lock-out before the password check
# and its user_login_failed handler records the failure after it, so parallel attempts all pass the
# check (jazzband/django-axes#592, "known issue, won't fix"), whatever its lock-out parameters.


def _login_keys(username: str, address: str) -> tuple[str, str]:
    name = username.lower()[:150]
    return f"account:{name}", f"address:{address[:64]} {name}"


def reserve_login(username: str, address: str, now=None) -> bool:
    """Reserve one password check for ``username`` from ``address``, counted as a failure until
    ``login_succeeded``; False (nothing reserved) when the account, or the account from this address,
    has MAX_FAILURES failures in the window."""
    now = now or timezone.now()
    expired = Q(since__lte=now - WINDOW)
    keys = _login_keys(username, address)
    with transaction.atomic():
        # Writes only, from the first statement: SQLite waits for the write lock instead of failing.
        LoginFailureCount.objects.bulk_create([LoginFailureCount(key=k, since=now) for k in keys],
                                              ignore_conflicts=True)
        for key in keys:
            room = LoginFailureCount.objects.filter(Q(key=key), Q(failures__lt=MAX_FAILURES) | expired)
            taken = room.update(failures=Case(When(expired, then=Value(1)), default=F("failures") + 1),
                                since=Case(When(expired, then=Value(now)), default=F("since")))
            if not taken:
                transaction.set_rollback(True)
                return False
    return True


def login_failed(username: str, address: str) -> None:
    """The reserved check failed: it stays counted; the attempt is logged."""
    LoginAttempt.objects.create(username=username.lower()[:150], address=address[:64])


def login_succeeded(username: str, address: str, now=None) -> None:
    """Clear the account's count and this address's count for it (other addresses' stand)."""
    now = now or timezone.now()
    for key in _login_keys(username, address):
        LoginFailureCount.objects.filter(key=key).update(failures=0, since=now)
