"""``frenchtech audit``: a campaign audited on its evidence; ``frenchtech verify MANIFEST``: re-run an
audit from its manifest and prove the outputs identical; ``frenchtech keys generate`` and ``frenchtech
sign``: sign a manifest with an Ed25519 key."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from frenchtech.report.terminal import print_audit, spinner

# Each command imports its domain when it runs: `frenchtech --help` and the other commands stay fast.


@click.command()
@click.option("--campaign", "campaign_file", required=True, help="Campaign TOML file (or a shipped campaign name).")
@click.option("--evidence", "evidence_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Evidence folder: StockEtablissement file, funding_rounds.csv, structures.csv, "
                   "initiatives.csv, exchange_rates.csv, dossiers/.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (replaced atomically).")
@click.option("--engine", default="duckdb", show_default=True, help="Query engine for the indicators.")
@click.option("--sign-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Private key (PEM, from frenchtech keys generate) to sign the manifest with.")
def audit(campaign_file, evidence_dir, out_dir, engine, sign_key):
    """Audit a campaign: measure every candidate on the evidence, score, rank and decide.

    Writes indicators.csv, scores.csv, decisions.csv and manifest.json (input hashes,
    configuration, version, seed, its own hash) to OUT and prints the ranking. With --sign-key the
    manifest is signed."""
    from frenchtech.audit import run_audit
    from frenchtech.audit.signing import load_private_key, sign_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.campaign.shipped import campaign_path

    key = load_private_key(sign_key) if sign_key else None  # a bad key fails before the audit's work
    campaign = load_campaign(campaign_path(campaign_file))
    with spinner(f"auditing {campaign.id} on {evidence_dir}"):
        result = run_audit(campaign, evidence_dir, out_dir, engine=engine)
    print_audit(result)
    if key is not None:
        path, block = sign_audit(out_dir, key)
        click.echo(f"signed {path} with ed25519 key {block['public_key_sha256']}")


@click.command()
@click.argument("manifest", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the verification as JSON.")
@click.option("--no-rerun", is_flag=True, help="Only check the manifest, re-hash inputs and outputs and compare "
                                               "the software.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Public key (PEM) that must have signed the manifest.")
def verify(manifest, as_json, no_rerun, key):
    """Verify the audit of MANIFEST (its manifest.json, or the audit folder).

    Checks the manifest against its own hash (and its signature, if any), re-hashes every input,
    compares the software versions, re-runs the audit in a scratch folder and compares every output
    and every field of the manifest. With --key the manifest must be signed by that key. Exit status 0
    when everything is identical, 1 when something differs (each difference is named)."""
    from frenchtech.audit.verify import describe
    from frenchtech.audit.verify import verify as run_verify

    report = run_verify(manifest, rerun=not no_rerun, key=key)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    elif report.ok and no_rerun:
        click.secho(f"verified without re-running: {report.inputs_checked} input(s) unchanged, the outputs in the "
                    "folder as recorded", fg="green")
    elif report.ok:
        click.secho(f"verified: {report.inputs_checked} input(s) unchanged, {report.outputs_checked} output(s) "
                    "identical when re-run", fg="green")
    else:
        click.secho(f"NOT verified: {len(report.differences)} difference(s)", fg="red", bold=True)
        for d in report.differences:
            click.echo(f"  - {describe(d)}")
    if not as_json:
        for note in report.notes:
            click.echo(f"  note: {note}")
    sys.exit(0 if report.ok else 1)


@click.group()
def keys():
    """Ed25519 keys that sign audit manifests."""


@keys.command("generate")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the key pair into (existing keys are never overwritten).")
def keys_generate(out_dir):
    """Write a new key pair: frenchtech-ed25519.pem (private, mode 0600: keep it secret) and
    frenchtech-ed25519.pub.pem (public: give it to whoever verifies)."""
    from frenchtech.audit.signing import fingerprint, generate_keys, load_public_key

    private, public = generate_keys(out_dir)
    click.echo(f"private key: {private} (keep it secret)")
    click.echo(f"public key:  {public}")
    click.echo(f"fingerprint: {fingerprint(load_public_key(public))}")


@click.command()
@click.argument("audit", type=click.Path(exists=True))
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Private key (PEM) written by frenchtech keys generate.")
def sign(audit, key):
    """Sign the manifest of AUDIT (the audit folder, or its manifest.json) with an Ed25519 key.

    The signature covers the whole manifest, its self-hash included; signing again replaces it.
    A manifest edited after the audit is not signed."""
    from frenchtech.audit.signing import sign_audit

    path, block = sign_audit(audit, key)
    click.echo(f"signed {path} with ed25519 key {block['public_key_sha256']}")
