"""The published audit, pinned: at publication every file the public side serves is copied into the
database, each checked against the hash its manifest records; afterwards the showcase and the API read
that copy, never the audit folder, which may change or move.

What is pinned: the manifest itself, every output the manifest lists (tables, index/, flag evidence) and
the evidence tables the pages list (support structures and initiatives, checked against the manifest's
input hashes), under ``published-evidence/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from frenchtech.audit.folder import PUBLISHED_EVIDENCE
from frenchtech.errors import InputError
from frenchtech.hashing import file_sha256
from frenchtech.programme.deliberation.models import PublishedFile
from frenchtech.programme.labels.services import PublicationError, refuse_edited_manifest

LISTED_EVIDENCE = ("structures", "initiatives")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_sha256(audit_dir) -> str:
    """SHA-256 of the audit's manifest.json as it is now ("" when there is none)."""
    path = Path(audit_dir) / "manifest.json"
    return file_sha256(path) if path.is_file() else ""


def pin(publication, audit_dir) -> int:
    """Copy the published audit into the database; returns the number of files. Refused when a file
    differs from the hash its manifest records, or the manifest from the one the publication names."""
    folder = Path(audit_dir)
    raw = (folder / "manifest.json").read_bytes()
    if _sha(raw) != publication.manifest_sha256:
        raise PublicationError(f"{folder / 'manifest.json'}: changed while it was being published")
    manifest = json.loads(raw)
    refuse_edited_manifest(manifest, folder / "manifest.json")
    files = {"manifest.json": raw}
    for name, digest in sorted(manifest.get("outputs", {}).items()):
        files[name] = _checked(folder / name, digest)
    for kind in LISTED_EVIDENCE:
        entry = manifest.get("inputs", {}).get(f"{kind}:{kind}.csv")
        if entry and Path(entry["path"]).is_file():
            files[f"{PUBLISHED_EVIDENCE}/{kind}.csv"] = _checked(Path(entry["path"]), entry["sha256"])
    PublishedFile.objects.bulk_create([PublishedFile(publication=publication, path=name, sha256=_sha(data),
                                                     content=data) for name, data in files.items()])
    return len(files)


def _checked(path: Path, digest: str) -> bytes:
    if not path.is_file():
        raise PublicationError(f"{path}: listed in the audit's manifest but missing")
    data = path.read_bytes()
    if _sha(data) != digest:
        raise PublicationError(f"{path}: differs from the hash recorded in the audit's manifest; run "
                               "`frenchtech verify` on the audit")
    return data


def is_pinned(publication) -> bool:
    return PublishedFile.objects.filter(publication=publication).exists()


def folder(publication) -> Path:
    """The pinned audit of ``publication`` as a folder (written once per audit under the temporary
    directory, each file checked against its recorded hash), for the readers of audit folders."""
    target = Path(tempfile.gettempdir()) / f"frenchtech-published-{publication.manifest_sha256[:20]}" / "audit"
    if (target / "manifest.json").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="frenchtech-pinning-")) / "audit"
    for f in PublishedFile.objects.filter(publication=publication).iterator():
        data = bytes(f.content)
        if _sha(data) != f.sha256:
            raise InputError(f"published file {f.path}", "differs from its recorded hash",
                             expected="the bytes published with the campaign")
        path = staging / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staging, target)   # atomic: another process may have written the same bytes already
    except OSError:
        pass
    shutil.rmtree(staging.parent, ignore_errors=True)
    return target
