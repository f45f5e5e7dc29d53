"""Jury services: rubric, assignment (manual and batch), conflicts, scoring, who sees which reviews,
the reviews that count, reminders.

Only submitted dossiers reach jurors. A conflict of interest binds: a review by a juror who declares a
conflict with the dossier's territory in the call, before or after scoring, counts in no aggregate
(it stays on record, marked excluded with the reason)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.campaign.model import RUBRIC_2014
from frenchtech.programme.accounts.models import Role
from frenchtech.programme import notifications
from frenchtech.programme.accounts.permissions import can
from frenchtech.programme.activity.services import record
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.models import Status
from frenchtech.programme.jury.models import (
    SCORE_MAX,
    SCORE_MIN,
    Assignment,
    Conflict,
    Reminder,
    Review,
    Rubric,
)

# The six criteria the 2014 jury used: the campaign model's rubric when a file gives no [[rubric]].
CRITERIA_2014 = [dict(c) for c in RUBRIC_2014]


class JuryError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def ensure_rubric(call) -> Rubric:
    """The call's rubric: the campaign's [[rubric]] criteria (validated with the campaign file; the 2014
    criteria when the file gives none)."""
    criteria = [c.model_dump() for c in load_call_campaign(call).rubric]
    rubric, _created = Rubric.objects.get_or_create(call=call, defaults={"criteria": criteria})
    return rubric


def is_conflicted(juror, call, territory: str) -> bool:
    return Conflict.objects.filter(call=call, juror=juror, territory=territory).exists()


def call_territories(call) -> dict[str, str]:
    """The candidate territories of the call's campaign: id -> name."""
    return {s.id: s.name for s in load_call_campaign(call).specs}


@transaction.atomic
def declare_conflict(juror, call, territory: str, reason: str, actor=None) -> Conflict:
    """Declare ``juror`` tied to ``territory`` (a candidate of the call). Allowed after scoring too: the
    juror's review of that territory's dossier then stays on record but counts in no aggregate."""
    territory = (territory or "").strip()
    if territory not in call_territories(call):
        raise JuryError({"territory": [_("Choose one of the call's candidate territories.")]})
    if not reason.strip():
        raise JuryError({"reason": [_("Say briefly what ties you to this territory.")]})
    conflict, _created = Conflict.objects.get_or_create(call=call, juror=juror, territory=territory,
                                                        defaults={"reason": reason.strip()[:300]})
    scored = list(Review.objects.filter(assignment__call=call, assignment__juror=juror,
                                        assignment__dossier__territory=territory,
                                        submitted_at__isnull=False).values_list("pk", flat=True))
    record(actor or juror, "conflict.declare", conflict, after={"juror": juror.username, "territory": territory,
                                                                "reason": conflict.reason,
                                                                "excluded_reviews": scored}, campaign=call.campaign)
    return conflict


@transaction.atomic
def assign(juror, dossier, actor=None, notify: bool = True) -> Assignment:
    """Give ``dossier`` to ``juror``; the juror is e-mailed once the assignment is committed (``notify``)."""
    if getattr(getattr(juror, "profile", None), "role", None) != Role.JUROR:
        raise JuryError({"juror": [_("Only jurors can be assigned.")]})
    if dossier.status != Status.SUBMITTED:
        raise JuryError({"dossier": [_("%(dossier)s is a draft: only submitted dossiers go to the jury.")
                                     % {"dossier": dossier.name}]})
    if is_conflicted(juror, dossier.call, dossier.territory):
        raise JuryError({"juror": [_("%(juror)s has declared a conflict of interest with %(dossier)s.")
                                   % {"juror": juror.username, "dossier": dossier.name}]})
    a, created = Assignment.objects.get_or_create(call=dossier.call, juror=juror, dossier=dossier)
    if created:
        record(actor, "jury.assign", a, after={"juror": juror.username, "dossier": dossier.pk},
               campaign=dossier.call.campaign)
        if notify:
            notifications.after_commit(notifications.reviews_assigned, dossier.call, [a], actor=actor)
    return a


@transaction.atomic
def unassign(assignment: Assignment, actor=None) -> None:
    """Remove an assignment; one whose review was submitted is kept for the record (refused)."""
    if Review.objects.filter(assignment=assignment, submitted_at__isnull=False).exists():
        raise JuryError({"__all__": [_("%(juror)s has submitted a review of %(dossier)s: the assignment is kept "
                                       "for the record.") % {"juror": assignment.juror.username,
                                                             "dossier": assignment.dossier.name}]})
    record(actor, "jury.unassign", assignment, before={"juror": assignment.juror.username,
                                                       "dossier": assignment.dossier_id},
           campaign=assignment.call.campaign)
    assignment.delete()


