"""The showcase as the platform serves it: the audit of the published campaign, with the decisions
published in the programme's labels registry in place of the audit's proposals.

The jury may depart from the audit (a deferral, a label by override) and corrections may follow; once the
campaign is published, the registry holds the decisions that stand. The report layer reads audit folders
only (it never imports Django), so the platform hands it a copy of the audit folder whose decisions.csv
carries the published decisions; every other file is the audit's own.

Which audit: the folder named by the ``SHOWCASE_AUDIT`` setting or the ``FRENCHTECH_SHOWCASE_AUDIT``
environment variable, else the audit pinned with the newest publication, else the demo audit under the
platform's home folder (``HOME``/demo/audit, where ``frenchtech serve --demo`` writes it).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import DatabaseError

from frenchtech.programme.deliberation import snapshot
from frenchtech.programme.deliberation.models import Publication
from frenchtech.programme.dossiers.models import Call
from frenchtech.programme.labels.models import CampaignRun
from frenchtech.programme.labels.services import standing_decisions
from frenchtech.report import api

PROPOSED, PUBLISHED = "proposed", "published"
# Columns of decisions.csv that a published decision replaces.
DATE_COLUMNS = ("decided_on", "valid_from", "review_until", "valid_until", "reapply_from")


@dataclass(frozen=True)
class Source:
    """What the showcase reads: ``folder`` (the audit, or its copy with the published decisions) and
    whether its decisions are the audit's proposals or the published ones."""
    folder: Path
    decisions: str


def explicit_audit_folder() -> Path | None:
    """The audit folder named by the setting or the environment variable, if any."""
    folder = getattr(settings, "SHOWCASE_AUDIT", None) or os.environ.get("FRENCHTECH_SHOWCASE_AUDIT")
    return Path(folder).resolve() if folder else None


def home_folder() -> Path:
    return Path(getattr(settings, "HOME", None) or os.environ.get("FRENCHTECH_HOME") or ".").resolve()


def configured_audit_folder() -> Path:
    """The explicit audit folder, else the demo audit under the home folder (not the current directory:
    the server may run from anywhere)."""
    return explicit_audit_folder() or home_folder() / "demo" / "audit"


def audit_folder() -> Path:
    """The explicit setting or environment variable, else the audit as published with the newest
    published campaign (the copy pinned in the database at publication, never the call's audit folder,
    which may change afterwards), else the demo audit under the home folder."""
    explicit = explicit_audit_folder()
    if explicit is not None:
        return explicit
    try:
        pinned = _newest_published()
    except DatabaseError:  # a platform database not migrated yet: nothing is published
        pinned = None
    return pinned or configured_audit_folder()


def _newest_published() -> Path | None:
    for publication in Publication.objects.order_by("-published_at", "-pk"):
        if snapshot.is_pinned(publication):
            return snapshot.folder(publication)
    # published before files were pinned: the call's folder, only while it is byte for byte the audit
    # that was published
    for call in Call.objects.filter(published_at__isnull=False).exclude(audit_dir="").order_by("-published_at"):
        run = CampaignRun.objects.filter(campaign=call.campaign).first()
        if run is not None and snapshot.manifest_sha256(call.audit_dir) == run.manifest_sha256:
            return Path(call.audit_dir).resolve()
    return None


def _iso(value) -> str:
    return value.isoformat() if value else ""


def published_rows(campaign: str) -> list[dict] | None:
    """The decision that stands for each territory of a published campaign (the newest of each chain of
    corrections), or None when the campaign is not published."""
    try:
        run = CampaignRun.objects.filter(campaign=campaign).first()
        if run is None:
            return None
        standing = standing_decisions(run)
    except DatabaseError:  # a platform database not migrated yet: nothing is published
        return None
    rows = []
    for d in standing.values():
        rows.append({"territory": d.territory, "id": d.record_id, "decision": d.decision,
                     # a jury override or a correction is explained by its rationale, not the audit's rule
                     "reason": d.override_rationale if d.override and d.override_rationale else d.reason,
                     "override": d.override, "override_rationale": d.override_rationale, "label": d.label_ref,
                     **{c: _iso(getattr(d, c)) for c in DATE_COLUMNS}})
    return rows


def overlay(decisions: pd.DataFrame, published: list[dict]) -> pd.DataFrame:
    """The audit's decisions table with each published territory's decision, reason and dates in place of
    the audit's proposal (the audit's other columns, e.g. its rule's decision and the scores, are kept)."""
    out = decisions.copy()
    by_territory = {r["territory"]: r for r in published}
    columns = sorted({k for r in published for k in r} - {"territory"})
    for col in columns:
        if col not in out.columns:
            out[col] = ""
        out[col] = out[col].astype(object)
    for i, tid in out["territory"].items():
        row = by_territory.get(str(tid))
        if row is not None:
            written = out.at[i, "reason"] if "reason" in out.columns else None
            for col in columns:
                out.at[i, col] = row[col]
            if "reason_code" in out.columns and row.get("reason") != written:
                # the published reason (a rationale, a correction) is text: the audit's codes no longer apply
                out.at[i, "reason_code"], out.at[i, "reason_params"] = "", ""
    return out


_COPIES: dict[tuple, Path] = {}


def source() -> Source | None:
    """The showcase to serve, or None when there is no audit to show."""
    folder = audit_folder()
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    audit, _tables = api.published(folder)
    rows = published_rows(audit.campaign_id)
    if rows is None:
        return Source(folder, PROPOSED)
    key = (str(folder), manifest.stat().st_mtime, tuple(sorted((r["id"], r["decision"]) for r in rows)))
    if key not in _COPIES or not (_COPIES[key] / "manifest.json").is_file():
        _COPIES[key] = _copy_with(audit, overlay(audit.tables["decisions"], rows))
    return Source(_COPIES[key], PUBLISHED)


def _copy_with(audit, decisions: pd.DataFrame) -> Path:
    """A copy of the audit folder with these decisions; the manifest is kept byte for byte (the pages show
    its hash), and the evidence is reached where the audit reaches it."""
    folder = Path(audit.folder)
    base = Path(tempfile.mkdtemp(prefix="frenchtech-published-"))
    copy = base / "audit"
    shutil.copytree(folder, copy)
    decisions.to_csv(copy / "decisions.csv", index=False)
    named = audit.manifest.get("evidence_dir")
    if not (named and Path(named).is_absolute()):
        # a relative or missing evidence_dir: the copy finds it beside itself, as the audit does
        evidence = folder / named if named else folder.parent / "evidence"
        if not evidence.exists():
            evidence = folder.parent / "evidence"
        if evidence.is_dir():
            (base / "evidence").symlink_to(evidence.resolve(), target_is_directory=True)
    return copy
