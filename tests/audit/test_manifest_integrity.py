"""A manifest that protects itself: its self-hash shows an edit, verify names the edited field, and an
Ed25519 signature proves who vouched for it."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from frenchtech.audit import run_audit
from frenchtech.audit.manifest import check_manifest, seal
from frenchtech.audit.signing import generate_keys, sign_audit
from frenchtech.audit.verify import verify
from frenchtech.cli import main

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini-2014.toml"

# field -> how the test edits it (the mini campaign: quota 1, seed 7, generated evidence)
EDITS = {
    "configuration.labelling.quota": lambda m: m["configuration"]["labelling"].update(quota=2),
    "seed": lambda m: m.update(seed=8),
    "generated_evidence": lambda m: m.update(generated_evidence=False),
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One generated evidence folder, its audit and a key pair for the whole module."""
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    base = tmp_path_factory.mktemp("integrity")
    campaign = load_campaign(MINI)
    generate_evidence(campaign, base / "ev", rows=20_000, seed=campaign.seed)
    run_audit(campaign, base / "ev", base / "au")
    generate_keys(base / "keys")
    return base


@pytest.fixture
def au(shared, tmp_path):
    """A private copy of the shared audit folder (its manifest points at the shared evidence)."""
    return Path(shutil.copytree(shared / "au", tmp_path / "au"))


@pytest.fixture
def keys(shared):
    return shared / "keys" / "frenchtech-ed25519.pem", shared / "keys" / "frenchtech-ed25519.pub.pem"


def _read(au: Path) -> dict:
    return json.loads((au / "manifest.json").read_text(encoding="utf-8"))


