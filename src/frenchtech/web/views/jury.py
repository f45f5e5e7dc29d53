"""Jury pages: a juror's assignments and conflicts, the scoring form, assignment and reminders."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frenchtech.programme.accounts.models import Role
from frenchtech.programme.accounts.services import role_of
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.models import Dossier, Status
from frenchtech.programme.dossiers.services import NARRATIVE_SECTIONS
from frenchtech.programme.jury.models import Assignment, Conflict, Review
from frenchtech.programme.jury.services import (
    JuryError,
    batch_assign,
    declare_conflict,
    outstanding,
    save_review,
    send_reminders,
    total,
    unassign,
)
from frenchtech.programme.jury.services import assign as assign_juror
from frenchtech.web import labels_text
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import Refused, require


# What each level of the 0-5 scale means, for every criterion of a rubric (a campaign's [[rubric]] gives
# the criteria; the scale is the programme's).
LEVELS = (
    (0, gettext_lazy("absent: the dossier shows nothing on this criterion")),
    (1, gettext_lazy("weak: a few elements, without evidence")),
    (2, gettext_lazy("partial: real elements, important gaps")),
    (3, gettext_lazy("satisfactory: meets the criterion, with evidence")),
    (4, gettext_lazy("strong: clearly above what the criterion asks")),
    (5, gettext_lazy("outstanding: a national reference on this criterion")),
)


def jurors():
    return get_user_model().objects.filter(profile__role=Role.JUROR).order_by("username")


@login_required
def jury_home(request):
    call = current_call()
    if request.method == "POST":
        require(request, "conflict.declare", call)
        try:
            declare_conflict(request.user, call, request.POST.get("territory", ""), request.POST.get("reason", ""))
        except JuryError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
        else:
            messages.success(request, _("Conflict of interest declared."))
        return redirect("jury-home")
    if role_of(request.user) != Role.JUROR:
        raise Refused(_("This page is for jurors."))
    conflicts = Conflict.objects.filter(call=call, juror=request.user)
    conflicted = {c.territory for c in conflicts}
    rows = []
    # A stale assignment to a draft opens nothing (only submitted dossiers reach jurors): not listed.
    for a in Assignment.objects.filter(call=call, juror=request.user,
                                       dossier__status=Status.SUBMITTED).select_related("dossier"):
        review = Review.objects.filter(assignment=a).first()
        rows.append({"assignment": a, "dossier": a.dossier, "conflicted": a.dossier.territory in conflicted,
                     "review": review})
    campaign = load_call_campaign(call)
    names = {s.id: s.name for s in campaign.specs}
    # The form offers the call's candidate territories only; declare_conflict refuses any other.
    return render(request, "web/jury_home.html", {
        "call": call, "rows": rows,
        "conflicts": [{"territory": names.get(c.territory, c.territory), "reason": c.reason} for c in conflicts],
        "territories": [(s.id, s.name) for s in campaign.specs if s.id not in conflicted]})


@login_required
def review(request, pk):
    dossier = get_object_or_404(Dossier.objects.select_related("call"), pk=pk)
    require(request, "review.score", dossier)
    assignment = Assignment.objects.get(juror=request.user, dossier=dossier)
    rubric = dossier.call.rubric
    existing = Review.objects.filter(assignment=assignment).first()
    errors = {}
    raw = {c["id"]: ("na" if existing and c["id"] in existing.scores and existing.scores[c["id"]] is None
                     else (existing.scores.get(c["id"], "") if existing else "")) for c in rubric.criteria}
    comment = existing.comment if existing else ""
    if request.method == "POST":
        raw = {c["id"]: request.POST.get(f"score_{c['id']}", "") for c in rubric.criteria}
        comment = request.POST.get("comment", "")
        try:
            save_review(assignment, raw, comment, submit="submit" in request.POST, actor=request.user)
        except JuryError as exc:
            errors = exc.errors  # said once, in the error summary at the top of the form
        else:
            messages.success(request, _("Review submitted.") if "submit" in request.POST else _("Draft saved."))
            return redirect("jury-home") if "submit" in request.POST else redirect("review", pk=pk)
    lang = get_language() or "fr"
    criteria = [{"id": c["id"], "label": rubric.label(c, lang[:2]), "weight": c.get("weight", 1),
                 "value": "" if raw.get(c["id"]) is None else str(raw.get(c["id"])), "errors": errors.get(c["id"]),
                 "narrative": dossier.narrative.get(c["id"], "") if c["id"] in NARRATIVE_SECTIONS else ""}
                for c in rubric.criteria]
    submitted = existing is not None and existing.submitted_at is not None
    labels = {c["id"]: c["label"] for c in criteria}
    problems = [{"anchor": "" if k == "__all__" else f"id_score_{k}", "label": labels.get(k, ""), "message": m}
                for k, msgs in errors.items() for m in msgs]
    return render(request, "web/review.html", {
        "dossier": dossier, "criteria": criteria, "comment": comment, "errors": errors, "submitted": submitted,
        "problems": problems, "levels": LEVELS,
        "total": total(existing.scores, rubric.criteria) if existing else None, "scores": list(range(6)),
        "section_label": labels_text.section}, status=400 if errors else 200)


def _pair(key: str) -> tuple[int, int] | None:
    try:
        j, d = (int(x) for x in key.split(":"))
    except ValueError:
        return None
    return j, d


@login_required
def assign(request):
    call = current_call()
    require(request, "jury.assign", call)
    every = list(Dossier.objects.filter(call=call).order_by("name"))
    # Only submitted dossiers go to the jury: drafts are neither listed nor assigned.
    dossiers = [d for d in every if d.status == Status.SUBMITTED]
    people = list(jurors())
    conflicts = set(Conflict.objects.filter(call=call).values_list("juror_id", "territory"))
    if request.method == "POST":
        try:
            with transaction.atomic():
                if "batch" in request.POST:
                    per = max(1, min(10, int(request.POST.get("per_dossier", "2") or 2)))
                    made = batch_assign(call, people, dossiers, per, request.user)
                    messages.success(request, _("%(n)s assignment(s) made.") % {"n": len(made)})
                else:
                    by_id = {j.pk: j for j in people}
                    by_dossier = {d.pk: d for d in every}
                    shown = {d.pk for d in dossiers}
                    wanted = {p for p in map(_pair, request.POST.getlist("pair"))
                              if p and p[0] in by_id and p[1] in by_dossier}
                    # The grid edits the cells it shows: a conflicted pair (no box) or a draft keeps its
                    # assignment, so a review of a juror who declared a conflict after scoring stays on record.
                    current = {(a.juror_id, a.dossier_id): a for a in Assignment.objects.filter(call=call)
                               .select_related("dossier", "juror")
                               if a.dossier_id in shown and (a.juror_id, a.dossier.territory) not in conflicts}
                    for j, d in sorted(wanted - current.keys()):
                        assign_juror(by_id[j], by_dossier[d], request.user)
                    for key in sorted(current.keys() - wanted):
                        unassign(current[key], request.user)
                    messages.success(request, _("Assignments saved."))
        except JuryError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
        return redirect("jury-assign")
    assigned = set(Assignment.objects.filter(call=call).values_list("juror_id", "dossier_id"))
    grid = [{"dossier": d, "cells": [{"juror": j, "key": f"{j.pk}:{d.pk}", "on": (j.pk, d.pk) in assigned,
                                      "conflict": (j.pk, d.territory) in conflicts} for j in people]}
            for d in dossiers]
    return render(request, "web/jury_assign.html", {"call": call, "jurors": people, "grid": grid,
                                                    "drafts": len(every) - len(dossiers)})


@login_required
def reminders(request):
    call = current_call()
    require(request, "jury.assign" if request.method == "POST" else "call.manage", call)
    if request.method == "POST":
        n = send_reminders(call, request.user)
        messages.success(request, _("%(n)s reminder(s) sent.") % {"n": n})
        return redirect("jury-reminders")
    return render(request, "web/jury_reminders.html", {"call": call, "items": outstanding(call)})
