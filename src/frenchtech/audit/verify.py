"""Verify an audit from its manifest: re-hash every input, compare the software, re-run the audit in a
scratch folder and compare every output, byte for byte (by SHA-256). Anything that differs is named:
the input file and its two hashes, the software component and its two versions, the output file."""
from __future__ import annotations

import json
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from frenchtech.audit.manifest import output_hashes, sha256
from frenchtech.errors import FrenchTechError, InputError


@dataclass
class Verification:
    manifest: Path
    inputs_checked: int = 0
    outputs_checked: int = 0
    differences: list[dict] = field(default_factory=list)   # {"what": input|software|output|rerun, ...}

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"manifest": str(self.manifest), "identical": self.ok, "inputs_checked": self.inputs_checked,
                "outputs_checked": self.outputs_checked, "differences": self.differences}


def software_versions() -> dict:
    import ibis
    import pandas as pd

    from frenchtech import __version__
    return {"frenchtech": __version__, "python": platform.python_version(), "ibis": ibis.__version__,
            "pandas": pd.__version__}


def _load(path: Path) -> dict:
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise InputError(path, "manifest not found", expected="the manifest.json of an audit folder")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a manifest: {exc}", expected="the manifest.json written by an audit") from None


def verify(manifest_path, rerun: bool = True) -> Verification:
    """Check the inputs, the software and (if ``rerun``) the outputs of the audit ``manifest_path``
    (a manifest.json or its audit folder)."""
    manifest_path = Path(manifest_path)
    if manifest_path.is_dir():
        manifest_path = manifest_path / "manifest.json"
    m = _load(manifest_path)
    folder = manifest_path.parent
    report = Verification(manifest_path)
    for name, entry in sorted(m.get("inputs", {}).items()):
        report.inputs_checked += 1
        path = Path(entry["path"])
        if not path.is_file():
            report.differences.append({"what": "input", "name": name, "path": str(path), "problem": "missing",
                                       "recorded": entry["sha256"], "now": None})
            continue
        now = sha256(path)
        if now != entry["sha256"]:
            report.differences.append({"what": "input", "name": name, "path": str(path), "problem": "changed",
                                       "recorded": entry["sha256"], "now": now})
    current = software_versions()
    for name, version in sorted(m.get("software", {}).items()):
        if current.get(name) != version:
            report.differences.append({"what": "software", "name": name, "recorded": version,
                                       "now": current.get(name)})
    recorded_outputs = m.get("outputs", {})
    for name, digest in sorted(output_hashes(folder).items()):
        if name not in recorded_outputs:
            report.differences.append({"what": "output", "name": name, "problem": "not in the manifest",
                                       "path": str(folder / name)})
        elif digest != recorded_outputs[name]:
            report.differences.append({"what": "output", "name": name, "problem": "changed in the audit folder",
                                       "path": str(folder / name), "recorded": recorded_outputs[name], "now": digest})
    for name in sorted(set(recorded_outputs) - set(output_hashes(folder))):
        report.differences.append({"what": "output", "name": name, "problem": "missing from the audit folder",
                                   "path": str(folder / name)})
    if rerun:
        _rerun(m, report)
    return report


def _rerun(m: dict, report: Verification) -> None:
    from frenchtech.audit.run import run_audit
    from frenchtech.campaign import load_campaign

    campaign_entry = m.get("inputs", {}).get("campaign")
    evidence_dir = m.get("evidence_dir")
    if not campaign_entry or not evidence_dir:
        report.differences.append({"what": "rerun", "problem": "the manifest does not say where the campaign "
                                   "file and the evidence folder are"})
        return
    scratch = Path(tempfile.mkdtemp(prefix="frenchtech-verify-"))
    try:
        campaign = load_campaign(campaign_entry["path"])
        previous = (m.get("predecessor") or {}).get("folder")
        run_audit(campaign, evidence_dir, scratch / "audit", engine=m.get("engine", "duckdb"), previous=previous)
        again = output_hashes(scratch / "audit")
    except FrenchTechError as exc:
        report.differences.append({"what": "rerun", "problem": f"the audit no longer runs: {exc}"})
        shutil.rmtree(scratch, ignore_errors=True)
        return
    try:
        recorded = m.get("outputs", {})
        for name in sorted(set(recorded) | set(again)):
            if recorded.get(name) != again.get(name):
                problem = ("not produced by the re-run" if name not in again else
                           "produced by the re-run but not recorded" if name not in recorded else
                           "differs when re-run")
                report.differences.append({"what": "output", "name": name, "problem": problem,
                                           "recorded": recorded.get(name), "now": again.get(name)})
        report.outputs_checked = len(recorded)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def describe(d: dict) -> str:
    """One line per difference, for the terminal."""
    if d["what"] == "input":
        return (f"input {d['name']} {d['problem']}: {d['path']} (recorded sha256 {d['recorded'][:12]}…, "
                f"now {d['now'][:12] + '…' if d['now'] else 'absent'})")
    if d["what"] == "software":
        return f"software {d['name']} changed: {d['recorded']} when audited, {d['now']} now"
    if d["what"] == "output":
        return f"output {d['name']} {d['problem']}"
    return f"re-run: {d['problem']}"
