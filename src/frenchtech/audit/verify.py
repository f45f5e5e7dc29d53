"""Verify an audit from its manifest: check the manifest against its own hash (and its signature), re-hash
every input, compare the software, re-run the audit in a scratch folder and compare every output, byte
for byte (by SHA-256), and every field of the manifest with the manifest the re-run writes. Anything
that differs is named: the input file and its two hashes, the software component and its two versions,
the output file, the manifest field and its two values, the signature."""
from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from frenchtech.audit.manifest import (
    SELF,
    SIGNATURE,
    as_json,
    campaign_fields,
    check_manifest,
    output_hashes,
    read_manifest,
)
from frenchtech.audit.run import run_audit, software_versions
from frenchtech.audit.signing import check_signature, load_public_key
from frenchtech.campaign import load_campaign
from frenchtech.errors import FrenchTechError
from frenchtech.hashing import file_digest, recorded_digest

# Fields left out of the field-by-field comparison with the re-run's manifest, and why:
# - "created": the time of the run. Two runs of the same audit write manifests that differ only there
#   (no duration, host name or scratch path is recorded: outputs are relative names, the evidence and
#   predecessor folders are resolved absolute paths, the same at each run);
# - "self" and "signature": checked on their own (the self-hash changes with "created" anyway);
# - "software" and "outputs": compared with the running software and with the outputs re-hashed in the
#   folder and in the re-run, each difference already named there.
# Inputs are compared by resolved path only: an audit records a path as it was given (relative or
# absolute) and the re-run gets it absolute; their SHA-256 is compared by re-hashing each file.
NOT_COMPARED = ("created", SELF, SIGNATURE, "software", "outputs")
_ABSENT = object()


@dataclass
class Verification:
    manifest: Path
    inputs_checked: int = 0
    outputs_checked: int = 0
    # {"what": manifest|signature|input|software|output|rerun, "name": ..., "problem": ..., ...}
    differences: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # what else was checked and found sound, never a failure

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"manifest": str(self.manifest), "identical": self.ok, "inputs_checked": self.inputs_checked,
                "outputs_checked": self.outputs_checked, "differences": self.differences, "notes": self.notes}


def verify(manifest_path, rerun: bool = True, key=None) -> Verification:
    """Check the manifest, the inputs, the software and (if ``rerun``) the outputs of the audit
    ``manifest_path`` (a manifest.json or its audit folder). With ``key`` (an Ed25519 public key or its
    PEM file) the manifest must be signed by that key."""
    public_key = load_public_key(key) if isinstance(key, (str, Path)) else key  # a bad key file: say so first
    manifest_path, m = read_manifest(manifest_path)
    report = Verification(manifest_path)
    _check_self(m, report)
    differences, notes = check_signature(m, public_key)
    report.differences.extend(differences)
    report.notes.extend(notes)
    _check_inputs(m, report)
    _check_software(m, report)
    _check_outputs(m, manifest_path.parent, report)
    again = _rerun(m, report) if rerun else None
    if again is not None:
        _compare_fields(m, again, "re-run", report)
    else:  # without a re-run, the fields that the campaign file and the evidence folder determine
        reference = _from_inputs(m)
        if reference is not None:
            _compare_fields({k: m.get(k, _ABSENT) for k in reference}, reference,
                            "campaign file and evidence folder", report)
    return report


def _check_inputs(m: dict, report: Verification) -> None:
    for name, entry in sorted(m.get("inputs", {}).items()):
        report.inputs_checked += 1
        recorded = recorded_digest(entry)
        if recorded is None or not isinstance(entry.get("path"), str):
            report.differences.append({"what": "input", "name": name, "path": str(entry.get("path")) if
                                       isinstance(entry, dict) else None, "algorithm": None,
                                       "problem": "recorded without a path or a digest", "recorded": entry,
                                       "now": None})
            continue
        # each entry says how it was hashed: SHA-256 (every input of older manifests) or BLAKE3 (registers)
        algorithm, digest = recorded
        path = Path(entry["path"])
        if not path.is_file():
            report.differences.append({"what": "input", "name": name, "path": str(path), "problem": "missing",
                                       "algorithm": algorithm, "recorded": digest, "now": None})
            continue
        now = file_digest(path, algorithm)
        if now != digest:
            report.differences.append({"what": "input", "name": name, "path": str(path), "problem": "changed",
                                       "algorithm": algorithm, "recorded": digest, "now": now})


def _check_software(m: dict, report: Verification) -> None:
    current = software_versions()
    for name, version in sorted(m.get("software", {}).items()):
        if current.get(name) != version:
            report.differences.append({"what": "software", "name": name, "recorded": version,
                                       "now": current.get(name)})


def _check_outputs(m: dict, folder: Path, report: Verification) -> None:
    recorded_outputs = m.get("outputs", {})
    present = output_hashes(folder)
    for name, digest in sorted(present.items()):
        if name not in recorded_outputs:
            report.differences.append({"what": "output", "name": name, "problem": "not in the manifest",
                                       "path": str(folder / name)})
        elif digest != recorded_outputs[name]:
            report.differences.append({"what": "output", "name": name, "problem": "changed in the audit folder",
                                       "path": str(folder / name), "recorded": recorded_outputs[name], "now": digest})
    for name in sorted(set(recorded_outputs) - set(present)):
        report.differences.append({"what": "output", "name": name, "problem": "missing from the audit folder",
                                   "path": str(folder / name)})