@transaction.atomic
def batch_assign(call, jurors, dossiers, per_dossier: int, actor=None) -> list[Assignment]:
    """Give each submitted dossier ``per_dossier`` jurors, least-loaded first, never a conflicted one;
    drafts are skipped (only submitted dossiers go to the jury)."""
    load = {j.pk: Assignment.objects.filter(call=call, juror=j).count() for j in jurors}
    conflicts = set(Conflict.objects.filter(call=call).values_list("juror_id", "territory"))
    made = []
    for d in dossiers:
        if d.status != Status.SUBMITTED:
            continue
        have = set(Assignment.objects.filter(dossier=d).values_list("juror_id", flat=True))
        free = sorted((j for j in jurors if j.pk not in have and (j.pk, d.territory) not in conflicts),
                      key=lambda j: (load[j.pk], j.username))
        for j in free[:max(0, per_dossier - len(have))]:
            made.append(assign(j, d, actor, notify=False))
            load[j.pk] += 1
    if made:  # one e-mail per juror for the whole batch, once it is committed
        notifications.after_commit(notifications.reviews_assigned, call, made, actor=actor)
    return made


def total(scores: dict, criteria: list[dict]) -> dict:
    """Weighted total of the scored criteria, and the same as a share of the maximum (n/a left out)."""
    got = maximum = 0.0
    for c in criteria:
        s = scores.get(c["id"])
        if s is None:
            continue
        got += float(c.get("weight", 1)) * s
        maximum += float(c.get("weight", 1)) * SCORE_MAX
    return {"total": got, "max": maximum, "percent": 100 * got / maximum if maximum else None}


def clean_scores(raw: dict, criteria: list[dict], complete: bool) -> dict:
    errors, scores = {}, {}
    for c in criteria:
        value = raw.get(c["id"], "")
        if value in ("na", "n/a"):
            scores[c["id"]] = None
        elif value in ("", None):
            if complete:
                errors[c["id"]] = [_("Score this criterion (0 to 5) or mark it n/a.")]
        else:
            try:
                v = int(value)
            except (TypeError, ValueError):
                v = -1
            if not SCORE_MIN <= v <= SCORE_MAX:
                errors[c["id"]] = [_("A score is a whole number from 0 to 5, or n/a.")]
            else:
                scores[c["id"]] = v
    if errors:
        raise JuryError(errors)
    return scores


@transaction.atomic
def save_review(assignment: Assignment, raw_scores: dict, comment: str, submit: bool, actor=None) -> Review:
    """Save a juror's scores (a draft, or submitted when ``submit``); a conflicted juror is refused."""
    call = assignment.call
    if is_conflicted(assignment.juror, call, assignment.dossier.territory):
        raise JuryError({"__all__": [_("You declared a conflict of interest with this territory.")]})
    review, _created = Review.objects.get_or_create(assignment=assignment)
    if review.submitted_at is not None:
        raise JuryError({"__all__": [_("This review has been submitted.")]})
    criteria = call.rubric.criteria
    before = {"scores": review.scores, "comment": review.comment}
    review.scores = clean_scores(raw_scores, criteria, complete=submit)
    review.comment = comment.strip()[:5000]
    if submit:
        review.submitted_at = timezone.now()
    review.save()
    record(actor or assignment.juror, "review.submit" if submit else "review.save", review, before=before,
           after={"scores": review.scores, "comment": review.comment, **total(review.scores, criteria)},
           campaign=call.campaign)
    return review


@dataclass(frozen=True)
class ReviewRecord:
    """One submitted review of a dossier, as the aggregates see it.

    - ``review``: the ``Review`` row; ``assignment`` (property): its ``Assignment`` (``.juror``, ``.dossier``);
    - ``juror``: the user who wrote it;
    - ``scores``: criterion id -> 0..5, or None for n/a; ``comment``; ``submitted_at`` (datetime);
    - ``total``, ``max``, ``percent``: the weighted total, its maximum and the share of it in percent
      (``percent`` None when every criterion is n/a), as ``total()`` computes them;
    - ``excluded``: True when the juror has declared a conflict of interest with the dossier's territory
      in this call, before or after scoring: the review counts in no aggregate (mean, ranking);
    - ``exclusion_reason``: "" when counted; otherwise the conflict's declaration date and stated reason
      ("conflict of interest declared on 2014-10-02: reason", in the active language);
    - ``conflict``: the ``Conflict`` row behind the exclusion, or None (its ``declared_at`` and ``reason``
      for pages that format the date themselves).

    ``r.assignment.juror.username``, ``r.scores`` and ``r.comment`` work as on a ``Review``."""
    review: Review
    juror: object
    scores: dict
    comment: str
    submitted_at: dt.datetime
    total: float
    max: float
    percent: float | None
    excluded: bool = False
    exclusion_reason: str = ""
    conflict: Conflict | None = None

    @property
    def assignment(self) -> Assignment:
        return self.review.assignment


