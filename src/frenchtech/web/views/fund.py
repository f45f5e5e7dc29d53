"""Fund managers' pages: the call and its rules, applications (upload or generate), due diligence,
the explained allocation, committing it to the ledger, the ledger, the portfolio report and the
operations on each position (disbursements, returns, write-offs, releases)."""
from __future__ import annotations

import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frenchtech.errors import FrenchTechError, InputError
from frenchtech.fund.allocate import InfeasibleRules
from frenchtech.fund.regions import region_name
from frenchtech.fund.reporting import portfolio_report
from frenchtech.messages import render as render_reason
from frenchtech.programme.accounts.permissions import can
from frenchtech.programme.activity.services import record
from frenchtech.programme.fund import desk, services
from frenchtech.programme.fund.models import Decision, Entry
from frenchtech.programme.fund.services import LedgerError, money
from frenchtech.web.views.common import require

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_GENERATED = 500


def _rules(f) -> list[tuple[str, object, str]]:
    r = f.rules
    pct = lambda x: Decimal(str(x)) * 100
    return [(_("Budget"), r.budget_eur, "eur"), (_("Minimum ticket"), r.ticket_min_eur, "eur"),
            (_("Maximum ticket"), r.ticket_max_eur, "eur"),
            (_("Minority stake: share of the capital after the round, at most"), pct(r.max_stake), "pct"),
            (_("Share of committed money in labelled ecosystems, at least"), pct(r.labelled_share), "pct"),
            (_("Share of committed money in one region, at most"), pct(r.region_cap), "pct"),
            (_("Private money in the round per fund euro, at least"), Decimal(str(r.coinvest_ratio)), "num"),
            (_("A batch commits at least"), r.commit_at_least_eur, "eur")]


def _balances(f):
    return services.balances(f.id) if desk.ledger_open(f) else None


@login_required
def home(request):
    require(request, "fund.view", None)
    f = desk.fund()
    return render(request, "web/fund_home.html", {
        "fund": f, "rules": _rules(f), "balances": _balances(f),
        "labelled": [desk.territory_names(f).get(t, t) for t in f.labelled],
        "criteria": f.criteria, "eliminatory": f.eliminatory, "n_apps": len(desk.applications(f))})


@login_required
def applications(request):
    require(request, "fund.view", None)
    f = desk.fund()
    upload_error = None
    if request.method == "POST":
        require(request, "fund.manage", None)
        try:
            if "generate" in request.POST:
                try:
                    n, seed = int(request.POST.get("n", "60")), int(request.POST.get("seed", "1"))
                except ValueError:
                    raise desk.DeskError(_("Give whole numbers for the count and the seed.")) from None
                if not 1 <= n <= MAX_GENERATED:
                    raise desk.DeskError(_("Generate between 1 and %(max)d applications.") % {"max": MAX_GENERATED})
                apps = desk.generate(f, n, seed)
                record(request.user, "fund.applications.generate", None, after={"n": n, "seed": seed,
                                                                                "generated": True})
                messages.success(request, _("%(n)d GENERATED applications loaded (demo data, not real "
                                            "accelerators).") % {"n": len(apps)})
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise desk.DeskError(_("Choose a CSV file of applications."))
                if upload.size > MAX_UPLOAD_BYTES:
                    raise desk.DeskError(_("The file is too large (5 MB at most)."))
                with tempfile.TemporaryDirectory() as tmp:
                    dest = Path(tmp) / (Path(upload.name).name or "applications.csv")
                    with open(dest, "wb") as out:
                        out.writelines(upload.chunks())
                    apps = desk.import_applications(f, dest)
                record(request.user, "fund.applications.upload", None,
                       after={"file": upload.name, "applications": len(apps),
                              "generated": any(a.generated for a in apps)})
                messages.success(request, _("%(n)d applications read from %(file)s.")
                                 % {"n": len(apps), "file": upload.name})
            return redirect("fund-applications")
        except InputError as exc:
            upload_error = {"line": exc.line, "column": exc.column, "message": str(exc)}
        except FrenchTechError as exc:
            upload_error = {"message": str(exc)}
    apps = desk.applications(f)
    scores = desk.assessments(f, apps)
    names = desk.territory_names(f)
    rows = [{"app": a, "a": scores[a.application_id], "region": region_name(a.region, f.vintage),
             "territory": names.get(a.territory, a.territory),
             "failed": [e for e in f.eliminatory if e.label in scores[a.application_id].failed_conditions]}
            for a in apps]
    return render(request, "web/fund_applications.html", {
        "fund": f, "rows": rows, "generated": any(a.generated for a in apps), "upload_error": upload_error,
        "max_generated": MAX_GENERATED}, status=400 if upload_error else 200)