def _write(au: Path, manifest: dict) -> None:
    (au / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _edit(au: Path, field: str) -> None:
    m = _read(au)
    EDITS[field](m)
    _write(au, m)


def _fields(report) -> set[str]:
    return {d["field"] for d in report.differences if "field" in d}


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_untouched_manifest_carries_its_hash_and_verifies(au):
    m = _read(au)
    assert m["self"]["algorithm"] == "sha256" and len(m["self"]["digest"]) == 64
    assert check_manifest(m) == []
    report = verify(au)
    assert report.ok, report.differences
    assert any("intact" in n for n in report.notes)
    assert seal(m)["self"] == m["self"]  # sealing again gives the same digest


@pytest.mark.parametrize("rerun", [True, False], ids=["rerun", "no-rerun"])
@pytest.mark.parametrize("field", sorted(EDITS))
def test_an_edited_field_fails_verify_and_is_named(au, field, rerun):
    _edit(au, field)
    report = verify(au, rerun=rerun)
    assert not report.ok
    first = report.differences[0]
    assert (first["what"], first["name"], first["problem"]) == ("manifest", "self", "edited after the audit")
    assert _fields(report) == {field}
    named = next(d for d in report.differences if d.get("field") == field)
    assert named["recorded"] != named["now"]


def test_check_manifest_reports_only_self_hash_problems(au):
    m = _read(au)
    EDITS["seed"](m)
    problems = check_manifest(m)
    assert len(problems) == 1 and problems[0]["problem"] == "edited after the audit"
    del m["self"]
    assert check_manifest(m) == []  # an old manifest: nothing to check against
    assert check_manifest({"self": "garbage"})[0]["what"] == "manifest"


def test_cli_names_the_edited_field_with_and_without_rerun(au):
    _edit(au, "configuration.labelling.quota")
    for extra in ([], ["--no-rerun"]):
        r = _run("verify", au, *extra)
        assert r.exit_code == 1, r.output
        assert "manifest edited after the audit" in r.output
        assert "configuration.labelling.quota" in r.output and "recorded 2, now 1" in r.output


def test_a_manifest_without_self_hash_still_verifies(au):
    m = _read(au)
    del m["self"]
    _write(au, m)
    for rerun in (True, False):
        report = verify(au, rerun=rerun)
        assert report.ok, report.differences
        assert any("no self-hash" in n for n in report.notes)
    # ... and an edit to it is still named, by comparison with the campaign file and the re-run
    EDITS["seed"](m)
    _write(au, m)
    assert _fields(verify(au, rerun=False)) == {"seed"}


def test_keys_generate_writes_a_private_key_only_its_owner_reads(tmp_path):
    r = _run("keys", "generate", "--out", tmp_path / "k")
    assert r.exit_code == 0, r.output
    private, public = tmp_path / "k" / "frenchtech-ed25519.pem", tmp_path / "k" / "frenchtech-ed25519.pub.pem"
    assert os.stat(private).st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    before = private.read_bytes()
    r = _run("keys", "generate", "--out", tmp_path / "k")
    assert r.exit_code == 2 and "already exists" in r.output
    assert private.read_bytes() == before


def test_sign_then_verify_with_the_right_key(au, keys):
    private, public = keys
    r = _run("sign", au, "--key", private)
    assert r.exit_code == 0, r.output
    block = _read(au)["signature"]
    assert block["algorithm"] == "ed25519" and len(block["public_key_sha256"]) == 64
    r = _run("verify", au, "--key", public)
    assert r.exit_code == 0, r.output
    assert "signature valid" in r.output
    r = _run("verify", au, "--no-rerun")  # without --key the signature is reported, not required
    assert r.exit_code == 0 and "signed with ed25519 key" in r.output


def test_another_key_fails_and_resigning_replaces_the_signature(au, keys, tmp_path):
    private, public = keys
    other_private, other_public = generate_keys(tmp_path / "other")
    sign_audit(au, private)
    report = verify(au, rerun=False, key=other_public)
    assert [d["problem"] for d in report.differences] == ["signed by another key"]
    r = _run("verify", au, "--no-rerun", "--key", other_public)
    assert r.exit_code == 1 and "signed by another key" in r.output
    sign_audit(au, other_private)
    assert verify(au, rerun=False, key=other_public).ok
    assert not verify(au, rerun=False, key=public).ok


def test_a_tampered_signed_manifest_fails_even_with_a_fresh_self_hash(au, keys):
    private, public = keys
    sign_audit(au, private)
    m = _read(au)
    EDITS["configuration.labelling.quota"](m)
    _write(au, seal(m))  # a forger recomputes the self-hash: only the signature (and the re-run) show it
    report = verify(au, rerun=False, key=public)
    problems = {(d["what"], d["problem"]) for d in report.differences}
    assert ("signature", "does not match the manifest (edited after signing)") in problems
    assert ("manifest", "edited after the audit") not in problems
    assert _fields(report) == {"configuration.labelling.quota"}
    assert not verify(au, rerun=False).ok  # an invalid signature fails without --key too


def test_an_unsigned_manifest_fails_when_a_key_is_required(au, keys):
    r = _run("verify", au, "--no-rerun", "--key", keys[1])
    assert r.exit_code == 1
    assert "signature: the manifest is not signed" in r.output


def test_bad_keys_are_refused_with_a_clear_error(au, keys, tmp_path):
    private, public = keys
    r = _run("verify", au, "--key", private)
    assert r.exit_code == 2 and "a private key: verify takes the public key" in r.output
    r = _run("sign", au, "--key", public)
    assert r.exit_code == 2 and "not a private key" in r.output
    junk = tmp_path / "junk.pem"
    junk.write_text("hello\n")
    r = _run("sign", au, "--key", junk)
    assert r.exit_code == 2 and f"{junk}: not a PEM file" in r.output
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    rsa_pem = tmp_path / "rsa.pem"
    rsa_pem.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    r = _run("sign", au, "--key", rsa_pem)
    assert r.exit_code == 2 and "RSA private key, not Ed25519" in r.output
    assert "signature" not in _read(au)


def test_sign_refuses_an_edited_or_old_manifest(au, keys):
    _edit(au, "seed")
    r = _run("sign", au, "--key", keys[0])
    assert r.exit_code == 2 and "edited after the audit: not signed" in r.output
    m = _read(au)
    del m["self"]
    _write(au, m)
    r = _run("sign", au, "--key", keys[0])
    assert r.exit_code == 2 and "no self-hash" in r.output


def test_audit_signs_its_manifest_with_sign_key(shared, keys, tmp_path):
    out = tmp_path / "out"
    r = _run("audit", "--campaign", MINI, "--evidence", shared / "ev", "--out", out, "--sign-key", keys[0])
    assert r.exit_code == 0, r.output
    assert "signed" in r.output
    r = _run("verify", out, "--no-rerun", "--key", keys[1])
    assert r.exit_code == 0, r.output
