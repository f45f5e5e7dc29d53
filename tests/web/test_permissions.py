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
from frenchtech.programme.jury.models import Assignment
from frenchtech.programme.jury.services import CRITERIA_2014, assign, declare_conflict, save_review
from tests.web.conftest import NARRATIVE, PASSWORD, set_phase

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
    # A juror sees the jury's reviews of a dossier only after submitting their own (independent review):
    # the world's juror has submitted a review of their own dossier, in a call that is not blind; the
    # juror who has not, and blind calls, are tested below.
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


def _submitted(call, territory):
    from frenchtech.programme.dossiers.services import submit_dossier, update_dossier

    team = TerritoryTeam.objects.create(campaign="metropoles-2014", territory=territory, name=territory)
    member = create_person(f"team-{territory}", PASSWORD, Role.APPLICANT, team=team)
    d = create_dossier(call, team, member)
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes, "narrative": NARRATIVE,
                       "declared": {"funding_eur": 1000000, "support_structures": 4}}, member)
    d = submit_dossier(d, member)
    d.call = call  # the dossier sees the phases the tests set on the call
    return d


@pytest.fixture
def world(call, people):
    """Draft dossiers for Lyon and Bordeaux (the applicants' own and other); submitted dossiers for Nantes
    and Toulouse (the juror's own and other: only submitted dossiers reach jurors): juror1 is assigned to
    Nantes only and has submitted a review of it; an applicant of another campaign."""
    lyon = create_dossier(call, team_of(people["lyon"]), people["lyon"])
    bordeaux = create_dossier(call, team_of(people["bordeaux"]), people["bordeaux"])
    nantes, toulouse = _submitted(call, "nantes"), _submitted(call, "toulouse")
    a = assign(people["juror"], nantes)
    save_review(a, {c["id"]: 3 for c in CRITERIA_2014}, "Fine.", submit=True)
    elsewhere = TerritoryTeam.objects.create(campaign="metropoles-2015", territory="lyon", name="Lyon 2015")
    outsider = create_person("team-2015", PASSWORD, Role.APPLICANT, team=elsewhere)
    users = {"admin": people["admin"], "applicant": people["lyon"], "juror": people["juror"],
             "fund_manager": people["fund"], "public": AnonymousUser()}
    return {"call": call, "lyon": lyon, "bordeaux": bordeaux, "nantes": nantes, "toulouse": toulouse,
            "users": users, "outsider": outsider}


def _subject(world, action, role, relation):
    if action in DOSSIER_ACTIONS and role == "juror":
        return world["users"][role], world["nantes"] if relation == "own" else world["toulouse"]
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
    juror, nantes = world["users"]["juror"], world["nantes"]
    assert can(juror, "review.score", nantes) and can(juror, "review.see", nantes)
    declare_conflict(juror, world["call"], "nantes", "Board member of the Nantes association")
    for action in ("review.score", "review.see", "dossier.view", "attachment.view"):
        v = can(juror, action, nantes)
        assert not v and "conflict" in str(v.reason)


def test_blind_review_hides_other_scores_from_jurors_until_deliberation(world):
    call = set_phase(world["call"], "review")
    call.blind_review = True
    call.save()
    v = can(world["users"]["juror"], "review.see", world["nantes"])
    assert not v and "Blind review" in str(v.reason)
    assert can(world["users"]["admin"], "review.see", world["nantes"])
    for phase in ("deliberation", "published"):
        set_phase(call, phase)
        assert can(world["users"]["juror"], "review.see", world["nantes"]), phase


def test_juror_sees_reviews_only_after_submitting_their_own(world, people):
    set_phase(world["call"], "review")
    juror2, nantes = people["juror2"], world["nantes"]
    a = assign(juror2, nantes)
    v = can(juror2, "review.see", nantes)
    assert not v and "Submit your own review first" in str(v.reason)
    save_review(a, {"ecosystem": 4}, "draft", submit=False)       # a draft is not a submitted review
    assert not can(juror2, "review.see", nantes)
    save_review(a, {c["id"]: 4 for c in CRITERIA_2014}, "done", submit=True)
    assert can(juror2, "review.see", nantes)


def test_stale_assignment_to_a_draft_opens_nothing(world):
    """Only submitted dossiers reach jurors: an assignment row left on a draft grants no access."""
    juror, lyon = world["users"]["juror"], world["lyon"]
    Assignment.objects.create(call=world["call"], juror=juror, dossier=lyon)
    for phase in Phase.values:
        set_phase(world["call"], phase)
        lyon.call = world["call"]
        for action in ("dossier.view", "attachment.view", "review.score", "review.see"):
            v = can(juror, action, lyon)
            assert not v, (phase, action)
            assert str(v.reason)
            if action in ("dossier.view", "attachment.view") and phase != "upcoming":
                assert "draft" in str(v.reason), (phase, action, str(v.reason))


def test_fund_actions_outside_any_campaign(world):
    """The fund's pages are checked without a call: fund managers and admins only, others told why."""
    for action in ("fund.view", "fund.manage"):
        for role in ROLES:
            verdict = can(world["users"][role], action, None)
            assert bool(verdict) == (role in ("admin", "fund_manager")), (action, role)
            assert verdict or str(verdict.reason)
