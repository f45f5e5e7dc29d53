"""Decisions and publication as the web pages see them.

During the deliberation, the decision recorded for a dossier is an append-only activity entry
("decision.record"); the latest entry per dossier is the current one. Publication hands them to the
programme's labels registry: the audit's decisions are published as they are (``publish_audit``) and
every jury decision that departs from them is recorded as a new decision linked to the audit's, with
its rationale (``correct_decision``). Published decisions are immutable there; the public page reads them.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.labelling.settings import _years_after
from frenchtech.programme.activity.models import Entry
from frenchtech.programme.activity.services import record
from frenchtech.programme.dossiers.models import Call, Dossier
from frenchtech.programme.dossiers.services import load_call_campaign
from frenchtech.web import labels_text

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
    if decision == "deferred":  # a deferral grants no label: no validity dates
        starts, ends = None, None
        errors.pop("starts", None), errors.pop("ends", None)
    proposed = (proposal or {}).get("decision")
    override = decision != proposed if proposed else decision == "deferred"
    rationale = (data.get("rationale") or "").strip()
    if override and len(rationale) < 10:
        if decision == "deferred":
            errors["rationale"] = [_("A deferral departs from the audit's proposal: write the rationale.")]
        else:
            errors["rationale"] = [_("This decision departs from the audit's proposal (%(p)s): write the "
                                     "rationale.") % {"p": labels_text.decision(proposed)}]
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
    """Make the call's decisions public and immutable; returns how many were published: every decision of
    the published audit run (the rows of the public page), including territories decided by the audit
    alone, without a dossier on the platform."""
    from frenchtech.programme.labels.models import Decision
    from frenchtech.programme.labels.services import (
        PublicationError,
        correct_decision,
        publish_audit,
    )

    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.published_at is not None:
        raise DecisionError({"__all__": [_("Already published.")]})
    decided = current_decisions(call)
    missing = Dossier.objects.filter(call=call, status="submitted").exclude(pk__in=decided.keys())
    if missing.exists():
        raise DecisionError({"__all__": [_("Decide every submitted dossier first: %(names)s.")
                                         % {"names": ", ".join(d.name for d in missing)}]})
    if not call.audit_dir:
        raise DecisionError({"__all__": [_("No audit is loaded for this campaign: nothing can be published.")]})
    dossiers = {d.pk: d for d in Dossier.objects.filter(pk__in=decided.keys())}
    review_years = load_call_campaign(call).rules.validity.review_years
    try:
        run = publish_audit(call.audit_dir)
        for pk, d in decided.items():
            latest = _latest(Decision.objects.filter(run=run, territory=dossiers[pk].territory))
            if latest is None or latest.decision == d["decision"]:
                continue
            starts, ends = _as_date(d.get("starts")), _as_date(d.get("ends"))
            review_until = None
            if d["decision"] == "labelled" and starts and ends and review_years:
                # a label granted by the jury has the review period of every label of the campaign
                review_until = min(_years_after(starts, review_years), ends)
            correct_decision(latest.record_id, d["decision"], d["rationale"],
                             on_date=timezone.localdate(),
                             valid_from=starts, review_until=review_until, valid_until=ends)
    except PublicationError as exc:
        raise DecisionError({"__all__": [str(exc)]}) from None
    call.published_at = timezone.now()
    call.save(update_fields=["published_at"])
    published = len(public_decisions(call))
    record(actor, "call.publish", call, after={"decisions": len(decided), "published": published,
                                               "published_at": call.published_at, "run": run.pk},
           campaign=call.campaign)
    return published


def _latest(decisions):
    """The newest decision of a chain (the one no other decision supersedes)."""
    items = list(decisions)
    superseded = {d.supersedes_id for d in items if d.supersedes_id}
    heads = [d for d in items if d.pk not in superseded]
    return heads[0] if heads else None


def public_decisions(call: Call) -> list[dict]:
    """Published decisions of the call's campaign (the newest of each chain), labelled first.

    The published run holds every territory of the campaign's audit, including those that submitted no
    dossier on the platform (automatic labels, candidates decided by the audit alone): they are listed
    too, marked ``audit_only``."""
    from frenchtech.programme.labels.models import CampaignRun, Decision

    run = CampaignRun.objects.filter(campaign=call.campaign).first()
    if call.published_at is None or run is None:
        return []
    # territories examined on the platform: a submitted dossier, or a decision recorded in the deliberation
    applied = set(Dossier.objects.filter(call=call, status="submitted").values_list("territory", flat=True))
    applied |= {d.get("territory") for d in current_decisions(call).values()}
    by_territory: dict[str, list] = {}
    for d in Decision.objects.filter(run=run):
        by_territory.setdefault(d.territory, []).append(d)
    rows = []
    for territory, items in by_territory.items():
        d = _latest(items)
        rows.append({"name": d.name, "territory": territory, "decision": d.decision, "kind": d.kind,
                     "kind_label": labels_text.kind(d.kind), "audit_only": territory not in applied,
                     "starts": d.valid_from, "ends": d.valid_until, "override": d.override,
                     "rationale": d.override_rationale, "corrected": d.supersedes_id is not None})
    order = {"labelled": 0, "renewed": 0, "confirmed": 1, "deferred": 2, "not_selected": 3}
    return sorted(rows, key=lambda r: (order.get(r["decision"], 3), r["name"]))
