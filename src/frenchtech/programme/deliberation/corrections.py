"""Corrections of published decisions. A correction is a new published decision that supersedes the
one standing (never an edit); it is made from a confirmation page whose summary (the decision standing,
the new one, the rationale) is sent back as its SHA-256: if the summary no longer holds, nothing changes."""
from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.programme.activity.services import record
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.deliberation.services import MIN_RATIONALE, DecisionError, clean_decision
from frenchtech.programme.dossiers.models import Call, Dossier
from frenchtech.programme.labels.models import CampaignRun
from frenchtech.programme.labels.services import PublicationError, correct_decision, standing_decisions


class StaleCorrection(DecisionError):
    """The published decision or the correction changed since the confirmation page was shown."""


def _standing(call: Call, dossier: Dossier):
    if call.published_at is None:
        raise DecisionError({"__all__": [_("Nothing is published yet: record the decision in the deliberation.")]})
    run = CampaignRun.objects.filter(campaign=call.campaign).first()
    current = standing_decisions(run).get(dossier.territory) if run else None
    if current is None:
        raise DecisionError({"__all__": [_("This territory has no published decision to correct.")]})
    return current


def correction_summary(call: Call, dossier: Dossier, data: dict) -> dict:
    """What the correction changes: the decision standing, the new one (checked against the campaign's
    label rules), the rationale, and ``digest``, the SHA-256 of all of it."""
    current = _standing(call, dossier)
    standing = {"decision": current.decision, "kind": current.kind, "valid_from": current.valid_from,
                "valid_until": current.valid_until}
    clean = clean_decision(data, {**standing, "decision": current.decision}, load_call_campaign(call))
    rationale = (data.get("rationale") or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise DecisionError({"rationale": [_("A correction of a published decision needs a written rationale.")]})
    new = {"decision": clean["decision"], "kind": clean["kind"], "valid_from": clean["valid_from"],
           "valid_until": clean["valid_until"], "review_until": clean["review_until"]}
    if {k: new[k] for k in standing} == standing:
        raise DecisionError({"decision": [_("This is the decision already published: nothing to correct.")]})
    canonical = json.dumps({"record": current.record_id, "new": new, "rationale": rationale}, sort_keys=True, default=str)
    return {"current": current, "standing": standing, "new": new, "rationale": rationale,
            "digest": hashlib.sha256(canonical.encode()).hexdigest()}


@transaction.atomic
def correct_published(call: Call, dossier: Dossier, data: dict, actor, *, confirmed: str):
    """Publish the correction the confirmation page showed; refused (nothing changed) when its summary's
    hash ``confirmed`` no longer matches what would be published."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    summary = correction_summary(call, dossier, data)
    if not confirmed or confirmed != summary["digest"]:
        raise StaleCorrection({"__all__": [_("The published decision changed since the summary was shown: "
                                             "nothing was corrected. Review the new summary.")]})
    new = summary["new"]
    try:
        decision = correct_decision(summary["current"].record_id, new["decision"], summary["rationale"],
                                    on_date=timezone.localdate(), kind=new["kind"], valid_from=new["valid_from"],
                                    review_until=new["review_until"], valid_until=new["valid_until"])
    except PublicationError as exc:
        raise DecisionError({"__all__": [str(exc)]}) from None
    record(actor, "decision.correct", dossier, before={**summary["standing"], "record": summary["current"].record_id},
           after={**new, "record": decision.record_id, "rationale": summary["rationale"]}, campaign=call.campaign)
    return decision
