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
from frenchtech.labelling.settings import _years_after
from frenchtech.programme.dossiers.models import Dossier, Status
from frenchtech.programme.dossiers.services import load_call_campaign
from frenchtech.programme.jury.services import dossier_reviews, mean_percent, total
from frenchtech.report.i18n import reason
from frenchtech.web import decisions as store
from frenchtech.web import labels_text
from frenchtech.web.audit_view import dossier_audit, table
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import require


def _default_dates(call, campaign, proposal: dict) -> tuple[str, str]:
    """Validity of a label granted in this campaign: the audit's dates when it proposed a label, otherwise
    the same dates the audit gives every label of the campaign (from the campaign's announcement, for the
    review and full periods), so that a label granted by the jury runs alongside the others."""
    if proposal.get("valid_from") and proposal.get("valid_until"):
        return str(proposal["valid_from"]), str(proposal["valid_until"])
    start = getattr(campaign, "announced", None) or call.deliberation_ends.date()
    validity = getattr(getattr(campaign, "rules", None), "validity", None)
    if validity is None:
        return start.isoformat(), _years_after(start, 4).isoformat()
    end = _years_after(_years_after(start, validity.review_years), validity.full_years)
    return start.isoformat(), end.isoformat()


def _absolute_indicators() -> set[str]:
    """Indicators that are counts or amounts (no denominator): shown as whole numbers, rates with decimals."""
    return {i for i, ind in load_catalogue().indicators.items() if ind.per is None}


def _audit_only(call, campaign, applied: set[str]) -> list[str]:
    """Territories of the audit without a dossier here: publication publishes the audit's decision for them."""
    frame = table(call.audit_dir, "decisions.csv")
    if frame is None or "territory" not in frame:
        return []
    names = {s.id: s.name for s in campaign.specs}
    return sorted(names.get(str(t), str(t)) for t in frame["territory"] if str(t) not in applied)


@login_required
def deliberation_list(request):
    call = current_call()
    require(request, "dossier.deliberate", call)
    campaign = load_call_campaign(call)
    decided = store.current_decisions(call)
    if request.method == "POST":
        require(request, "decision.record", call)
        chosen = [int(x) for x in request.POST.getlist("dossier") if x.isdigit()]
        if request.POST.get("action") == "defer":
            return _batch_defer(request, call, campaign, chosen)
        n, problems = 0, []
        for d in Dossier.objects.filter(call=call, pk__in=chosen):
            audit = dossier_audit(call, d, campaign)
            proposal = audit["proposal"]
            if not proposal.get("decision"):
                problems.append(d.name)
                continue
            starts, ends = _default_dates(call, campaign, proposal)
            data = {"decision": proposal["decision"], "kind": proposal.get("kind") or "metropole",
                    "starts": starts if proposal["decision"] == "labelled" else "",
                    "ends": ends if proposal["decision"] == "labelled" else "", "rationale": ""}
            try:
                store.record_decision(call, d, data, proposal, request.user)
                n += 1
            except store.DecisionError:
                problems.append(d.name)
        messages.success(request, _("%(n)s decision(s) recorded from the audit's proposals.") % {"n": n})
        if problems:
            messages.error(request, _("No proposal to apply for: %(names)s.") % {"names": ", ".join(problems)})
        return redirect("deliberation-list")
    rows = []
    for d in Dossier.objects.filter(call=call).order_by("name"):
        audit = dossier_audit(call, d, campaign)
        rows.append({"dossier": d, "audit": audit, "jury": mean_percent(d), "decision": decided.get(d.pk),
                     "flags": sum(1 for c in audit["compared"] if c["flag"])})
    rows.sort(key=lambda r: (r["audit"]["rank"] is None, r["audit"]["rank"] or 0, r["dossier"].name))
    return render(request, "web/deliberation_list.html", {
        "call": call, "rows": rows, "decision_label": labels_text.decision,
        "audit_only": _audit_only(call, campaign, {r["dossier"].territory for r in rows}),
        "can_decide": call.phase() == "deliberation", "submitted": Status.SUBMITTED})


