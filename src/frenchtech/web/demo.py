"""The demo campaign on the platform: audit (generated evidence), call opened, demo accounts, dossiers.

Everything here goes through the programme services, like a programme team would.
"""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from frenchtech.audit import run_audit
from frenchtech.campaign import load_campaign
from frenchtech.programme.accounts.models import Role, TerritoryTeam
from frenchtech.programme.accounts.services import create_person
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.services import (
    create_dossier,
    open_call,
    set_calendar,
    submit_dossier,
    update_dossier,
)
from frenchtech.programme.fund import desk
from frenchtech.programme.jury.services import batch_assign
from frenchtech.sources.dossier import read_dossier
from frenchtech.sources.generate import generate_evidence

DEMO_PASSWORD_BYTES = 9
# Territories left without a team so that a visitor can register one.
LEFT_FOR_REGISTRATION = ("brest", "rouen")
# Demo dossiers are written as a French territory team would write them (in French).
NARRATIVE = {
    "ecosystem": "Startups, laboratoires de recherche et grands groupes travaillent déjà ensemble dans la métropole.",
    "ambition": "Doubler en trois ans le nombre de startups qui lèvent une série A.",
    "federation": "Une association menée par des fondateurs fédère incubateurs, écoles et investisseurs.",
    "accelerators": "Deux accélérateurs privés sont engagés ; un troisième est en discussion.",
    "flagship": "Un bâtiment totem de 10 000 m² en centre-ville accueille l'écosystème.",
    "international": "Guichet d'accueil des fondateurs étrangers, délégation annuelle sur les salons internationaux.",
}


def ensure_audit(campaign_file, workdir: Path, rows: int = 100_000, tech_density: str = "sample") -> Path:
    """The demo audit folder: generated evidence and its audit, made once and reused (``tech_density``: see
    ``generate_evidence``)."""
    audit = workdir / "audit"
    if (audit / "manifest.json").is_file():
        return audit
    campaign = load_campaign(campaign_file)
    evidence = workdir / "evidence"
    if not (evidence / "GENERATED.json").is_file():
        generate_evidence(campaign, evidence, rows=rows, seed=campaign.seed, tech_density=tech_density)
    run_audit(campaign, evidence, audit)
    return audit


def _declared_figures(workdir: Path, territory: str) -> dict:
    for ext in ("toml", "json"):
        path = workdir / "evidence" / "dossiers" / f"{territory}.{ext}"
        if path.is_file():
            return read_dossier(path)[2]
    return {}


def _password() -> str:
    return secrets.token_urlsafe(DEMO_PASSWORD_BYTES)


def _fund_batch(n: int = 60, seed: int = 1) -> None:
    """GENERATED applications to the accelerator fund for the fund manager's pages (kept if present)."""
    f = desk.fund()
    if not desk.applications(f):
        desk.generate(f, n, seed)


@transaction.atomic
def load_demo(campaign_file, workdir: Path, rows: int = 100_000, stage: str = "review",
              tech_density: str = "sample") -> list[tuple[str, str, str]]:
    """Open the demo call and fill it; returns the demo accounts as (role, user name, password).

    ``stage``: "open" leaves the call open for applications (two territories are left for a visitor to
    register); "review" (default) closes applications and assigns two jurors per dossier, so that
    jurors can score at once."""
    audit = ensure_audit(campaign_file, workdir, rows, tech_density)
    User = get_user_model()
    accounts = []

    def person(username, role, team=None):
        password = _password()
        user = User.objects.filter(username=username).first()
        if user is None:
            create_person(username, password, role, email=f"{username}@demo.localhost", team=team)
        else:
            user.set_password(password)
            user.save()
        accounts.append((role, username, password))
        return User.objects.get(username=username)

    admin = person("admin", Role.ADMIN)
    opens = timezone.now() - dt.timedelta(days=1)
    call = open_call(campaign_file, opens=opens, audit_dir=audit, actor=admin)
    jurors = [person(f"juror{i}", Role.JUROR) for i in (1, 2, 3)]
    person("fund", Role.FUND_MANAGER)
    _fund_batch()
    campaign = load_call_campaign(call)
    for spec in campaign.specs:
        if spec.id in LEFT_FOR_REGISTRATION:
            continue
        team, _ = TerritoryTeam.objects.get_or_create(campaign=campaign.id, territory=spec.id,
                                                      defaults={"name": spec.name})
        member = person(f"team-{spec.id}", Role.APPLICANT, team)
        dossier = call.dossiers.filter(team=team).first() or create_dossier(call, team, member)
        if dossier.locked:
            continue
        update_dossier(dossier, {"name": spec.name, "epci": list(spec.epci), "communes": list(spec.communes),
                                 "declared": _declared_figures(workdir, spec.id), "narrative": NARRATIVE,
                                 "structures": [f"Incubateur {spec.name}"], "initiatives": ["Startup Weekend"]},
                       member)
        submit_dossier(dossier, member)
    if stage == "review":
        now = timezone.now()
        set_calendar(call, admin, deadline=now - dt.timedelta(minutes=1))
        batch_assign(call, jurors, list(call.dossiers.all()), 2, admin)
    return accounts
