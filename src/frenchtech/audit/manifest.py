"""The audit manifest: what went in (hashed), how (configuration, version, seed), what came out."""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash")


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(8 << 20), b""):
            h.update(block)  # hashlib releases the GIL on large blocks: runs beside the query
    return h.hexdigest()


def hash_later(path) -> Future:
    """Hash a (possibly large) input in the background while the audit scans it."""
    return _pool.submit(sha256, path)


def write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n",
                    encoding="utf-8")


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


def run_context(result) -> dict:
    """What verify needs to re-run the audit: the evidence folder and the predecessor folder."""
    import dataclasses

    rules = getattr(result.campaign, "rules", None)
    return {"labelling_resolved": dataclasses.asdict(rules) if dataclasses.is_dataclass(rules) else None,
            "evidence_dir": str(Path(result.evidence_dir).resolve()) if getattr(result, "evidence_dir", None) else None,
            "predecessor": {"campaign": getattr(result.campaign, "predecessor", None),
                            "folder": str(Path(result.previous).resolve()) if getattr(result, "previous", None)
                            else None}}
