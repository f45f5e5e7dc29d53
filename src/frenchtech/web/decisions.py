"""Decisions and publication as the web pages see them.

The pages call only these functions. Until the programme's labels app records decisions, a decision
is an append-only activity entry ("decision.record") and publication stamps the call; the latest entry
per dossier is the current decision, and entries after publication are refused.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.programme.activity.models import Entry
from frenchtech.programme.activity.services import record
from frenchtech.programme.dossiers.models import Call, Dossier

DECISIONS = ("labelled", "not_selected", "deferred")


class DecisionError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _as_date(value):
    if isinstance(value, dt.date) or value in (None, ""):
        return value or None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return "bad"


def clean_decision(data: dict, proposal: dict | None) -> dict:
    errors: dict[str, list[str]] = {}
    decision = data.get("decision", "")
    if decision not in DECISIONS:
        errors["decision"] = [_("Choose a decision.")]
    kind = (data.get("kind") or "metropole").strip()[:40]
    starts, ends = _as_date(data.get("starts")), _as_date(data.get("ends"))
    for name, value in (("starts", starts), ("ends", ends)):
        if value == "bad":
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    if decision == "labelled" and not (starts and ends) and "starts" not in errors and "ends" not in errors:
        errors.setdefault("starts", []).append(_("A label needs its validity dates."))
    if starts and ends and starts != "bad" and ends != "bad" and ends <= starts:
        errors["ends"] = [_("The end of validity must come after its start.")]
    proposed = (proposal or {}).get("decision")
    override = bool(proposed) and decision != proposed
    rationale = (data.get("rationale") or "").strip()
    if override and len(rationale) < 10:
        errors["rationale"] = [_("This decision departs from the audit's proposal (%(p)s): write the rationale.")
                               % {"p": proposed}]
    if errors:
        raise DecisionError(errors)
    return {"decision": decision, "kind": kind, "starts": starts.isoformat() if starts else None,
            "ends": ends.isoformat() if ends else None, "rationale": rationale, "proposed": proposed,
            "override": override}


@transaction.atomic
def record_decision(call: Call, dossier: Dossier, data: dict, proposal: dict | None, actor) -> dict:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.published_at is not None:
        raise DecisionError({"__all__": [_("The decisions are published and can no longer be changed.")]})
    clean = clean_decision(data, proposal)
    before = current_decisions(call).get(dossier.pk)
    record(actor, "decision.record", dossier, before=before, after={**clean, "territory": dossier.territory},
           campaign=call.campaign)
    return clean


def current_decisions(call: Call) -> dict[int, dict]:
    """dossier id -> the latest decision recorded (with who and when)."""
    out = {}
    for e in Entry.objects.filter(campaign=call.campaign, action="decision.record").order_by("at", "id"):
        out[int(e.object_id)] = {**e.after, "by": e.actor_name, "at": e.at}
    return out


@transaction.atomic
def publish(call: Call, actor) -> int:
    """Make the call's decisions public and immutable; returns how many were published."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.published_at is not None:
        raise DecisionError({"__all__": [_("Already published.")]})
    decided = current_decisions(call)
    missing = Dossier.objects.filter(call=call, status="submitted").exclude(pk__in=decided.keys())
    if missing.exists():
        raise DecisionError({"__all__": [_("Decide every submitted dossier first: %(names)s.")
                                         % {"names": ", ".join(d.name for d in missing)}]})
    call.published_at = timezone.now()
    call.save(update_fields=["published_at"])
    record(actor, "call.publish", call, after={"decisions": len(decided), "published_at": call.published_at},
           campaign=call.campaign)
    return len(decided)


def public_decisions(call: Call) -> list[dict]:
    """Published decisions, best first: labelled, then deferred, then not selected."""
    if call.published_at is None:
        return []
    decided = current_decisions(call)
    dossiers = {d.pk: d for d in Dossier.objects.filter(pk__in=decided.keys())}
    rows = [{"dossier": dossiers[pk], **d} for pk, d in decided.items() if pk in dossiers]
    order = {"labelled": 0, "deferred": 1, "not_selected": 2}
    return sorted(rows, key=lambda r: (order.get(r["decision"], 9), r["dossier"].name))
