"""Dossier pages: list, create, edit (perimeter, figures, narrative, lists), submit, attachments."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frenchtech.programme.accounts.models import Role
from frenchtech.programme.accounts.permissions import can
from frenchtech.programme.accounts.services import role_of, team_of
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.models import Attachment, Dossier, Status
from frenchtech.geo import load_geography
from frenchtech.programme.dossiers.services import (
    NARRATIVE_SECTIONS,
    DossierError,
    add_attachment,
    create_dossier,
    perimeter_names,
    remove_attachment,
    submission_problems,
    submit_dossier,
    update_dossier,
)
from frenchtech.programme.jury.models import Assignment, Conflict
from frenchtech.programme.jury.services import counted_reviews, dossier_reviews, may_see_reviews, mean_percent
from frenchtech.sources.dossier import DECLARED
from frenchtech.web import labels_text
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import Refused, require


def visible_dossiers(user, call):
    """The dossiers a person may list: all for the programme team, their own for a team, assigned
    submitted ones (without conflict) for a juror."""
    role = role_of(user)
    qs = Dossier.objects.filter(call=call).select_related("call", "team")
    if role == Role.ADMIN:
        return qs
    if role == Role.APPLICANT:
        team = team_of(user)
        return qs.filter(team=team) if team else qs.none()
    if role == Role.JUROR:
        conflicted = Conflict.objects.filter(call=call, juror=user).values_list("territory", flat=True)
        return (qs.filter(assignments__juror=user, status=Status.SUBMITTED)
                .exclude(territory__in=list(conflicted)))
    return qs.none()


@login_required
def dossier_list(request):
    call = current_call()
    if call is None:
        raise Http404("no call")
    dossiers = list(visible_dossiers(request.user, call))
    team = team_of(request.user)
    can_create = bool(can(request.user, "dossier.create", call)) and not any(d.team_id == getattr(team, "pk", None)
                                                                           for d in dossiers)
    return render(request, "web/dossier_list.html", {"call": call, "dossiers": dossiers, "can_create": can_create})


@require_POST
@login_required
def dossier_new(request):
    call = current_call()
    require(request, "dossier.create", call)
    team = team_of(request.user)
    existing = Dossier.objects.filter(call=call, team=team).first()
    dossier = existing or create_dossier(call, team, request.user)
    return redirect("dossier-edit", pk=dossier.pk)


def _dossier(pk) -> Dossier:
    return get_object_or_404(Dossier.objects.select_related("call", "team"), pk=pk)


@login_required
def dossier_detail(request, pk):
    dossier = _dossier(pk)
    require(request, "dossier.view", dossier)
    u = request.user
    ctx = {"dossier": dossier, "call": dossier.call,
           "figures": [(k, labels_text.figure(k), dossier.declared.get(k)) for k in DECLARED],
           "narrative": [(s, labels_text.section(s), dossier.narrative.get(s, "")) for s in NARRATIVE_SECTIONS],
           "attachments": dossier.attachments.all(),
           "can_edit": can(u, "dossier.edit", dossier), "can_submit": can(u, "dossier.submit", dossier),
           "can_score": can(u, "review.score", dossier), "can_deliberate": can(u, "dossier.deliberate", dossier),
           "versions": dossier.versions.select_related("author")[:10], "reviews": None}
    vintage = load_call_campaign(dossier.call).vintage
    ctx["epci_names"], ctx["commune_names"] = perimeter_names(vintage, dossier.epci, dossier.communes)
    ctx.update(_jury_reviews(u, dossier))
    ctx["claimed"] = claimed_elsewhere(dossier, dossier.epci, vintage)
    if ctx["can_submit"] or dossier.status == Status.DRAFT:
        ctx["checklist"] = checklist(dossier)
    return render(request, "web/dossier_detail.html", ctx)


def _jury_reviews(user, dossier) -> dict:
    """The jury's reviews of the dossier as this person may see them (``reviews`` None when not at all,
    with ``reviews_hidden`` saying why to an assigned juror). The programme admin sees every submitted
    review, excluded ones marked with the conflict behind them; a juror sees, once allowed (see
    ``may_see_reviews``), the reviews that count, other jurors' names withheld in a blind call."""
    verdict = may_see_reviews(user, dossier)
    if not verdict:
        hidden = str(verdict.reason) if role_of(user) == Role.JUROR and can(user, "dossier.view", dossier) else ""
        return {"reviews": None, "reviews_hidden": hidden}
    admin = role_of(user) == Role.ADMIN
    anonymous = not admin and dossier.call.blind_review
    records = dossier_reviews(dossier)
    rows = []
    for r in (records if admin else counted_reviews(dossier, records)):
        own = r.juror.pk == user.pk
        name = _("you") if own and not admin else (_("another juror") if anonymous else r.juror.username)
        rows.append({"juror": name, "comment": r.comment, "total": r.total, "max": r.max, "percent": r.percent,
                     "excluded": r.excluded, "exclusion_reason": r.exclusion_reason,
                     "declared_at": r.conflict.declared_at if r.conflict else None,
                     "conflict_reason": r.conflict.reason if r.conflict else ""})
    return {"reviews": rows, "reviews_hidden": "", "jury_mean": mean_percent(dossier, records),
            "excluded_count": sum(1 for r in rows if r["excluded"])}


