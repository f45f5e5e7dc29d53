"""Who may do what, when: the workflow as data, and one small function answering (allowed, reason).

Each action names the roles allowed, the relation each role needs with the object (``any``: none;
``team``: the applicant's team owns the dossier or applies to the call; ``assigned``: the juror is
assigned to the dossier, has declared no conflict with its territory, and the dossier has been
submitted: a stale assignment to a draft opens nothing) and the phases of the call's calendar during
which it is open. Reviews are independent: a juror sees the other jurors' reviews of a dossier
("review.see") only once they have submitted their own, and in a blind call only from the deliberation
on. The permission matrix test reads none of this: it states the expected answers independently.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from frenchtech.programme.accounts.models import Role
from frenchtech.programme.accounts.services import role_of, team_of
from frenchtech.programme.dossiers.models import Call, Dossier, Phase, Status
from frenchtech.programme.jury.models import Assignment, Conflict, Review

ALL_PHASES = frozenset(Phase.values)
AFTER_DEADLINE = frozenset({Phase.REVIEW, Phase.DELIBERATION, Phase.PUBLISHED})
BEFORE_DELIBERATION = frozenset({Phase.UPCOMING, Phase.OPEN, Phase.REVIEW})
FROM_DELIBERATION = frozenset({Phase.DELIBERATION, Phase.PUBLISHED})


@dataclass(frozen=True)
class Rule:
    roles: dict            # role -> relation: "any" | "team" | "assigned"
    phases: frozenset = ALL_PHASES
    draft_only: bool = False


WORKFLOW: dict[str, Rule] = {
    "dossier.create": Rule({Role.APPLICANT: "team"}, frozenset({Phase.OPEN})),
    "dossier.view": Rule({Role.ADMIN: "any", Role.APPLICANT: "team", Role.JUROR: "assigned"}),
    "dossier.edit": Rule({Role.APPLICANT: "team"}, frozenset({Phase.OPEN}), draft_only=True),
    "dossier.submit": Rule({Role.APPLICANT: "team"}, frozenset({Phase.OPEN}), draft_only=True),
    "attachment.view": Rule({Role.ADMIN: "any", Role.APPLICANT: "team", Role.JUROR: "assigned"}),
    "review.score": Rule({Role.JUROR: "assigned"}, frozenset({Phase.REVIEW})),
    "review.see": Rule({Role.ADMIN: "any", Role.JUROR: "assigned"}, AFTER_DEADLINE),
    "conflict.declare": Rule({Role.JUROR: "any"}, BEFORE_DELIBERATION),
    "jury.assign": Rule({Role.ADMIN: "any"}, BEFORE_DELIBERATION),
    "dossier.deliberate": Rule({Role.ADMIN: "any"}, frozenset({Phase.DELIBERATION, Phase.PUBLISHED})),
    "decision.record": Rule({Role.ADMIN: "any"}, frozenset({Phase.DELIBERATION})),
    "call.publish": Rule({Role.ADMIN: "any"}, frozenset({Phase.DELIBERATION})),
    "call.manage": Rule({Role.ADMIN: "any"}),
    "activity.view": Rule({Role.ADMIN: "any"}),
    "decision.public": Rule({r: "any" for r in Role.values}, frozenset({Phase.PUBLISHED})),
    # The accelerator fund is not tied to a campaign's calendar: checked with obj=None (or a call).
    "fund.view": Rule({Role.ADMIN: "any", Role.FUND_MANAGER: "any"}),
    "fund.manage": Rule({Role.ADMIN: "any", Role.FUND_MANAGER: "any"}),
}
ACTIONS = tuple(WORKFLOW)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str

    def __bool__(self):
        return self.allowed


def _call_of(obj):
    return obj if isinstance(obj, Call) else obj.call


def _relation_holds(user, relation: str, obj) -> Verdict:
    if relation == "any":
        return Verdict(True, "")
    if relation == "team":
        team = team_of(user)
        if team is None:
            return Verdict(False, _("You are not a member of a territory team."))
        if isinstance(obj, Dossier):
            ok = obj.team_id == team.pk
        else:
            ok = team.campaign == obj.campaign
        return Verdict(ok, "" if ok else _("This belongs to another territory's team."))
    if relation == "assigned":
        if not isinstance(obj, Dossier):
            return Verdict(False, _("This needs a dossier."))
        if Conflict.objects.filter(call_id=obj.call_id, juror=user, territory=obj.territory).exists():
            return Verdict(False, _("You declared a conflict of interest with this territory."))
        if not Assignment.objects.filter(juror=user, dossier=obj).exists():
            return Verdict(False, _("You are not assigned to this dossier."))
        if obj.status != Status.SUBMITTED:
            return Verdict(False, _("This dossier is a draft: it reaches the jury once submitted."))
        return Verdict(True, "")
    raise ValueError(f"unknown relation {relation!r}")


def can(user, action: str, obj, now=None) -> Verdict:
    """May ``user`` do ``action`` on ``obj`` (a Call, a Dossier, or None for actions outside any
    campaign, such as the fund's) now? Always says why not."""
    rule = WORKFLOW[action]
    role = role_of(user)
    if role not in rule.roles:
        if role == Role.PUBLIC and not getattr(user, "is_authenticated", False):
            return Verdict(False, _("Please log in."))
        return Verdict(False, _("Your role does not allow this."))
    if obj is None:
        if rule.phases != ALL_PHASES:
            return Verdict(False, _("This needs a call."))
        return _relation_holds(user, rule.roles[role], obj)
    call = _call_of(obj)
    phase = call.phase(now)
    if phase not in rule.phases:
        return Verdict(False, _("Not possible at this stage of the campaign (%(phase)s).")
                       % {"phase": Phase(phase).label})
    verdict = _relation_holds(user, rule.roles[role], obj)
    if not verdict:
        return verdict
    if rule.draft_only and isinstance(obj, Dossier) and obj.status != Status.DRAFT:
        return Verdict(False, _("The dossier has been submitted and is locked."))
    if action == "review.see" and role == Role.JUROR:
        return _juror_sees_reviews(user, obj, call, phase)
    return Verdict(True, "")


def _juror_sees_reviews(user, dossier, call, phase) -> Verdict:
    """Independent review: a juror sees the others' reviews of a dossier only after submitting their own;
    in a blind call, only from the deliberation on."""
    if not Review.objects.filter(assignment__juror=user, assignment__dossier=dossier,
                                 submitted_at__isnull=False).exists():
        return Verdict(False, _("Submit your own review first: jurors see each other's reviews only after that."))
    if call.blind_review and phase not in FROM_DELIBERATION:
        return Verdict(False, _("Blind review: jurors see each other's reviews only from the deliberation on."))
    return Verdict(True, "")
