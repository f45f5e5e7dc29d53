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