def _form_data(post) -> dict:
    lines = lambda key: [x for x in post.get(key, "").replace("\r", "").split("\n")]
    codes = lambda key: [x for x in post.get(key, "").replace(",", " ").split()]
    return {"name": post.get("name", ""), "epci": codes("epci"), "communes": codes("communes"),
            "declared": {k: post.get(f"declared_{k}", "") for k in DECLARED},
            "narrative": {s: post.get(f"narrative_{s}", "") for s in NARRATIVE_SECTIONS},
            "structures": lines("structures"), "initiatives": lines("initiatives")}


def checklist(dossier: Dossier) -> list[dict]:
    """What submission requires, item by item (done or missing), each linked to its field on the edit page."""
    missing = submission_problems(dossier)
    required = load_call_campaign(dossier.call).eligibility.complete_dossier
    keys = (["perimeter"] + [f"narrative_{s}" for s in NARRATIVE_SECTIONS]
            + [f"declared_{k}" for k in DECLARED if k in required])
    return [{"key": k, "label": labels_text.field(k), "anchor": _anchor(k), "done": k not in missing}
            for k in keys]


def _anchor(key: str, wrong: frozenset = frozenset()) -> str:
    """The id of the control a problem belongs to (the perimeter's: the input holding the wrong codes)."""
    if key == "perimeter":
        return "id_communes" if wrong == {"communes"} else "id_epci"
    return "" if key == "__all__" else f"id_{key}"


def wrong_perimeter_inputs(vintage: int, epci, communes) -> frozenset:
    """Which perimeter input holds the mistake: the one with unknown codes (the EPCI input when both are
    empty), so that only that input is marked."""
    if not (epci or communes):
        return frozenset({"epci"})
    geo = load_geography(vintage)
    wrong = set()
    if any(str(s).strip() not in geo.epci.index for s in epci):
        wrong.add("epci")
    if any(str(c).strip().zfill(5) not in geo.communes.index for c in communes):
        wrong.add("communes")
    return frozenset(wrong or {"epci" if epci else "communes"})


def claimed_elsewhere(dossier: Dossier, epci, vintage: int) -> list[dict]:
    """Other territories' dossiers of the same call whose perimeter takes one of these EPCI."""
    wanted = {str(s).strip() for s in epci if str(s).strip()}
    if not wanted:
        return []
    names, _communes = perimeter_names(vintage, sorted(wanted), ())
    label = dict(zip(sorted(wanted), names))
    out = []
    for other in Dossier.objects.filter(call=dossier.call).exclude(pk=dossier.pk).exclude(territory=dossier.territory):
        shared = sorted(wanted & {str(s) for s in other.epci})
        if shared:
            out.append({"dossier": other.name, "epci": [label[s] for s in shared]})
    return out


def problems_list(errors: dict, anchors: dict | None = None) -> list[dict]:
    """The error summary's lines: each problem once, with the label and id of its field."""
    anchors = anchors or {}
    lists = {"structures": _("Support structures"), "initiatives": _("Initiatives")}
    return [{"anchor": anchors.get(k, _anchor(k)), "label": "" if k == "__all__" else lists.get(k) or labels_text.field(k),
             "message": m} for k, msgs in errors.items() for m in msgs]


