"""Ed25519 keys and manifest signatures.

A signature covers the canonical JSON of the manifest without its ``signature`` block, self-hash
included, so it vouches for every field of the audit. The block names the signing key (the SHA-256 of
its raw public key) and carries that public key, so a signature can be checked for integrity without
the key file; only ``--key`` proves who signed."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frenchtech.audit.manifest import SELF, SIGNATURE, canonical_bytes, check_manifest, dump_manifest, read_manifest
from frenchtech.errors import InputError

KEY_NAME = "frenchtech-ed25519"
_PRIVATE_EXPECTED = "an unencrypted Ed25519 private key in PEM (written by frenchtech keys generate)"
_PUBLIC_EXPECTED = "an Ed25519 public key in PEM (the .pub.pem written by frenchtech keys generate)"


def generate_keys(out_dir) -> tuple[Path, Path]:
    """Write a new key pair to ``out_dir``: the private key (mode 0600) and the public key. Existing
    keys are never overwritten: a lost private key cannot be recovered."""
    out_dir = Path(out_dir)
    private_path, public_path = out_dir / f"{KEY_NAME}.pem", out_dir / f"{KEY_NAME}.pub.pem"
    for p in (private_path, public_path):
        if p.exists():
            raise InputError(p, "already exists, not overwritten", expected="a folder without a key pair")
    out_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    # O_EXCL: never replace a key that appeared meanwhile; 0600 from creation, never readable by others.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # whatever the umask
        f.write(private_pem)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def _read_pem(path, expected: str) -> bytes:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}", expected=expected) from None
    if b"-----BEGIN " not in data:
        raise InputError(path, "not a PEM file", expected=expected)
    return data


def _kind(key) -> str:
    """'RSA', 'EC', 'Ed448'...: the kind of a key that is not Ed25519, for the error message."""
    return type(key).__name__.lstrip("_").removesuffix("PrivateKey").removesuffix("PublicKey") or "another"


def load_private_key(path) -> Ed25519PrivateKey:
    data = _read_pem(path, _PRIVATE_EXPECTED)
    if b"PRIVATE KEY-----" not in data:
        raise InputError(path, "not a private key (a public key or a certificate?)", expected=_PRIVATE_EXPECTED)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # cryptography's way of saying a passphrase is needed
        raise InputError(path, "the private key is encrypted with a passphrase", expected=_PRIVATE_EXPECTED) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(path, f"not a readable private key: {exc}", expected=_PRIVATE_EXPECTED) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(path, f"a {_kind(key)} private key, not Ed25519", expected=_PRIVATE_EXPECTED)
    return key


def load_public_key(path) -> Ed25519PublicKey:
    data = _read_pem(path, _PUBLIC_EXPECTED)
    if b"PRIVATE KEY-----" in data:
        # Verifying needs only the public half; the private key should not travel to verifiers.
        raise InputError(path, "a private key: verify takes the public key", expected=_PUBLIC_EXPECTED)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(path, f"not a readable public key: {exc}", expected=_PUBLIC_EXPECTED) from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(path, f"a {_kind(key)} public key, not Ed25519", expected=_PUBLIC_EXPECTED)
    return key


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, in hex: how a manifest names its signing key."""
    return hashlib.sha256(_raw(public_key)).hexdigest()


def sign(manifest: dict, private_key: Ed25519PrivateKey) -> dict:
    """A signed copy of ``manifest``; an earlier signature is replaced."""
    public = private_key.public_key()
    signed = {k: v for k, v in manifest.items() if k != SIGNATURE}
    signed[SIGNATURE] = {"algorithm": "ed25519", "public_key_sha256": fingerprint(public),
                         "public_key": base64.b64encode(_raw(public)).decode("ascii"),
                         "signature": base64.b64encode(private_key.sign(canonical_bytes(signed, without=(SIGNATURE,))))
                         .decode("ascii")}
    return signed


def sign_audit(audit, key) -> tuple[Path, dict]:
    """Sign the manifest of ``audit`` (a manifest.json or its folder) in place with ``key`` (an
    Ed25519PrivateKey or its PEM file). Only an intact manifest with a self-hash is signed: a signature
    must not vouch for an edit made after the audit. Returns the manifest path and the signature block."""
    path, manifest = read_manifest(audit)
    if SELF not in manifest:
        raise InputError(path, "the manifest carries no self-hash (written by an older version): not signed",
                         expected="a manifest written by frenchtech audit (re-run the audit to sign it)")
    problems = check_manifest(manifest)
    if problems:
        raise InputError(path, f"the manifest was {problems[0]['problem']}: not signed",
                         expected="a manifest that frenchtech verify accepts")
    private_key = key if isinstance(key, Ed25519PrivateKey) else load_private_key(key)
    signed = sign(manifest, private_key)
    dump_manifest(path, signed)
    return path, signed[SIGNATURE]


def _decoded(block: dict) -> tuple[Ed25519PublicKey, bytes]:
    """The public key and signature of a signature block; ValueError when the block is malformed."""
    if not isinstance(block, dict) or block.get("algorithm") != "ed25519":
        raise ValueError("not an ed25519 signature block")
    try:
        raw_key = base64.b64decode(block["public_key"], validate=True)
        signature = base64.b64decode(block["signature"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError(f"bad or missing public_key/signature ({exc})") from None
    if len(raw_key) != 32 or len(signature) != 64:
        raise ValueError("public_key must be 32 bytes and signature 64 bytes")
    return Ed25519PublicKey.from_public_bytes(raw_key), signature


def _problem(problem: str, recorded=None, now=None) -> list[dict]:
    return [{"what": "signature", "name": SIGNATURE, "problem": problem, "recorded": recorded, "now": now}]


def check_signature(manifest: dict, public_key: Ed25519PublicKey | None = None) -> tuple[list[dict], list[str]]:
    """The signature's differences and notes. With ``public_key`` the manifest must be signed by it;
    without, a signature present must still match the manifest and the key it names."""
    block = manifest.get(SIGNATURE)
    wanted = fingerprint(public_key) if public_key is not None else None
    if block is None:
        return (_problem("the manifest is not signed", now=wanted), []) if wanted else ([], ["not signed"])
    try:
        embedded, signature = _decoded(block)
    except ValueError as exc:
        return _problem(f"malformed signature block: {exc}", block, wanted), []
    named = block.get("public_key_sha256")
    if named != fingerprint(embedded):
        return _problem("the key fingerprint does not match the key in the block", named, fingerprint(embedded)), []
    if wanted is not None and named != wanted:
        return _problem("signed by another key", named, wanted), []
    try:
        (public_key or embedded).verify(signature, canonical_bytes(manifest, without=(SIGNATURE,)))
    except InvalidSignature:
        return _problem("does not match the manifest (edited after signing)", named, wanted), []
    whose = "the required key" if wanted else "no signer was required"
    return [], [f"signed with ed25519 key {named[:16]}…: signature valid ({whose})"]
