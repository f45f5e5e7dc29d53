"""Record and export activity. Services take plain arguments so the CLI, web and tests share them."""
from __future__ import annotations

import csv
import io
import json

from frenchtech.programme.activity.models import Entry

CSV_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "campaign", "before", "after")


def record(actor, action: str, obj=None, *, before=None, after=None, campaign: str = "") -> Entry:
    """Append one entry. ``obj`` is any model instance (its type and id are kept) or None."""
    name = getattr(actor, "get_username", lambda: "")() if actor is not None else "system"
    return Entry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, actor_name=name or "anonymous", action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", campaign=campaign,
        before=_plain(before), after=_plain(after))


def _plain(value):
    """JSON-safe copy (dates and decimals as strings)."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def entries(campaign: str | None = None, action: str | None = None):
    qs = Entry.objects.all()
    if campaign:
        qs = qs.filter(campaign=campaign)
    if action:
        qs = qs.filter(action=action)
    return qs


def export_csv(queryset) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in queryset.iterator():
        w.writerow([e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, e.campaign,
                    json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                    json.dumps(e.after, ensure_ascii=False) if e.after is not None else ""])
    return out.getvalue()
