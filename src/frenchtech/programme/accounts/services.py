"""Accounts: create people with a role, teams, and the login rate limit."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from frenchtech.programme.accounts.models import (
    LoginAttempt,
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
def create_person(username: str, password: str, role: str, *, email: str = "", team=None, actor=None):
    user = get_user_model().objects.create_user(username=username, password=password, email=email,
                                                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    Profile.objects.create(user=user, role=role, team=team)
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


def login_blocked(username: str, address: str, now=None) -> bool:
    since = (now or timezone.now()) - WINDOW
    recent = LoginAttempt.objects.filter(at__gte=since)
    return (recent.filter(username=username.lower()).count() >= MAX_FAILURES
            or recent.filter(address=address).count() >= MAX_FAILURES * 4)


def login_failed(username: str, address: str) -> None:
    LoginAttempt.objects.create(username=username.lower(), address=address)


def login_succeeded(username: str) -> None:
    LoginAttempt.objects.filter(username=username.lower()).delete()