def dossier_reviews(dossier) -> list[ReviewRecord]:
    """Every submitted review of ``dossier`` (drafts never), oldest submission first, each saying whether
    it counts and why not."""
    return _review_records(dossier.call, Review.objects.filter(assignment__dossier=dossier),
                           Conflict.objects.filter(call_id=dossier.call_id, territory=dossier.territory)).get(dossier.pk, [])


def reviews_by_dossier(call) -> dict[int, list[ReviewRecord]]:
    """``dossier_reviews`` of every dossier of ``call`` at once (three queries for the whole call), by
    dossier id; a dossier without a submitted review is absent."""
    return _review_records(call, Review.objects.filter(assignment__dossier__call=call),
                           Conflict.objects.filter(call=call))


def _review_records(call, reviews, conflicts) -> dict[int, list[ReviewRecord]]:
    criteria = call.rubric.criteria
    conflict_of = {(c.territory, c.juror_id): c for c in conflicts}
    out: dict[int, list[ReviewRecord]] = {}
    for r in (reviews.filter(submitted_at__isnull=False)
              .select_related("assignment__juror", "assignment__dossier").order_by("submitted_at", "pk")):
        juror, dossier = r.assignment.juror, r.assignment.dossier
        conflict = conflict_of.get((dossier.territory, juror.pk))
        reason = ""
        if conflict is not None:
            reason = _("conflict of interest declared on %(date)s: %(reason)s") % {
                "date": timezone.localdate(conflict.declared_at).isoformat(), "reason": conflict.reason}
        out.setdefault(dossier.pk, []).append(ReviewRecord(
            review=r, juror=juror, scores=r.scores, comment=r.comment, submitted_at=r.submitted_at,
            **total(r.scores, criteria), excluded=conflict is not None, exclusion_reason=reason, conflict=conflict))
    return out


def counted_reviews(dossier, reviews: list[ReviewRecord] | None = None) -> list[ReviewRecord]:
    """The submitted reviews of ``dossier`` that count: none by a juror conflicted with its territory.
    ``reviews``: the dossier's ``dossier_reviews`` when the caller already has them."""
    return [r for r in (dossier_reviews(dossier) if reviews is None else reviews) if not r.excluded]


def excluded_count(dossier, reviews: list[ReviewRecord] | None = None) -> int:
    """How many submitted reviews of ``dossier`` are excluded from the aggregates (conflicts of interest)."""
    return sum(1 for r in (dossier_reviews(dossier) if reviews is None else reviews) if r.excluded)


def mean_percent(dossier, reviews: list[ReviewRecord] | None = None) -> float | None:
    """Mean of the counted reviews' percentages (n/a-only reviews left out); None when there is none."""
    values = [r.percent for r in counted_reviews(dossier, reviews) if r.percent is not None]
    return sum(values) / len(values) if values else None


def may_see_reviews(user, dossier, now=None):
    """May ``user`` see the jury's reviews of ``dossier`` (names, scores, comments)? A ``Verdict``
    saying why not. The programme admin: from the deadline on. A juror: assigned, without conflict,
    only after submitting their own review of it, and in a blind call only from the deliberation on."""
    return can(user, "review.see", dossier, now=now)


def outstanding(call):
    """Assignments whose review is not submitted."""
    return (Assignment.objects.filter(call=call).exclude(review__submitted_at__isnull=False)
            .select_related("juror", "dossier").order_by("juror__username", "dossier__name"))


def send_reminders(call, actor=None) -> int:
    """E-mail each juror the list of their outstanding reviews, in the juror's language; returns the
    number of e-mails sent. A juror the e-mail did not reach is in the activity log (``mail.failed``)."""
    outcome, by_juror = notifications.review_reminder(call, list(outstanding(call)), actor)
    for juror, items in by_juror.items():
        if juror.username not in outcome.sent:
            continue
        for a in items:
            Reminder.objects.create(assignment=a)
        record(actor, "jury.remind", juror, after={"outstanding": [a.dossier_id for a in items]},
               campaign=call.campaign)
    return len(outcome.sent)