@login_required
def dossier_edit(request, pk):
    dossier = _dossier(pk)
    require(request, "dossier.edit", dossier)
    errors, values = {}, None
    if request.method == "POST":
        values = _form_data(request.POST)
        try:
            update_dossier(dossier, values, request.user)
        except DossierError as exc:
            errors = exc.errors  # said once, in the error summary at the top of the form
        else:
            messages.success(request, _("Dossier saved (version %(n)s).") % {"n": dossier.version})
            return redirect("dossier-edit" if "stay" in request.POST else "dossier-detail", pk=dossier.pk)
    v = values or {"name": dossier.name, "epci": dossier.epci, "communes": dossier.communes,
                   "declared": dossier.declared, "narrative": dossier.narrative,
                   "structures": dossier.structures, "initiatives": dossier.initiatives}
    campaign = load_call_campaign(dossier.call)
    wrong = wrong_perimeter_inputs(campaign.vintage, v["epci"], v["communes"]) if "perimeter" in errors else frozenset()
    ctx = {"dossier": dossier, "errors": errors, "vintage": campaign.vintage,
           "problems": problems_list(errors, {"perimeter": _anchor("perimeter", wrong)}),
           "epci_wrong": "epci" in wrong, "communes_wrong": "communes" in wrong,
           "claimed": claimed_elsewhere(dossier, v["epci"], campaign.vintage), "checklist": checklist(dossier),
           "name": v["name"], "epci": " ".join(v["epci"]), "communes": " ".join(v["communes"]),
           "figures": [(k, labels_text.figure(k), v["declared"].get(k, ""), errors.get(f"declared_{k}"))
                       for k in DECLARED],
           "narrative": [(s, labels_text.section(s), v["narrative"].get(s, ""), errors.get(f"narrative_{s}"))
                         for s in NARRATIVE_SECTIONS],
           "structures": "\n".join(v["structures"]), "initiatives": "\n".join(v["initiatives"]),
           "attachments": dossier.attachments.all()}
    return render(request, "web/dossier_edit.html", ctx, status=400 if errors else 200)


@require_POST
@login_required
def dossier_submit(request, pk):
    dossier = _dossier(pk)
    require(request, "dossier.submit", dossier)
    try:
        submit_dossier(dossier, request.user)
    except DossierError as exc:
        # One message naming what is missing; the checklist on the edit page links to each field.
        if "__all__" in exc.errors:
            messages.error(request, " ".join(exc.errors["__all__"]))
            return redirect("dossier-detail", pk=dossier.pk)
        else:
            messages.error(request, _("The dossier cannot be submitted yet. Still missing: %(items)s.")
                           % {"items": ", ".join(labels_text.field(k) for k in exc.errors)})
        return redirect(reverse("dossier-edit", args=[dossier.pk]) + "#checklist")
    messages.success(request, _("Dossier submitted. It is now locked; the jury will review it."))
    return redirect("dossier-detail", pk=dossier.pk)


@require_POST
@login_required
def attachment_upload(request, pk):
    dossier = _dossier(pk)
    require(request, "dossier.edit", dossier)
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            add_attachment(dossier, f, request.user)
        except DossierError as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    messages.error(request, m)
        else:
            messages.success(request, _("File attached."))
    return redirect("dossier-edit", pk=dossier.pk)


@login_required
def attachment_download(request, pk):
    att = get_object_or_404(Attachment.objects.select_related("dossier__call"), pk=pk)
    require(request, "attachment.view", att.dossier)
    response = FileResponse(att.file.open("rb"), content_type=att.content_type, as_attachment=True,
                            filename=att.name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def attachment_delete(request, pk):
    att = get_object_or_404(Attachment, pk=pk)
    require(request, "dossier.edit", att.dossier)
    try:
        remove_attachment(att, request.user)
    except DossierError as exc:
        raise Refused(" ".join(e for errors in exc.errors.values() for e in errors)) from None
    return redirect("dossier-edit", pk=att.dossier_id)


def juror_assignment(user, dossier):
    return Assignment.objects.filter(juror=user, dossier=dossier).first()
