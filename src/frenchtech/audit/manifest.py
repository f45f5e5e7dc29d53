"""The audit manifest: what went in (hashed), how (configuration, version, seed), what came out.

Inputs are hashed with SHA-256, the register with BLAKE3 (frenchtech.hashing); each input's entry
names its algorithm by its key (``sha256`` or ``blake3``), so older manifests read as they were.

The manifest carries the SHA-256 of its own canonical content (``self``), so that an edit made after
the audit shows; a ``signature`` block (frenchtech.audit.signing) may be added beside it."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from frenchtech.errors import InputError
from frenchtech.hashing import file_sha256 as sha256

SELF = "self"            # the block holding the manifest's own hash
SIGNATURE = "signature"  # the block holding its signature, if signed


def as_json(manifest: dict) -> dict:
    """The manifest as it reads back from its file (dates as text, tuples as lists): hashing this form
    gives the same digest when the audit writes it and when verify reads it."""
    return json.loads(json.dumps(manifest, default=str, ensure_ascii=False))


def canonical_bytes(manifest: dict, without=(SELF, SIGNATURE)) -> bytes:
    """The canonical JSON of the manifest, the blocks ``without`` left out: what is hashed and signed."""
    content = {k: v for k, v in manifest.items() if k not in without}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def self_digest(manifest: dict) -> str:
    return hashlib.sha256(canonical_bytes(manifest)).hexdigest()


def seal(manifest: dict) -> dict:
    """A copy of the manifest carrying the hash of its own content (its signature, if any, kept)."""
    sealed = as_json(manifest)
    sealed[SELF] = {"algorithm": "sha256", "digest": self_digest(sealed),
                    "covers": f"canonical JSON of the manifest without its '{SELF}' and '{SIGNATURE}' blocks"}
    return sealed


def check_manifest(manifest: dict) -> list[dict]:
    """The self-hash problems of a manifest (a dict as read from manifest.json): empty when its content
    matches its own hash, or when it carries none (written before manifests hashed themselves)."""
    block = manifest.get(SELF)
    if block is None:
        return []
    if not isinstance(block, dict) or block.get("algorithm") != "sha256" or not isinstance(block.get("digest"), str):
        return [{"what": "manifest", "name": SELF, "problem": f"its '{SELF}' block is not a sha256 digest",
                 "recorded": block, "now": None}]
    now = self_digest(manifest)
    if now != block["digest"]:
        return [{"what": "manifest", "name": SELF, "problem": "edited after the audit", "recorded": block["digest"],
                 "now": now}]
    return []


def dump_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest as it is (no new self-hash): through a temporary file, so a reader never sees
    half of it."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    tmp.replace(path)


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest of an audit, sealed with the hash of its own content."""
    dump_manifest(path, seal(manifest))


def read_manifest(path) -> tuple[Path, dict]:
    """The manifest at ``path`` (a manifest.json or its audit folder): its path and its content."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise InputError(path, "manifest not found", expected="the manifest.json of an audit folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a manifest: {exc}", expected="the manifest.json written by an audit") from None
    if not isinstance(manifest, dict):
        raise InputError(path, "not a manifest: not a JSON object", expected="the manifest.json written by an audit")
    return path, manifest


def output_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file written under ``folder`` (relative POSIX names), the manifest excepted."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


def write_labelling_outputs(result, folder: Path) -> None:
    """flags.csv (declared vs observed) and evidence/<territory>-<measure>.csv, the rows behind each flag."""
    flags = getattr(result, "flags", None)
    if flags is None:
        return
    flags.to_csv(folder / "flags.csv", index=False, float_format="%.10g", lineterminator="\n")
    files = getattr(result, "flag_files", {}) or {}
    if files:
        (folder / "evidence").mkdir(exist_ok=True)
    for name, rows in sorted(files.items()):
        rows.to_csv(folder / "evidence" / name, index=False, float_format="%.10g", lineterminator="\n",
                    date_format="%Y-%m-%d")


def predecessor_inputs(folder) -> dict:
    """The predecessor audit's decisions, hashed as an input of a chained campaign."""
    if folder is None:
        return {}
    path = Path(folder) / "decisions.csv"
    return {"predecessor:decisions.csv": {"path": str(path.resolve()), "sha256": sha256(path)}}


def campaign_fields(campaign, evidence_dir) -> dict:
    """The manifest fields that follow from the campaign file and the evidence folder alone (verify
    compares them with what a manifest says, even without re-running the audit)."""
    rules = getattr(campaign, "rules", None)
    return {"campaign": campaign.id,
            "generated_evidence": evidence_dir is not None and (Path(evidence_dir) / "GENERATED.json").exists(),
            "seed": campaign.seed,
            "configuration": campaign.configuration(),
            "labelling_resolved": dataclasses.asdict(rules) if dataclasses.is_dataclass(rules) else None}


def run_context(result) -> dict:
    """What verify needs to re-run the audit: the evidence folder and the predecessor folder."""
    return {"evidence_dir": str(Path(result.evidence_dir).resolve()) if getattr(result, "evidence_dir", None) else None,
            "predecessor": {"campaign": getattr(result.campaign, "predecessor", None),
                            "folder": str(Path(result.previous).resolve()) if getattr(result, "previous", None)
                            else None}}
