"""Pages anyone can see: home, published decisions, and the perimeter JSON used by the dossier form."""
from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from frenchtech.geo import load_geography
from frenchtech.geo.geography import VINTAGES
from frenchtech.geo.geography import normalise_name
from frenchtech.programme.accounts.permissions import can
from frenchtech.programme.dossiers.models import Call, Phase
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.services import perimeter
from frenchtech.programme.deliberation.services import public_decisions
from frenchtech.web import labels_text
from frenchtech.web.caching import anonymous_page, csrf_context
from frenchtech.web.calls import current_call


def _call_shown():
    """What the page header and the home page show of the current call (its dates and phase)."""
    call = current_call()
    if call is None:
        return None
    return (call.pk, call.phase(), call.name, call.name_en, call.opens, call.deadline, call.review_ends,
            call.deliberation_ends, call.published_at)


@anonymous_page(_call_shown)
def home(request):
    call = current_call()
    published = Call.objects.filter(published_at__isnull=False).order_by("-published_at")
    return render(request, "web/home.html", {"call": call, "published_calls": published,
                                             "phases": Phase, **csrf_context(request)})


@anonymous_page(_call_shown)
def decisions(request, campaign):
    call = get_object_or_404(Call, campaign=campaign)
    if not can(request.user, "decision.public", call):
        raise Http404("not published")
    rows = [{**r, "kind_label": labels_text.kind(r["kind"])} for r in public_decisions(call)]
    return render(request, "web/public_decisions.html", {"call": call, "rows": rows, **csrf_context(request)})


def _codes(value: str) -> list[str]:
    return [c for c in value.replace(",", " ").split() if c][:500]


@require_GET
def perimeter_json(request):
    """Population and size of a perimeter: ?vintage=2014&epci=SIREN,...&communes=CODE,..."""
    call = current_call()
    given = request.GET.get("vintage")
    try:
        vintage = int(given or (load_call_campaign(call).vintage if call else 2014))
    except ValueError:
        vintage = None
    if vintage not in VINTAGES:
        return JsonResponse({"ok": False, "error": f"unknown geography vintage {given!r}; available: "
                                                   + ", ".join(map(str, VINTAGES)),
                             "population": 0, "communes": 0}, status=400)
    return JsonResponse(perimeter(vintage, _codes(request.GET.get("epci", "")), _codes(request.GET.get("communes", ""))))


@require_GET
def epci_json(request):
    """EPCI of the vintage whose name contains ?q= (at most 20), for the perimeter picker."""
    q = normalise_name(request.GET.get("q", ""))
    call = current_call()
    geo = load_geography(load_call_campaign(call).vintage if call else 2014)
    out = []
    if len(q) >= 2:
        for siren, name, nature in zip(geo.epci["siren"], geo.epci["name"], geo.epci["nature"]):
            if q in normalise_name(name):
                out.append({"siren": siren, "name": name, "nature": nature})
                if len(out) >= 20:
                    break
    return JsonResponse({"results": out})