@login_required
def application(request, application_id):
    require(request, "fund.view", None)
    f = desk.fund()
    apps = {a.application_id: a for a in desk.applications(f)}
    app = apps.get(application_id)
    if app is None:
        raise Http404(_("No such application in the current batch."))
    error = None
    if request.method == "POST":
        require(request, "fund.manage", None)
        try:
            before, after = desk.set_rating(f, application_id, request.POST.get("manager_rating", ""))
            record(request.user, "fund.application.rate", None, before={"application": application_id,
                                                                          "manager_rating": before},
                   after={"application": application_id, "manager_rating": after})
            messages.success(request, _("Rating saved."))
            return redirect("fund-application", application_id=application_id)
        except desk.DeskError:
            error = _("The rating must be a number from 1 to 5.")
    a = desk.assessments(f, [app])[application_id]
    criteria = [{"c": c, "value": getattr(app, c.id), "normalised": a.parts[c.id]} for c in f.criteria]
    conditions = [{"e": e, "passes": e.passes(getattr(app, e.field, None)), "value": getattr(app, e.field, None)}
                  for e in f.eliminatory]
    return render(request, "web/fund_application.html", {
        "fund": f, "app": app, "a": a, "criteria": criteria, "conditions": conditions, "error": error,
        "region": region_name(app.region, f.vintage),
        "territory": desk.territory_names(f).get(app.territory, app.territory)}, status=400 if error else 200)


def _money(v) -> Decimal:
    return Decimal(str(v)) if v not in (None, "") else Decimal(0)


@login_required
def allocation(request):
    require(request, "fund.view", None)
    f = desk.fund()
    conflict = None
    if request.method == "POST":
        require(request, "fund.manage", None)
        try:
            doc = desk.run_allocation(f)
            record(request.user, "fund.allocate", None, after={
                "reference": doc["reference"], "status": doc["status"], "certificate": doc["certificate"],
                "funded": doc["summary"]["funded"], "total_eur": doc["summary"]["batch_total_eur"]})
            messages.success(request, _("Allocation computed."))
            return redirect("fund-allocation")
        except InfeasibleRules as exc:
            conflict = [{"rule": g, "relax": render_reason(r), "relax_code": r.code, "relax_params": [dict(r.params)]}
                        for g, r in zip(exc.conflict, exc.reasons())]
        except FrenchTechError as exc:
            messages.error(request, str(exc))
            return redirect("fund-allocation")
    latest = desk.latest_allocation(f)
    ctx = {"fund": f, "conflict": conflict, "doc": None}
    if latest is not None:
        doc, rows = latest
        for r in rows:
            r["amount"], r["requested"], r["cap"] = _money(r["amount_eur"]), _money(r["requested_eur"]), _money(r["cap_eur"])
            r["region_name"] = region_name(r["region"], f.vintage)
        s = doc["summary"]
        ctx.update({
            "doc": doc, "funded": [r for r in rows if r["funded"] == "true"],
            "rejected": [{**r, "needed": rej.get("score_needed")} for r in rows if r["funded"] != "true"
                         for rej in [next((x for x in doc["rejected"] if x["application_id"] == r["application_id"]), {})]],
            "total": _money(s["batch_total_eur"]), "available_after": _money(s["available_after_eur"]),
            "labelled_share": Decimal(str(s["labelled_share_after"])) * 100 if s["labelled_share_after"] is not None else None,
            "binding": [{**b, "label": _rule_label(b["rule"], f), "slack": _money(b["slack_eur"])} for b in doc["binding"]],
            "prices": [{**p, "label": _rule_label(p["rule"], f), "plain": _price_text(p["rule"], p["value_per_eur"])}
                       for p in doc["shadow_prices"]],
            "optimal": doc["status"] == "optimal",
            "committed": Decision.objects.filter(fund__code=f.id, reference=doc["reference"]).exists()})
    return render(request, "web/fund_allocation.html", ctx, status=409 if conflict else 200)


def _rule_label(rule: str, f) -> str:
    """A rule of the fund in words (the optimiser names it ``budget``, ``region:11``...)."""
    if rule.startswith("region:"):
        return _("Cap per region: %(region)s") % {"region": region_name(rule[7:], f.vintage)}
    words = {"budget": _("Budget available"), "labelled_share": _("Minimum share for labelled ecosystems"),
             "commit_at_least": _("Minimum commitment of a batch")}
    return words.get(rule, rule)


