"""Programme team pages: the call's calendar and the activity log (with CSV export)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frenchtech.programme.activity.models import Entry
from frenchtech.programme.activity.services import CSV_COLUMNS, entries
from frenchtech.programme.dossiers.models import Phase
from frenchtech.programme.dossiers.services import (
    CALENDAR_FIELDS,
    DossierError,
    advance_phase,
    set_calendar,
)
from frenchtech.web import activity_text
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import require


@login_required
def calendar(request):
    call = current_call()
    require(request, "call.manage", call)
    errors = {}
    if request.method == "POST":
        try:
            if "advance" in request.POST:
                advance_phase(call, request.user)
            else:
                dates = {}
                for f in CALENDAR_FIELDS:
                    value = request.POST.get(f, "")
                    try:
                        dates[f] = timezone.make_aware(dt.datetime.fromisoformat(value))
                    except ValueError:
                        errors[f] = [_("Enter a date and time.")]
                if not errors:
                    set_calendar(call, request.user, **dates)
        except DossierError as exc:
            errors = exc.errors
        if not errors:
            messages.success(request, _("Calendar updated: the campaign is now at stage “%(phase)s”.")
                             % {"phase": Phase(call.phase()).label})
            return redirect("calendar")
    fields = [(f, call._meta.get_field(f).verbose_name, timezone.localtime(getattr(call, f)).strftime("%Y-%m-%dT%H:%M"),
               errors.get(f)) for f in CALENDAR_FIELDS]
    return render(request, "web/calendar.html", {"call": call, "fields": fields, "errors": errors})


def _filters(request) -> tuple[dict, object, dict]:
    """The activity log's filters read from the query string (actor, kind of object, action, dates), the
    entries they select, and the filters' problems (a date that is not one)."""
    f = {k: request.GET.get(k, "").strip() for k in ("actor", "object", "action", "since", "until")}
    qs, errors = entries(), {}
    if f["actor"]:
        qs = qs.filter(actor_name=f["actor"])
    if f["object"] in activity_text.OBJECTS:
        qs = qs.filter(object_type__in=activity_text.OBJECTS[f["object"]][1])
    if f["action"]:
        qs = qs.filter(action=f["action"])
    for key, lookup in (("since", "at__date__gte"), ("until", "at__date__lte")):
        if f[key]:
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(f[key])})
            except ValueError:
                errors[key] = _("Enter a date such as 2014-11-12.")
    return f, qs, errors


@login_required
def activity(request):
    call = current_call()
    require(request, "activity.view", call)
    f, qs, errors = _filters(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    namer = activity_text.Namer((get_language() or "fr")[:2])
    rows = [{"entry": e, "sentence": activity_text.sentence(e, namer)} for e in page]
    query = urlencode({k: v for k, v in f.items() if v})
    every = Entry.objects.all()
    return render(request, "web/activity.html", {
        "page": page, "rows": rows, "filters": f, "errors": errors, "query": query,
        "actors": sorted(set(every.values_list("actor_name", flat=True))),
        "objects": [(k, _(label)) for k, (label, _types) in activity_text.OBJECTS.items()],
        "actions": sorted(((a, activity_text.action_label(a)) for a in set(every.values_list("action", flat=True))),
                          key=lambda x: x[1]),
        "problems": [{"anchor": f"id_{k}", "label": "", "message": m} for k, m in errors.items()]},
        status=400 if errors else 200)


@login_required
def activity_csv(request):
    """The entries the filters select, with a sentence in the page's language beside the codes."""
    call = current_call()
    require(request, "activity.view", call)
    _f, qs, errors = _filters(request)
    if errors:
        return HttpResponse("; ".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")
    namer = activity_text.Namer((get_language() or "fr")[:2])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS + ("description",))
    for e in qs.iterator():
        w.writerow([e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, e.campaign,
                    json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                    json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                    activity_text.sentence(e, namer)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response
