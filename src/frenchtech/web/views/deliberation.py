"""Deliberation: per dossier, the audit beside the declared figures and the jury's scores; the
decision form; batch decisions on the list; publication."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frenchtech.indicators.catalogue import load_catalogue
from frenchtech.programme.deliberation import corrections
from frenchtech.programme.deliberation import services as store
from frenchtech.programme.dossiers.models import Dossier, Status
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.jury.services import dossier_reviews, excluded_count, mean_percent, reviews_by_dossier
from frenchtech.report.i18n import decision_reason
from frenchtech.web import labels_text
from frenchtech.web.audit_view import dossier_audit
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import require
from frenchtech.web.views.whatif import panel as whatif_panel


def _absolute_indicators() -> set[str]:
    """Indicators that are counts or amounts (no denominator): shown as whole numbers, rates with decimals."""
    return {i for i, ind in load_catalogue().indicators.items() if ind.per is None}


def _errors_to_messages(request, exc: store.DecisionError) -> None:
    for msgs in exc.errors.values():
        for m in msgs:
            messages.error(request, m)


def _names(dossiers) -> str:
    return ", ".join(d.name for d in dossiers)


@login_required
def deliberation_list(request):
    call = current_call()
    require(request, "dossier.deliberate", call)
    if request.method == "POST":
        require(request, "decision.record", call)
        chosen = [int(x) for x in request.POST.getlist("dossier") if x.isdigit()]
        if request.POST.get("action") == "defer":
            return _batch_defer(request, call, chosen)
        try:
            done = store.apply_proposals(call, chosen, request.user)
        except store.DecisionError as exc:
            _errors_to_messages(request, exc)
            return redirect("deliberation-list")
        messages.success(request, _("%(n)s decision(s) recorded from the audit's proposals.") % {"n": len(done.recorded)})
        if done.kept_manual:
            messages.warning(request, _("Kept as decided by hand (not overwritten by the proposal): %(names)s.")
                             % {"names": _names(done.kept_manual)})
        if done.no_proposal:
            messages.error(request, _("No proposal to apply for: %(names)s.") % {"names": _names(done.no_proposal)})
        if done.drafts:
            messages.error(request, _("Not submitted, not decided: %(names)s.") % {"names": _names(done.drafts)})
        return redirect("deliberation-list")
    campaign = load_call_campaign(call)
    decided = store.current_decisions(call)
    rows = []
    reviews_of = reviews_by_dossier(call)
    for d in Dossier.objects.filter(call=call).order_by("name"):
        audit = dossier_audit(call, d, campaign)
        reviews = reviews_of.get(d.pk, [])
        rows.append({"dossier": d, "audit": audit, "jury": mean_percent(d, reviews),
                     "excluded": excluded_count(d, reviews),
                     "decision": decided.get(d.pk),
                     "flags": len(audit["audit_flags"])})
    rows.sort(key=lambda r: (r["audit"]["rank"] is None, r["audit"]["rank"] or 0, r["dossier"].name))
    plan = store.summary(call)
    return render(request, "web/deliberation_list.html", {
        "call": call, "rows": rows, "decision_label": labels_text.decision,
        "audit_only": [r["name"] for r in plan.audit_only],
        "can_decide": call.phase() == "deliberation", "submitted": Status.SUBMITTED,
        "whatif": whatif_panel(call)})


def _batch_defer(request, call, chosen: list[int]):
    """Defer the selected dossiers with one rationale (a deferral departs from the audit's proposal)."""
    try:
        deferred = store.defer(call, chosen, request.POST.get("rationale", ""), request.user)
    except store.DecisionError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("%(n)s dossier(s) deferred.") % {"n": len(deferred)})
    return redirect("deliberation-list")


