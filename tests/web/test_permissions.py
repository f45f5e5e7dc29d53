"""The permission matrix: every action x role x own/other object x phase of the calendar, against an
expected table written here independently of the workflow declaration."""
from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from frenchtech.programme.accounts.models import Role, TerritoryTeam
from frenchtech.programme.accounts.permissions import ACTIONS, can
from frenchtech.programme.accounts.services import create_person, team_of
from frenchtech.programme.dossiers.models import Phase
from frenchtech.programme.dossiers.services import create_dossier
from frenchtech.programme.jury.services import assign, declare_conflict
from tests.web.conftest import PASSWORD, set_phase

ALL = {"upcoming", "open", "review", "deliberation", "published"}
AFTER_DEADLINE = {"review", "deliberation", "published"}
BEFORE_DELIBERATION = {"upcoming", "open", "review"}
ROLES = ("admin", "applicant", "juror", "fund_manager", "public")

# action -> role -> relation ("own" or "other") -> phases where the action is allowed. Absent: never.
EXPECTED = {
    "dossier.create": {"applicant": {"own": {"open"}}},
    "dossier.view": {"admin": {"own": ALL, "other": ALL}, "applicant": {"own": ALL}, "juror": {"own": ALL}},
    "dossier.edit": {"applicant": {"own": {"open"}}},
    "dossier.submit": {"applicant": {"own": {"open"}}},
    "attachment.view": {"admin": {"own": ALL, "other": ALL}, "applicant": {"own": ALL}, "juror": {"own": ALL}},
    "review.score": {"juror": {"own": {"review"}}},
    "review.see": {"admin": {"own": AFTER_DEADLINE, "other": AFTER_DEADLINE}, "juror": {"own": AFTER_DEADLINE}},
    "conflict.declare": {"juror": {"own": BEFORE_DELIBERATION, "other": BEFORE_DELIBERATION}},
    "jury.assign": {"admin": {"own": BEFORE_DELIBERATION, "other": BEFORE_DELIBERATION}},
    "dossier.deliberate": {"admin": {"own": {"deliberation", "published"}, "other": {"deliberation", "published"}}},
    "decision.record": {"admin": {"own": {"deliberation"}, "other": {"deliberation"}}},
    "call.publish": {"admin": {"own": {"deliberation"}, "other": {"deliberation"}}},
    "call.manage": {"admin": {"own": ALL, "other": ALL}},
    "activity.view": {"admin": {"own": ALL, "other": ALL}},
    "decision.public": {r: {"own": {"published"}, "other": {"published"}} for r in ROLES},
    "fund.view": {"admin": {"own": ALL, "other": ALL}, "fund_manager": {"own": ALL, "other": ALL}},
    "fund.manage": {"admin": {"own": ALL, "other": ALL}, "fund_manager": {"own": ALL, "other": ALL}},
}
DOSSIER_ACTIONS = {"dossier.view", "dossier.edit", "dossier.submit", "attachment.view", "review.score",
                   "review.see", "dossier.deliberate", "decision.record"}


def test_expected_table_covers_every_action():
    assert set(EXPECTED) == set(ACTIONS)


@pytest.fixture
def world(call, people):
    """Draft dossiers for Lyon and Bordeaux; juror1 assigned to Lyon only; an applicant of another campaign."""
    lyon = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    bordeaux = create_dossier(call, team_of(people["bordeaux"]), people["bordeaux"])
    assign(people["juror"], lyon)
    elsewhere = TerritoryTeam.objects.create(campaign="metropoles-2015", territory="lyon", name="Lyon 2015")
    outsider = create_person("team-2015", PASSWORD, Role.APPLICANT, team=elsewhere)
    users = {"admin": people["admin"], "applicant": people["lyon"], "juror": people["juror"],
             "fund_manager": people["fund"], "public": AnonymousUser()}
    return {"call": call, "lyon": lyon, "bordeaux": bordeaux, "users": users, "outsider": outsider}


def _subject(world, action, role, relation):
    if action in DOSSIER_ACTIONS:
        return world["users"][role], world["lyon"] if relation == "own" else world["bordeaux"]
    if role == "applicant" and relation == "other":
        return world["outsider"], world["call"]
    return world["users"][role], world["call"]


def test_permission_matrix(world):
    mismatches = []
    for phase in Phase.values:
        set_phase(world["call"], phase)
        for action, role, relation in itertools.product(ACTIONS, ROLES, ("own", "other")):
            user, obj = _subject(world, action, role, relation)
            if hasattr(obj, "call_id"):
                obj.call = world["call"]  # the dossier sees the phase just set
            expected = phase in EXPECTED[action].get(role, {}).get(relation, set())
            verdict = can(user, action, obj)
            if bool(verdict) != expected:
                mismatches.append((phase, action, role, relation, expected, str(verdict.reason)))
            if not verdict:
                assert str(verdict.reason), (phase, action, role, relation)
    assert not mismatches, "\n".join(map(str, mismatches))


def test_submitted_dossier_is_locked(world):
    from frenchtech.programme.dossiers.services import submit_dossier, update_dossier
    from tests.web.conftest import NARRATIVE

    set_phase(world["call"], "open")
    d = world["lyon"]
    applicant = world["users"]["applicant"]
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes, "narrative": NARRATIVE}, applicant)
    submit_dossier(d, applicant)
    d.refresh_from_db()
    v = can(world["users"]["applicant"], "dossier.edit", d)
    assert not v and "locked" in str(v.reason)


def test_conflicted_juror_can_neither_see_nor_score(world):
    set_phase(world["call"], "review")
    juror, lyon = world["users"]["juror"], world["lyon"]
    assert can(juror, "review.score", lyon)
    declare_conflict(juror, world["call"], "lyon", "Board member of the Lyon association")
    for action in ("review.score", "review.see", "dossier.view", "attachment.view"):
        v = can(juror, action, lyon)
        assert not v and "conflict" in str(v.reason)


def test_blind_review_hides_other_scores_from_jurors(world):
    call = set_phase(world["call"], "review")
    call.blind_review = True
    call.save()
    assert not can(world["users"]["juror"], "review.see", world["lyon"])
    assert can(world["users"]["admin"], "review.see", world["lyon"])


def test_fund_actions_outside_any_campaign(world):
    """The fund's pages are checked without a call: fund managers and admins only, others told why."""
    for action in ("fund.view", "fund.manage"):
        for role in ROLES:
            verdict = can(world["users"][role], action, None)
            assert bool(verdict) == (role in ("admin", "fund_manager")), (action, role)
            assert verdict or str(verdict.reason)
