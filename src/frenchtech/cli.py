"""The ``frenchtech`` command line: a thin layer over the public API."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from frenchtech import __version__
from frenchtech.errors import FrenchTechError

DEFAULT_CAMPAIGN = "metropoles-2014"


def campaign_path(value: str) -> Path:
    """A campaign file path, or the name of a campaign shipped in ``campaigns/``."""
    p = Path(value)
    if p.exists() or p.suffix == ".toml":
        return p
    from frenchtech.report.terminal import shipped_campaign

    return shipped_campaign(value)


class FrenchTechGroup(click.Group):
    """Turns product errors into a clear message and exit status 2, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FrenchTechError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=FrenchTechGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="frenchtech")
def main():
    """Run a tech-ecosystem labelling programme end to end.

    \b
    Typical session:
      frenchtech demo                                   # generate 2014 evidence, audit, show the result
      frenchtech generate --campaign C.toml --out EV    # seeded evidence in the real formats (GENERATED)
      frenchtech audit --campaign C.toml --evidence EV --out OUT
      frenchtech index build IDATA.csv IMETA.csv --spec SPEC.toml --out OUT.csv
    """


@main.command()
@click.option("--campaign", "campaign_file", required=True, help="Campaign TOML file (or a shipped campaign name).")
@click.option("--rows", default=200_000, show_default=True, type=click.IntRange(min=1),
              help="Rows of the SIRENE-shaped establishment register to write.")
@click.option("--seed", default=None, type=int, help="Random seed (default: the campaign's seed).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the evidence files into.")
def generate(campaign_file, rows, seed, out_dir):
    """Write GENERATED demo evidence for a campaign, in the real file formats.

    The SIRENE-shaped register covers every commune of the campaign's geography, calibrated on the
    real legal populations; funding rounds, structures, initiatives and dossiers follow. Everything
    written is labelled as generated (comment lines, GENERATED.json, README.txt)."""
    from frenchtech.campaign import load_campaign
    from frenchtech.report.terminal import progress_bar
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(campaign_path(campaign_file))
    seed = campaign.seed if seed is None else seed
    with progress_bar(f"generating {rows:,} register rows", total=rows) as advance:
        summary = generate_evidence(campaign, out_dir, rows=rows, seed=seed, progress=advance)
    click.echo(f"\nGENERATED demo evidence (seed {seed}, not real figures) written to {out_dir}")
    for entry in summary.get("files", []):
        click.echo(f"  {entry.get('name', entry.get('path', entry)) if isinstance(entry, dict) else entry}")


@main.command()
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
    from frenchtech.report.terminal import print_audit, spinner

    key = load_private_key(sign_key) if sign_key else None  # a bad key fails before the audit's work
    campaign = load_campaign(campaign_path(campaign_file))
    with spinner(f"auditing {campaign.id} on {evidence_dir}"):
        result = run_audit(campaign, evidence_dir, out_dir, engine=engine)
    print_audit(result)
    if key is not None:
        path, block = sign_audit(out_dir, key)
        click.echo(f"signed {path} with ed25519 key {block['public_key_sha256']}")


@main.command()
@click.option("--campaign", "campaign_file", default=DEFAULT_CAMPAIGN, show_default=True,
              help="Campaign TOML file (or a shipped campaign name).")
@click.option("--rows", default=500_000, show_default=True, type=click.IntRange(min=1000),
              help="Rows of the generated SIRENE-shaped register.")
@click.option("--workdir", default=Path("var/demo"), show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where the generated evidence, the audit, the report and the showcase go.")
def demo(campaign_file, rows, workdir):
    """The main job: generate the campaign's demo evidence (GENERATED, not real figures), audit it,
    show the ranking with uncertainty and the decisions, write the jury report and the static showcase."""
    from frenchtech.audit import run_audit
    from frenchtech.campaign import load_campaign
    from frenchtech.report.jury import write_jury
    from frenchtech.report.showcase import export_showcase
    from frenchtech.report.terminal import console, print_audit, progress_bar, spinner
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(campaign_path(campaign_file))
    console.print(f"[bold]Campaign: {campaign.name}[/] — real candidates, real {campaign.vintage} perimeters "
                  "and legal populations")
    console.print("[bold yellow]Evidence: GENERATED demo data (seeded, calibrated on real populations) — "
                  "not real figures[/]")
    # A chained campaign re-audits its predecessor's labels: the predecessor is demoed first, in its
    # own folder, and its audit is the reference of the re-audit.
    chain = [campaign]
    while chain[0].predecessor:
        chain.insert(0, load_campaign(campaign_path(chain[0].predecessor)))
    audits, previous = [], None
    for c in chain:
        folder = workdir if c is campaign else workdir / c.id
        evidence, audit_dir = folder / "evidence", folder / "audit"
        if c is not campaign:
            console.print(f"[bold]Predecessor campaign: {c.name}[/] (demoed first, in {folder})")
        with progress_bar(f"generating {rows:,} register rows ({c.id})", total=rows) as advance:
            generate_evidence(c, evidence, rows=rows, seed=c.seed, progress=advance)
        with spinner(f"auditing {c.id}: indicators, index, uncertainty, decisions"):
            result = run_audit(c, evidence, audit_dir, previous=previous)
        audits.append(audit_dir)
        previous = audit_dir
    print_audit(result)
    with spinner("writing the jury report and the showcase"):
        report = write_jury(audits[-1], workdir / "jury-report.html", lang="fr", pdf=False)
        site = export_showcase(audits, workdir / "showcase")
    console.print(f"Jury report: [bold]{report['html']}[/]")
    console.print(f"Static showcase (FR/EN, works offline): [bold]{Path(site['out']) / 'index.html'}[/]")


# Sub-command groups that live with their domain package: (module, click object).
DOMAIN_COMMANDS = [
    ("frenchtech.fund.cli", "fund"),
    ("frenchtech.labelling.cli", "labels"),
    ("frenchtech.labelling.cli", "campaign"),
    ("frenchtech.audit.cli", "verify"),
    ("frenchtech.audit.cli", "keys"),
    ("frenchtech.audit.cli", "sign"),
    ("frenchtech.index.cli", "index"),
    ("frenchtech.report.cli", "showcase"),
    ("frenchtech.report.cli", "report"),
    ("frenchtech.sources.cli", "ingest"),
    ("frenchtech.sources.cli", "fetch"),
    ("frenchtech.web.cli", "serve"),
]


def _register_domain_commands():
    import importlib

    for module, name in DOMAIN_COMMANDS:
        try:
            main.add_command(getattr(importlib.import_module(module), name))
        except ImportError as exc:  # a domain's optional dependency is missing: say so, keep the rest
            @main.command(name=name.replace("_", "-"), help=f"(unavailable: {exc})")
            def _unavailable(exc=exc):
                raise click.ClickException(f"this command needs a missing dependency: {exc}")


_register_domain_commands()


def run():  # pragma: no cover - console entry point
    main()
