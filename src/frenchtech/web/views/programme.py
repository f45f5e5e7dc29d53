"""Programme team pages: the call's calendar and the activity log (with CSV export)."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.programme.activity.services import entries, export_csv
from frenchtech.programme.dossiers.models import Phase
from frenchtech.programme.dossiers.services import (
    CALENDAR_FIELDS,
    DossierError,
    advance_phase,
    set_calendar,
)
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


@login_required
def activity(request):
    call = current_call()
    require(request, "activity.view", call)
    qs = entries(action=request.GET.get("action") or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/activity.html", {"page": page})


@login_required
def activity_csv(request):
    call = current_call()
    require(request, "activity.view", call)
    response = HttpResponse(export_csv(entries()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response