@login_required
def deliberation_detail(request, pk):
    dossier = get_object_or_404(Dossier.objects.select_related("call"), pk=pk)
    require(request, "dossier.deliberate", dossier)
    call = dossier.call
    campaign = load_call_campaign(call)
    audit = dossier_audit(call, dossier, campaign)
    current = store.current_decisions(call).get(dossier.pk)
    errors = {}
    starts, ends = store.default_period(campaign, audit["proposal"])
    if current is not None:
        form = {"decision": current.decision, "kind": current.kind,
                "starts": current.valid_from.isoformat() if current.valid_from else starts,
                "ends": current.valid_until.isoformat() if current.valid_until else ends,
                "rationale": current.rationale}
    else:
        form = {"decision": audit["proposal"].get("decision", ""),
                "kind": audit["proposal"].get("kind") or "metropole", "starts": starts, "ends": ends,
                "rationale": ""}
    if request.method == "POST":
        require(request, "decision.record", dossier)
        form = {k: request.POST.get(k, "") for k in ("decision", "kind", "starts", "ends", "rationale")}
        try:
            store.record_decision(call, dossier, form, request.user)
        except store.DecisionError as exc:
            errors = exc.errors
            messages.error(request, _("The decision was not recorded: please correct the marked fields."))
            for m in errors.get("__all__", []):
                messages.error(request, m)
        else:
            messages.success(request, _("Decision recorded for %(name)s.") % {"name": dossier.name})
            return redirect("deliberation-list")
    criteria = call.rubric.criteria
    records = dossier_reviews(dossier)
    reviews = [{"juror": r.juror.username, "scores": [r.scores.get(c["id"]) for c in criteria],
                "comment": r.comment, "total": r.total, "percent": r.percent, "excluded": r.excluded,
                "exclusion_reason": r.exclusion_reason} for r in records]
    rules = store.label_rules(campaign)
    kinds = [(k, labels_text.kind(k)) for k in sorted({s.kind for s in campaign.specs} | {"metropole"})]
    return render(request, "web/deliberation_detail.html", {
        "dossier": dossier, "call": call, "audit": audit, "reviews": reviews, "criteria": criteria,
        "excluded": excluded_count(dossier, records),
        "jury_mean": mean_percent(dossier, records), "current": current, "form": form, "errors": errors, "kinds": kinds,
        "decisions": [(k, labels_text.decision(k)) for k in store.Outcome.values],
        "figure_label": labels_text.figure, "decision_label": labels_text.decision,
        "proposal_reason": decision_reason((get_language() or "fr")[:2], audit["proposal"]),
        "counts": _absolute_indicators(), "rules": rules,
        "can_decide": call.phase() == "deliberation" and dossier.status == Status.SUBMITTED,
        "can_correct": call.published_at is not None and dossier.status == Status.SUBMITTED,
        "today": dt.date.today()},
        status=400 if errors else 200)


CORRECTION_FIELDS = ("decision", "kind", "starts", "ends", "rationale")


@login_required
@require_POST
def correct(request, pk):
    """Correct a published decision: the form on the deliberation page leads to a confirmation page that
    shows the decision standing and the correction; only the summary sent back unchanged publishes it."""
    dossier = get_object_or_404(Dossier.objects.select_related("call"), pk=pk)
    require(request, "dossier.deliberate", dossier)
    call = dossier.call
    data = {k: request.POST.get(k, "") for k in CORRECTION_FIELDS}
    if request.POST.get("confirm"):
        try:
            decision = corrections.correct_published(call, dossier, data, request.user,
                                                     confirmed=request.POST["confirm"])
        except corrections.StaleCorrection as exc:
            _errors_to_messages(request, exc)   # then the summary as it stands now
        except store.DecisionError as exc:
            _errors_to_messages(request, exc)
            return redirect("deliberation-detail", pk=pk)
        else:
            messages.success(request, _("Correction published for %(name)s: %(decision)s.")
                             % {"name": dossier.name, "decision": labels_text.decision(decision.decision)})
            return redirect("public-decisions", campaign=call.campaign)
    try:
        summary = corrections.correction_summary(call, dossier, data)
    except store.DecisionError as exc:
        _errors_to_messages(request, exc)
        return redirect("deliberation-detail", pk=pk)
    return render(request, "web/correction_confirm.html", {
        "dossier": dossier, "call": call, "s": summary, "data": data, "decision_label": labels_text.decision,
        "kind_label": labels_text.kind})


@login_required
def publish(request):
    """The confirmation page (what will be published) and, when confirmed, the publication."""
    call = current_call()
    require(request, "call.publish", call)
    plan = store.summary(call)
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            store.publish(call, request.user, confirmed_manifest=request.POST["confirm"])
        except store.DecisionError as exc:
            _errors_to_messages(request, exc)
            return redirect("publish")
        call.refresh_from_db()
        rows = store.public_decisions(call)
        audit_only = sum(1 for r in rows if r["audit_only"])
        text = _("%(n)s decision(s) published.") % {"n": len(rows)}
        if audit_only:
            text += " " + _("%(m)s of them decided by the audit alone, without a dossier on the platform.") % {
                "m": audit_only}
        messages.success(request, text)
        return redirect("public-decisions", campaign=call.campaign)
    counts = [(k, labels_text.decision(k), n) for k, n in sorted(plan.counts.items(), key=lambda kv: -kv[1])]
    return render(request, "web/publish_confirm.html", {"call": call, "plan": plan, "counts": counts})