def _price_text(rule: str, value) -> str:
    """A shadow price in words: what one euro more (or less) on the rule is worth."""
    amount = number_format(abs(Decimal(str(value))), 6, use_l10n=True)
    if rule in ("labelled_share", "commit_at_least"):  # minimums: requiring more costs value
        return _("This minimum holds the allocation back: each euro more it requires lowers the score-weighted "
                 "value by %(value)s, each euro less raises it as much.") % {"value": amount}
    return _("Each euro more this limit allowed would raise the score-weighted value by %(value)s.") % {"value": amount}


@login_required
def commit(request):
    """The confirmation page (positions, totals, reference) and, when its summary is sent back unchanged,
    the commitment: booking in the ledger cannot be undone (only released position by position)."""
    require(request, "fund.manage", None)
    f = desk.fund()
    if request.method != "POST":
        try:
            summary = desk.commit_summary(f)
        except desk.DeskError:
            messages.error(request, _("There is no allocation to commit: run the allocation first."))
            return redirect("fund-allocation")
        for p in summary["positions"]:
            p["region_name"] = region_name(p["region"], f.vintage)
        return render(request, "web/fund_commit_confirm.html", {"fund": f, "s": summary})
    try:
        result = desk.commit_latest(f, decided_by=request.user.get_username(),
                                    confirmed=request.POST.get("confirm", ""))
    except desk.StaleSummary:
        messages.error(request, _("Nothing was committed: the allocation or the ledger changed since the "
                                  "summary was shown. Review the new summary before confirming."))
        return redirect("fund-commit")
    except FrenchTechError as exc:
        messages.error(request, _("Not committed: %(reason)s") % {"reason": exc})
        return redirect("fund-allocation")
    decision = Decision.objects.get(fund__code=f.id, reference=result["reference"])
    if result["booked"]:
        record(request.user, "fund.commit", decision, after={
            "reference": result["reference"], "booked": result["booked"], "skipped": result["skipped"],
            "total_eur": result["total_eur"]})
    messages.success(request, _("%(booked)d commitment(s) booked, %(skipped)d already booked.")
                     % {"booked": result["booked"], "skipped": result["skipped"]})
    return redirect("fund-ledger")


@login_required
def ledger(request):
    require(request, "fund.view", None)
    f = desk.fund()
    kinds = {"open": _("Fund opened"), "commit": _("Commitment"), "disburse": _("Disbursement"),
             "return": _("Return"), "write_off": _("Write-off"), "release": _("Commitment released")}
    rows = [{**e, "label": kinds.get(e["kind"], e["kind"]), "at": datetime.fromisoformat(e["at"])}
            for e in (services.entries(f.id, 500) if desk.ledger_open(f) else [])]
    return render(request, "web/fund_ledger.html", {"fund": f, "balances": _balances(f), "entries": rows})


@login_required
def report(request):
    require(request, "fund.view", None)
    f = desk.fund()
    ctx = {"fund": f, "balances": None}
    if desk.ledger_open(f):
        b = services.balances(f.id)
        names = {**desk.territory_names(f), "-": "–"}
        data = portfolio_report(b, services.portfolio(f.id), f.rules, f.vintage)["data"]
        committed = b.committed
        cap = Decimal(str(f.rules.region_cap))

        def groups(items, names):
            out = []
            for k, g in items.items():
                share = g["committed_eur"] / committed if committed else Decimal(0)
                out.append({**g, "key": k, "name": names(k), "share": share * 100, "over": share > cap})
            return out

        share = data["labelled_committed_eur"] / committed if committed else None
        ctx.update({
            "balances": b, "labelled_committed": data["labelled_committed_eur"],
            "labelled_share": share * 100 if share is not None else None,
            "labelled_rule": Decimal(str(f.rules.labelled_share)) * 100, "region_cap": cap * 100,
            "labelled_ok": share is None or share >= Decimal(str(f.rules.labelled_share)),
            "by_territory": groups(data["by_territory"], lambda k: names.get(k, k)),
            "by_region": groups(data["by_region"], lambda k: region_name(k, f.vintage)),
            "positions": [{**p, "territory_name": names.get(p["territory"], p["territory"])}
                          for p in data["positions"]], "operations": [(op, label) for op, (_k, _c, label) in OPERATIONS.items()],
            "can_manage": bool(can(request.user, "fund.manage", None))})
    return render(request, "web/fund_report.html", ctx)


