"""A re-audit of a published campaign, published as corrections.

Once a call is published its audit is fixed. When the evidence is corrected and the campaign audited
again, the new audit is published as a new publication that supersedes the previous one: every decision
the new audit changes becomes a correction linked to the published decision (with the rationale and
the new audit's manifest hash), the decisions the jury took by hand stand, and the new audit's files
are pinned and served from then on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from frenchtech.audit.folder import read as read_audit
from frenchtech.labelling.registry import as_date
from frenchtech.programme.activity.services import record
from frenchtech.programme.deliberation import snapshot
from frenchtech.programme.deliberation.models import Publication
from frenchtech.programme.deliberation.services import (
    MIN_RATIONALE,
    _publication,
    current_decisions,
)
from frenchtech.programme.dossiers.models import Call
from frenchtech.programme.labels.models import CampaignRun
from frenchtech.programme.labels.services import (
    PublicationError,
    correct_decision,
    refuse_edited_manifest,
    standing_decisions,
)

COMPARED = ("decision", "kind", "valid_from", "review_until", "valid_until", "reapply_from")


@dataclass
class Plan:
    """What publishing the re-audit would change."""
    campaign: str
    manifest_sha256: str
    changes: list[dict] = field(default_factory=list)     # territory, name, before, after (decision, dates)
    kept: list[dict] = field(default_factory=list)        # decided by hand by the jury: they stand
    unknown: list[str] = field(default_factory=list)      # territories the published audit did not have

    def as_dict(self) -> dict:
        return {"campaign": self.campaign, "manifest_sha256": self.manifest_sha256, "changes": self.changes,
                "kept": self.kept, "unknown": self.unknown}


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _published_call(campaign: str) -> tuple[Call, CampaignRun, Publication]:
    call = Call.objects.filter(campaign=campaign).first()
    run = CampaignRun.objects.filter(campaign=campaign).first()
    if call is None or call.published_at is None or run is None:
        raise PublicationError(f"campaign {campaign}: not published on the platform; publish its decisions first")
    latest = Publication.objects.filter(call=call, superseded_by__isnull=True).first()
    if latest is None:
        raise PublicationError(f"campaign {campaign}: its publication pinned no audit; it cannot be re-audited here")
    return call, run, latest


def _audit(audit_dir) -> tuple[dict, str, list[dict]]:
    folder = Path(audit_dir)
    manifest_path, decisions_path = folder / "manifest.json", folder / "decisions.csv"
    for path in (manifest_path, decisions_path):
        if not path.is_file():
            raise PublicationError(f"{path}: not found (an audit folder has manifest.json and decisions.csv)")
    audit = read_audit(folder)
    manifest = audit.manifest
    refuse_edited_manifest(manifest, manifest_path)
    return manifest, audit.manifest_sha256, audit.decision_records()


def plan(campaign: str, audit_dir) -> Plan:
    """Compare a new audit of a published campaign with the decisions that stand."""
    call, run, latest = _published_call(campaign)
    manifest, sha, rows = _audit(audit_dir)
    if manifest.get("campaign") != campaign:
        raise PublicationError(f"{Path(audit_dir) / 'manifest.json'}: an audit of campaign "
                               f"{manifest.get('campaign')!r}, not {campaign!r}")
    if sha == latest.manifest_sha256:
        raise PublicationError(f"{Path(audit_dir)}: this audit is the one already published")
    by_hand = {d.territory for d in current_decisions(call).values() if d.manual}
    heads = standing_decisions(run)
    out = Plan(campaign, sha)
    for row in rows:
        territory = row["territory"]
        standing = heads.get(territory)
        if standing is None:
            out.unknown.append(territory)
            continue
        before = {k: (_iso(getattr(standing, k)) if k not in ("decision", "kind") else getattr(standing, k))
                  for k in COMPARED}
        after = {k: (_iso(as_date(row.get(k))) if k not in ("decision", "kind") else (row.get(k) or "metropole"))
                 for k in COMPARED}
        if before == after:
            continue
        item = {"territory": territory, "name": standing.name, "record": standing.record_id, "before": before,
                "after": after}
        (out.kept if territory in by_hand else out.changes).append(item)
    return out


@transaction.atomic
def publish(campaign: str, audit_dir, rationale: str, actor, *, confirmed_manifest: str) -> Publication:
    """Publish the re-audit: a correction per changed decision, the new audit pinned. ``confirmed_manifest``
    is the hash the summary showed (nothing is published if the folder changed since)."""
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        raise PublicationError("a re-audit needs a written rationale (10 characters or more)")
    todo = plan(campaign, audit_dir)
    if confirmed_manifest != todo.manifest_sha256:
        raise PublicationError(f"{audit_dir}: the audit changed since its summary was shown (manifest "
                               f"{todo.manifest_sha256[:12]}…, confirmed {confirmed_manifest[:12]}…)")
    call, run, latest = _published_call(campaign)
    why = f"{rationale} (re-audit, manifest {todo.manifest_sha256[:12]})"
    for item in todo.changes:
        after = item["after"]
        correct_decision(item["record"], after["decision"], why, on_date=timezone.localdate(), kind=after["kind"],
                         **{k: as_date(after[k]) for k in COMPARED[2:]})
    publication = _publication(call, run, todo.manifest_sha256, todo.as_dict(), actor, rationale=rationale,
                               supersedes=latest)
    snapshot.pin(publication, audit_dir)
    record(actor, "call.reaudit", call, after={**todo.as_dict(), "rationale": rationale}, campaign=call.campaign)
    return publication
