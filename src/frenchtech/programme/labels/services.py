"""Services over published decisions and labels; plain arguments in, plain data out.

The registry questions (active on a date, history, expiring, may apply again) are answered by the
pure functions of :mod:`frenchtech.labelling.registry` on the published decision records, so the
database and an audit folder give the same answers.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from frenchtech.audit.folder import read as read_audit
from frenchtech.audit.manifest import check_manifest
from frenchtech.errors import FrenchTechError, InputError
from frenchtech.labelling import registry
from frenchtech.labelling.registry import DEFERRED, GRANTING, as_date
from frenchtech.programme.labels.models import CampaignRun, Decision, Label


class PublicationError(FrenchTechError):
    """A publication or correction the programme refuses (already published, overlap, no rationale)."""


def _float(value):
    return None if value in (None, "") else float(value)


def _bool(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _text(value) -> str:
    return "" if value is None else str(value)


def refuse_edited_manifest(manifest: dict, path) -> None:
    """A manifest whose content no longer matches its own hash is never published."""
    problems = check_manifest(manifest)
    if problems:
        raise PublicationError(f"{path}: edited after the audit ("
                               + "; ".join(p.get("problem", str(p)) for p in problems) + "); run `frenchtech verify`")


@transaction.atomic
def publish_audit(audit_dir) -> CampaignRun:
    """Record an audit's decisions (decisions.csv, checked against manifest.json) and the labels they
    grant. Publishing the same audit twice is a no-op; a different audit of a published campaign is
    refused (corrections are new decisions, see :func:`correct_decision`)."""
    folder = Path(audit_dir)
    manifest_path, decisions_path = folder / "manifest.json", folder / "decisions.csv"
    for p in (manifest_path, decisions_path):
        if not p.is_file():
            raise InputError(p, "not found", expected="an audit folder (manifest.json, decisions.csv)")
    audit = read_audit(folder)
    manifest = audit.manifest
    refuse_edited_manifest(manifest, manifest_path)
    if not audit.output_intact("decisions.csv"):
        raise PublicationError(f"{decisions_path}: differs from the hash recorded in its manifest; "
                               "run `frenchtech verify` on the audit")
    manifest_sha = audit.manifest_sha256
    campaign = manifest["campaign"]
    existing = CampaignRun.objects.filter(campaign=campaign).first()
    if existing is not None:
        if existing.manifest_sha256 == manifest_sha:
            return existing
        raise PublicationError(f"campaign {campaign} is already published (manifest {existing.manifest_sha256[:12]}…); "
                               "published decisions are immutable: record corrections instead")
    config = manifest.get("configuration", {}).get("campaign", {})
    predecessor = manifest.get("predecessor", {}).get("campaign") or config.get("predecessor") or ""
    if predecessor and not CampaignRun.objects.filter(campaign=predecessor).exists():
        raise PublicationError(f"campaign {campaign} is chained to {predecessor}, which is not published yet")
    rows = audit.decision_records()  # the very bytes whose hash was checked
    run = CampaignRun.objects.create(campaign=campaign, name=config.get("name", campaign),
                                     announced=as_date(config.get("announced") or rows[0]["decided_on"]),
                                     predecessor=predecessor, manifest_sha256=manifest_sha, manifest=manifest,
                                     generated_evidence=bool(manifest.get("generated_evidence")))
    for row in rows:
        _record(run, row)
    return run


def _record(run: CampaignRun, row: dict, supersedes: Decision | None = None) -> Decision:
    try:
        d = Decision.objects.create(
            run=run, record_id=row.get("id") or f"{run.campaign}:{row['territory']}", territory=row["territory"],
            name=_text(row.get("name")) or row["territory"], kind=row.get("kind") or "metropole",
            theme=_text(row.get("theme")), decision=row["decision"], reason=_text(row.get("reason")),
            score=_float(row.get("score")), relative=_float(row.get("relative")), group=_text(row.get("group")),
            override=_bool(row.get("override")), override_rationale=_text(row.get("override_rationale")),
            early_warning=_text(row.get("early_warning")), flags=_text(row.get("flags")),
            decided_on=as_date(row.get("decided_on")) or run.announced, valid_from=as_date(row.get("valid_from")),
            review_until=as_date(row.get("review_until")), valid_until=as_date(row.get("valid_until")),
            reapply_from=as_date(row.get("reapply_from")), label_ref=_text(row.get("label")), supersedes=supersedes)
        if d.decision in GRANTING:
            Label.objects.create(label_id=d.label_ref or f"{run.campaign}:{d.territory}:{d.kind}",
                                 territory=d.territory, name=d.name, kind=d.kind, theme=d.theme,
                                 valid_from=d.valid_from, review_until=d.review_until, valid_until=d.valid_until,
                                 granted_by=d)
    except ValidationError as exc:
        raise PublicationError(f"{row.get('territory')}: " + "; ".join(exc.messages)) from None
    return d


@transaction.atomic
def correct_decision(record_id: str, decision: str, rationale: str, on_date=None, kind: str | None = None,
                     **dates) -> Decision:
    """A new decision superseding ``record_id`` (never an edit). ``kind``: the label kind of the new
    decision (default: the old one's); ``dates``: valid_from, review_until, valid_until, reapply_from."""
    old = Decision.objects.filter(record_id=record_id).first()
    if old is None:
        raise PublicationError(f"no published decision {record_id!r}")
    if Decision.objects.filter(supersedes=old).exists():
        raise PublicationError(f"decision {record_id} is already corrected; correct the newest one")
    if not rationale or len(rationale.strip()) < 10:
        raise PublicationError("a correction needs a written rationale (10 characters or more)")
    day = as_date(on_date) or dt.date.today()
    n = Decision.objects.filter(record_id__startswith=f"{record_id}#").count() + 1
    row = old.as_record() | {"id": f"{record_id}#{n}", "decision": decision, "decided_on": day, "override": True,
                             "override_rationale": rationale.strip(), "reason": f"correction of {record_id}: {rationale}",
                             "label": "" if decision in GRANTING + (DEFERRED,) else old.label_ref}
    row.update({k: None for k in ("valid_from", "review_until", "valid_until", "reapply_from")})
    row.update(dates)
    row["kind"] = kind or old.kind
    if decision in GRANTING:
        row["label"] = f"{record_id}#{n}:{row['kind']}"
    return _record(old.run, row, supersedes=old)


def standing_decisions(run: CampaignRun) -> dict[str, Decision]:
    """territory -> the decision of ``run`` that stands (the newest of its chain of corrections)."""
    return {d.territory: d for d in Decision.objects.filter(run=run, superseded_by__isnull=True)}


def records() -> list[dict]:
    """Every published decision as a plain record (see frenchtech.labelling.registry)."""
    return [d.as_record() for d in Decision.objects.select_related("run", "supersedes")]


def _label_dict(lab, day=None) -> dict:
    out = {"label": lab.id, "territory": lab.territory, "name": lab.name, "kind": lab.kind, "theme": lab.theme,
           "campaign": lab.campaign, "valid_from": lab.valid_from.isoformat(),
           "review_until": lab.review_until.isoformat() if lab.review_until else None,
           "valid_until": lab.valid_until.isoformat(),
           "withdrawn_on": lab.withdrawn_on.isoformat() if lab.withdrawn_on else None}
    if day is not None:
        out["phase"] = lab.phase(day)
    return out


def active_labels(on_date) -> list[dict]:
    day = as_date(on_date)
    return [_label_dict(lab, day) for lab in registry.active_on(records(), day)]


def label_history(territory: str) -> list[dict]:
    keys = ("id", "campaign", "territory", "kind", "theme", "decision", "decided_on", "valid_from", "review_until", "valid_until",
            "reapply_from", "relative", "group", "override", "override_rationale", "early_warning", "flags",
            "supersedes", "reason")
    out = []
    for r in registry.history(records(), territory):
        out.append({k: (r[k].isoformat() if isinstance(r.get(k), dt.date) else r.get(k)) for k in keys})
    return out


def deferred(on_date=None) -> list[dict]:
    """Territories deferred by their newest decision (as of ``on_date``): no label, carried to the next
    campaign without a re-application delay."""
    return [{"territory": r["territory"], "name": r.get("name") or r["territory"], "kind": r.get("kind"),
             "campaign": r["campaign"], "decided_on": as_date(r["decided_on"]).isoformat(),
             "rationale": r.get("override_rationale") or ""}
            for r in registry.deferred(records(), as_date(on_date))]


def expiring(within_days: int, on_date=None) -> list[dict]:
    day = as_date(on_date) or dt.date.today()
    return [_label_dict(lab, day) for lab in registry.expiring(records(), day, within_days)]


def may_apply_again(territory: str, on_date) -> dict:
    ok, why, when = registry.may_apply_again(records(), territory, on_date)
    return {"territory": territory, "on": as_date(on_date).isoformat(), "may_apply": ok, "reason": why,
            "from": when.isoformat() if when else None}


def campaign_status() -> list[dict]:
    """One row per published campaign: decisions by outcome, overrides, warnings, flags."""
    out = []
    for run in CampaignRun.objects.all():
        ds = [d for d in run.decisions.all() if not Decision.objects.filter(supersedes=d).exists()]
        count = {k: sum(1 for d in ds if d.decision == k) for k in Decision.KINDS}
        out.append({"campaign": run.campaign, "name": run.name, "announced": run.announced.isoformat(),
                    "predecessor": run.predecessor or None, "published": run.published_at.isoformat(timespec="seconds"),
                    "generated_evidence": run.generated_evidence, "candidates": len(ds),
                    **{k: v for k, v in count.items()}, "overrides": sum(d.override for d in ds),
                    "early_warnings": sum(bool(d.early_warning) for d in ds), "flagged": sum(bool(d.flags) for d in ds),
                    "manifest_sha256": run.manifest_sha256})
    return out