# What a fund manager records on a position: (decision kind, the position's amount it may not
# exceed, label). A disbursement or a release draws on the undrawn commitment; a write-off on the
# money invested at cost; a return (proceeds received) has no ceiling.
OPERATIONS = {
    "disburse": ("disbursement", "undrawn_eur", gettext_lazy("Disbursement")),
    "return": ("return", None, gettext_lazy("Return")),
    "write_off": ("write_off", "invested_eur", gettext_lazy("Write-off")),
    "release": ("release", "undrawn_eur", gettext_lazy("Commitment released")),
}


def _eur(amount: Decimal) -> str:
    return number_format(amount, 2, use_l10n=True, force_grouping=True)


def _operation_errors(post, position) -> tuple[list[str], Decimal | None]:
    """The form's mistakes, said in the page's language, before the ledger is touched."""
    errors, amount = [], None
    op = post.get("op", "")
    if op not in OPERATIONS:
        errors.append(_("Choose an operation."))
    try:
        amount = money(post.get("amount", ""))
    except LedgerError:
        errors.append(_("The amount must be a positive number of euros, to the cent (for example 250000.00)."))
    if not post.get("reference", "").strip():
        errors.append(_("Give the reference of the decision (for example the investment committee's minutes)."))
    if not post.get("rationale", "").strip():
        errors.append(_("Give the reason for this operation."))
    if amount is not None and op in OPERATIONS and OPERATIONS[op][1] is not None:
        ceiling = position[OPERATIONS[op][1]]
        if amount > ceiling:
            errors.append(_("%(amount)s € is more than %(what)s of this position (%(ceiling)s €).") % {
                "amount": _eur(amount), "ceiling": _eur(ceiling),
                "what": _("the undrawn commitment") if OPERATIONS[op][1] == "undrawn_eur"
                else _("the money invested at cost")})
    return errors, amount


@login_required
@require_POST
def position_operation(request, application_id):
    """Record a disbursement, a return, a write-off or a release on one position: the decision and
    its ledger entry are booked together or not at all; sending the same form twice books once."""
    require(request, "fund.manage", None)
    f = desk.fund()
    if not desk.ledger_open(f):
        raise Http404("the fund has no ledger yet")
    rows = {r["application_id"]: r for r in services.portfolio(f.id)}
    if application_id not in rows:
        raise Http404("no such position")
    position = rows[application_id]
    position["invested_eur"] = position["disbursed_eur"] - position["written_off_eur"]
    errors, amount = _operation_errors(request.POST, position)
    if errors:
        for e in errors:
            messages.error(request, e)
        return redirect(f"{reverse('fund-report')}#position-{application_id}")
    op = request.POST["op"]
    kind, _ceiling, label = OPERATIONS[op]
    reference = request.POST["reference"].strip()
    key = f"{reference}:{op}:{application_id}"
    already = Entry.objects.filter(fund__code=f.id, idempotency_key=key).exists()
    try:
        with transaction.atomic():
            decision = services.record_decision(f.id, kind, reference, request.POST["rationale"].strip(),
                                                decided_by=request.user.get_username())
            entry = services.OPERATIONS[op](f.id, application_id, amount, decision, key)
    except FrenchTechError as exc:
        messages.error(request, _("Not recorded: %(reason)s") % {"reason": exc})
        return redirect(f"{reverse('fund-report')}#position-{application_id}")
    if already:
        messages.info(request, _("Already recorded: %(what)s of %(amount)s € for %(position)s under %(reference)s.")
                      % {"what": label, "amount": _eur(amount), "position": application_id, "reference": reference})
    else:
        record(request.user, f"fund.{op}", entry, after={"application_id": application_id, "amount_eur": amount,
                                                         "decision": reference})
        messages.success(request, _("Recorded: %(what)s of %(amount)s € for %(position)s.")
                         % {"what": label, "amount": _eur(amount), "position": application_id})
    return redirect(f"{reverse('fund-report')}#position-{application_id}")


urlpatterns = [
    path("", home, name="fund-home"),
    path("applications/", applications, name="fund-applications"),
    path("applications/<str:application_id>/", application, name="fund-application"),
    path("allocation/", allocation, name="fund-allocation"),
    path("allocation/commit/", commit, name="fund-commit"),
    path("ledger/", ledger, name="fund-ledger"),
    path("report/", report, name="fund-report"),
    path("positions/<str:application_id>/", position_operation, name="fund-position"),
]