def _batch_defer(request, call, campaign, chosen: list[int]):
    """Defer the selected dossiers with one rationale (a deferral departs from the audit's proposal)."""
    rationale = request.POST.get("rationale", "").strip()
    dossiers = list(Dossier.objects.filter(call=call, pk__in=chosen).order_by("name"))
    if not dossiers:
        messages.error(request, _("Select the dossiers to defer."))
    elif len(rationale) < 10:
        messages.error(request, _("A deferral departs from the audit's proposal: write the rationale."))
    else:
        for d in dossiers:
            data = {"decision": "deferred", "kind": "metropole", "starts": "", "ends": "", "rationale": rationale}
            proposal = dossier_audit(call, d, campaign)["proposal"]
            data["kind"] = proposal.get("kind") or "metropole"
            store.record_decision(call, d, data, proposal, request.user)
        messages.success(request, _("%(n)s dossier(s) deferred.") % {"n": len(dossiers)})
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
    starts, ends = _default_dates(call, campaign, audit["proposal"])
    form = {"decision": (current or {}).get("decision") or audit["proposal"].get("decision", ""),
            "kind": (current or {}).get("kind") or audit["proposal"].get("kind") or "metropole",
            "starts": (current or {}).get("starts") or starts, "ends": (current or {}).get("ends") or ends,
            "rationale": (current or {}).get("rationale", "")}
    if request.method == "POST":
        require(request, "decision.record", dossier)
        form = {k: request.POST.get(k, "") for k in ("decision", "kind", "starts", "ends", "rationale")}
        try:
            store.record_decision(call, dossier, form, audit["proposal"], request.user)
        except store.DecisionError as exc:
            errors = exc.errors
            messages.error(request, _("The decision was not recorded: please correct the marked fields."))
        else:
            messages.success(request, _("Decision recorded for %(name)s.") % {"name": dossier.name})
            return redirect("deliberation-list")
    criteria = call.rubric.criteria
    reviews = [{"juror": r.assignment.juror.username, "scores": [r.scores.get(c["id"]) for c in criteria],
                "comment": r.comment, **total(r.scores, criteria)} for r in dossier_reviews(dossier)]
    kinds = [(k, labels_text.kind(k)) for k in sorted({s.kind for s in campaign.specs} | {"metropole"})]
    return render(request, "web/deliberation_detail.html", {
        "dossier": dossier, "call": call, "audit": audit, "reviews": reviews, "criteria": criteria,
        "jury_mean": mean_percent(dossier), "current": current, "form": form, "errors": errors, "kinds": kinds,
        "decisions": [(k, labels_text.decision(k)) for k in store.DECISIONS],
        "figure_label": labels_text.figure, "decision_label": labels_text.decision,
        "proposal_reason": reason((get_language() or "fr")[:2], audit["proposal"].get("reason")),
        "counts": _absolute_indicators(),
        "can_decide": call.phase() == "deliberation", "today": dt.date.today()},
        status=400 if errors else 200)


@require_POST
@login_required
def publish(request):
    call = current_call()
    require(request, "call.publish", call)
    try:
        n = store.publish(call, request.user)
    except store.DecisionError as exc:
        for msgs in exc.errors.values():
            for m in msgs:
                messages.error(request, m)
        return redirect("deliberation-list")
    call.refresh_from_db()
    audit_only = sum(1 for r in store.public_decisions(call) if r["audit_only"])
    text = _("%(n)s decision(s) published.") % {"n": n}
    if audit_only:
        text += " " + _("%(m)s of them decided by the audit alone, without a dossier on the platform.") % {
            "m": audit_only}
    messages.success(request, text)
    return redirect("public-decisions", campaign=call.campaign)
