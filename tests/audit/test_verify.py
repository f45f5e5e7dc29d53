"""verify: an untouched audit re-runs identically; one changed byte of one input is named."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from frenchtech.audit import run_audit
from frenchtech.audit.verify import verify
from frenchtech.cli import main


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    from pathlib import Path

    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    base = tmp_path_factory.mktemp("verify")
    campaign = load_campaign(Path(__file__).resolve().parents[1] / "fixtures" / "mini-2014.toml")
    generate_evidence(campaign, base / "ev", rows=20_000, seed=campaign.seed)
    run_audit(campaign, base / "ev", base / "au")
    return base


def _copy(audited, tmp_path):
    """A private evidence copy and its own audit (so a test can break one without touching the others)."""
    from pathlib import Path

    from frenchtech.campaign import load_campaign

    shutil.copytree(audited / "ev", tmp_path / "ev")
    campaign = load_campaign(Path(__file__).resolve().parents[1] / "fixtures" / "mini-2014.toml")
    run_audit(campaign, tmp_path / "ev", tmp_path / "au")
    return tmp_path / "au"


def test_untouched_audit_verifies(audited):
    report = verify(audited / "au" / "manifest.json")
    assert report.ok, report.differences
    assert report.inputs_checked >= 6 and report.outputs_checked >= 6
    r = CliRunner().invoke(main, ["verify", str(audited / "au" / "manifest.json")])
    assert r.exit_code == 0 and "verified" in r.output


def test_one_changed_byte_of_one_input_is_named(audited, tmp_path):
    au = _copy(audited, tmp_path)
    target = tmp_path / "ev" / "structures.csv"
    data = bytearray(target.read_bytes())
    i = data.rindex(b",") + 1            # the capacity of the last structure: still a valid file
    data[i] = ord("9") if data[i] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    report = verify(au / "manifest.json")
    assert not report.ok
    changed = [d for d in report.differences if d["what"] == "input"]
    assert len(changed) == 1 and changed[0]["path"].endswith("structures.csv")
    r = CliRunner().invoke(main, ["verify", str(au)])
    assert r.exit_code == 1
    assert "input structures:structures.csv changed" in r.output


def test_changed_output_and_software_version_are_named(audited, tmp_path):
    au = _copy(audited, tmp_path)
    (au / "scores.csv").write_text((au / "scores.csv").read_text() + "\n")
    manifest = json.loads((au / "manifest.json").read_text())
    manifest["software"]["frenchtech"] = "0.0.0-old"
    (au / "manifest.json").write_text(json.dumps(manifest))
    report = verify(au, rerun=False)
    whats = {(d["what"], d["name"]) for d in report.differences}
    assert ("output", "scores.csv") in whats and ("software", "frenchtech") in whats


def _change_one_register_byte(register) -> None:
    """One digit of the last row's siren changed: still a valid register, another file."""
    data = bytearray(register.read_bytes())
    i = data.rindex(b"\n", 0, len(data) - 1) + 1
    data[i] = ord("1") if data[i] != ord("1") else ord("2")
    register.write_bytes(bytes(data))


def test_the_register_is_recorded_and_checked_by_its_blake3(audited, tmp_path):
    import blake3

    au = _copy(audited, tmp_path)
    entry = json.loads((au / "manifest.json").read_text())["inputs"]["establishments"]
    register = tmp_path / "ev" / "StockEtablissement_utf8.csv"
    assert entry["blake3"] == blake3.blake3(register.read_bytes()).hexdigest() and "sha256" not in entry
    _change_one_register_byte(register)
    changed = [d for d in verify(au, rerun=False).differences if d["what"] == "input"]
    assert [(d["name"], d["algorithm"], d["recorded"]) for d in changed] == [("establishments", "blake3",
                                                                             entry["blake3"])]
    assert changed[0]["now"] == blake3.blake3(register.read_bytes()).hexdigest()
    r = CliRunner().invoke(main, ["verify", "--no-rerun", str(au)])
    assert r.exit_code == 1 and f"input establishments changed: {register} (recorded blake3 " in r.output


def test_a_manifest_from_before_blake3_still_verifies_and_signs(audited, tmp_path):
    """Manifests written before the register was hashed with BLAKE3 carry its SHA-256 (sealed and
    perhaps signed so): verify re-hashes it with SHA-256, and still names a changed register."""
    import hashlib

    from frenchtech.audit.manifest import seal
    from frenchtech.audit.signing import generate_keys, sign_audit

    au = _copy(audited, tmp_path)
    m = json.loads((au / "manifest.json").read_text())
    register = tmp_path / "ev" / "StockEtablissement_utf8.csv"
    old = hashlib.sha256(register.read_bytes()).hexdigest()
    m["inputs"]["establishments"] = {"path": m["inputs"]["establishments"]["path"], "sha256": old}
    (au / "manifest.json").write_text(json.dumps(seal(m), indent=2))
    private, public = generate_keys(tmp_path / "keys")
    sign_audit(au, private)
    report = verify(au, key=public)
    assert report.ok, report.differences
    assert report.inputs_checked >= 6 and report.outputs_checked >= 6
    _change_one_register_byte(register)
    report = verify(au, rerun=False, key=public)
    assert [(d["what"], d["name"], d["algorithm"], d["recorded"]) for d in report.differences] == [
        ("input", "establishments", "sha256", old)]
    r = CliRunner().invoke(main, ["verify", "--no-rerun", "--key", str(public), str(au)])
    assert r.exit_code == 1 and "(recorded sha256 " in r.output


def test_an_input_recorded_without_a_digest_is_named(audited, tmp_path):
    au = _copy(audited, tmp_path)
    m = json.loads((au / "manifest.json").read_text())
    m["inputs"]["establishments"] = {"path": m["inputs"]["establishments"]["path"], "md5": "0" * 32}
    (au / "manifest.json").write_text(json.dumps(m))
    report = verify(au, rerun=False)
    assert [(d["what"], d["name"], d["problem"]) for d in report.differences if d["what"] == "input"] == [
        ("input", "establishments", "recorded without a path or a digest")]
    r = CliRunner().invoke(main, ["verify", "--no-rerun", str(au)])
    assert r.exit_code == 1 and "input establishments recorded without a path or a digest" in r.output