def _check_self(m: dict, report: Verification) -> None:
    if SELF not in m:  # written before manifests hashed themselves: still verified, field by field
        report.notes.append("the manifest carries no self-hash (written by an older version): only its "
                            "fields that can be compared with the campaign file or the re-run are checked")
        return
    problems = check_manifest(m)
    report.differences.extend(problems)
    if not problems:
        report.notes.append("manifest intact: its content matches its self-hash")


def _from_inputs(m: dict) -> dict | None:
    """The manifest fields that the recorded campaign file and evidence folder give today, or None when
    the campaign file cannot be read (the input check names it)."""
    entry = (m.get("inputs") or {}).get("campaign")
    if not isinstance(entry, dict) or not entry.get("path"):
        return None
    try:
        campaign = load_campaign(entry["path"])
    except (FrenchTechError, OSError):
        return None
    evidence_dir = m.get("evidence_dir")
    reference = as_json(campaign_fields(campaign, evidence_dir))
    if not evidence_dir or not Path(evidence_dir).is_dir():
        del reference["generated_evidence"]  # the evidence folder is gone: the input check says so
    return reference


def _comparable(manifest: dict) -> dict:
    out = {k: v for k, v in manifest.items() if k not in NOT_COMPARED}
    if isinstance(out.get("inputs"), dict):
        out["inputs"] = {name: {"path": str(Path(e["path"]).resolve())} if isinstance(e, dict)
                         and isinstance(e.get("path"), str) else e for name, e in out["inputs"].items()}
    return out


def _same(a, b) -> bool:
    """Equal and of the same JSON type (true is not 1); NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def field_differences(recorded, reference, path: str = "") -> list[tuple[str, object, object]]:
    """(dotted path, recorded value, reference value) for every leaf that differs; a value absent on one
    side is the ``_ABSENT`` marker. Lists of the same length are compared item by item (``name[i]``)."""
    if isinstance(recorded, dict) and isinstance(reference, dict):
        return [d for key in sorted(set(recorded) | set(reference), key=str)
                for d in field_differences(recorded.get(key, _ABSENT), reference.get(key, _ABSENT),
                                           f"{path}.{key}" if path else str(key))]
    if isinstance(recorded, list) and isinstance(reference, list) and len(recorded) == len(reference):
        return [d for i, (a, b) in enumerate(zip(recorded, reference))
                for d in field_differences(a, b, f"{path}[{i}]")]
    return [] if _same(recorded, reference) else [(path, recorded, reference)]


def _compare_fields(recorded: dict, reference: dict, against: str, report: Verification) -> None:
    for name, was, now in field_differences(_comparable(recorded), _comparable(reference)):
        problem = ("absent from the manifest" if was is _ABSENT else
                   f"not given by the {against}" if now is _ABSENT else f"differs from the {against}")
        report.differences.append({"what": "manifest", "name": name, "field": name, "problem": problem,
                                   "against": against, "recorded": None if was is _ABSENT else was,
                                   "now": None if now is _ABSENT else now})


def _rerun(m: dict, report: Verification) -> dict | None:
    """Re-run the audit in a scratch folder, compare its outputs; return the manifest it wrote."""
    campaign_entry = m.get("inputs", {}).get("campaign")
    evidence_dir = m.get("evidence_dir")
    if not campaign_entry or not evidence_dir:
        report.differences.append({"what": "rerun", "problem": "the manifest does not say where the campaign "
                                   "file and the evidence folder are"})
        return None
    scratch = Path(tempfile.mkdtemp(prefix="frenchtech-verify-"))
    try:
        campaign = load_campaign(campaign_entry["path"])
        previous = (m.get("predecessor") or {}).get("folder")
        run_audit(campaign, evidence_dir, scratch / "audit", engine=m.get("engine", "duckdb"), previous=previous)
        _, rerun_manifest = read_manifest(scratch / "audit")
        again = rerun_manifest.get("outputs", {})   # the re-run hashed its outputs as it wrote them
    except FrenchTechError as exc:
        report.differences.append({"what": "rerun", "problem": f"the audit no longer runs: {exc}"})
        shutil.rmtree(scratch, ignore_errors=True)
        return None
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
    return rerun_manifest


def _value(v) -> str:
    text = "nothing" if v is None else json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def describe(d: dict) -> str:
    """One line per difference, for the terminal."""
    if d["what"] == "input" and not d.get("algorithm"):
        return f"input {d['name']} {d['problem']}: {_value(d['recorded'])}"
    if d["what"] == "input":
        return (f"input {d['name']} {d['problem']}: {d['path']} (recorded {d['algorithm']} {d['recorded'][:12]}…, "
                f"now {d['now'][:12] + '…' if d['now'] else 'absent'})")
    if d["what"] == "software":
        return f"software {d['name']} changed: {d['recorded']} when audited, {d['now']} now"
    if d["what"] == "output":
        return f"output {d['name']} {d['problem']}"
    if d["what"] == "manifest" and "field" in d:
        return f"manifest field {d['field']} {d['problem']}: recorded {_value(d['recorded'])}, now {_value(d['now'])}"
    if d["what"] == "manifest":
        if d["problem"] == "edited after the audit":
            return (f"manifest edited after the audit: its content no longer matches its self-hash (recorded "
                    f"sha256 {d['recorded'][:12]}…, now {d['now'][:12]}…)")
        return f"manifest: {d['problem']}"
    if d["what"] == "signature":
        keys = (f" (signed by key {d['recorded'][:16]}…, required {d['now'][:16]}…)"
                if d["problem"] == "signed by another key" else "")
        return f"signature: {d['problem']}{keys}"
    return f"re-run: {d['problem']}"
