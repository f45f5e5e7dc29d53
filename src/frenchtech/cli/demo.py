"""``frenchtech demo``: the main job on generated evidence; ``frenchtech serve``: the web platform on
127.0.0.1, optionally with the demo campaign loaded."""
from __future__ import annotations

import os
from pathlib import Path

import click

from frenchtech.report.terminal import console, print_audit, progress_bar, spinner

# Each command imports its domain when it runs: `frenchtech --help` and the other commands stay fast.

DEFAULT_CAMPAIGN = "metropoles-2014"


@click.command()
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
    from frenchtech.campaign.shipped import campaign_path
    from frenchtech.report.jury import write_jury
    from frenchtech.report.site import export_showcase
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


@click.command()
@click.option("--demo", is_flag=True, help="Load the demo campaign (generated evidence, audit, call, demo "
                                            "accounts printed at start).")
@click.option("--campaign", "campaign_file", default=DEFAULT_CAMPAIGN, show_default=True,
              help="Campaign TOML file (or a shipped campaign name) for --demo.")
@click.option("--stage", type=click.Choice(["open", "review"]), default="review", show_default=True,
              help="With --demo: leave the call open for applications, or start at the jury review.")
@click.option("--rows", default=100_000, show_default=True, type=click.IntRange(min=1000),
              help="With --demo: rows of the generated register.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              envvar="FRENCHTECH_HOME",
              help="Folder of the SQLite database, private files and demo data (default: $FRENCHTECH_HOME, "
                   "else the current folder).")
@click.option("--port", default=8000, show_default=True, type=int)
def serve(demo, campaign_file, stage, rows, home, port):
    """Serve the web platform on http://127.0.0.1:PORT (SQLite in HOME, or DATABASE_URL).

    The database is migrated first. With --demo, the 2014 campaign is opened with its audit on
    generated evidence, territory teams have submitted dossiers, jurors are assigned, and the demo
    accounts and their passwords are printed."""
    from frenchtech.campaign.shipped import campaign_path

    home.mkdir(parents=True, exist_ok=True)
    os.environ["FRENCHTECH_HOME"] = str(home.resolve())  # --home wins; the variable only gives the default
    os.environ["DJANGO_SETTINGS_MODULE"] = "frenchtech.web.settings"
    # Django once its settings module is named; the demo's services after django.setup() (their models need it).
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if demo:
        from frenchtech.web.demo import load_demo

        click.secho("Loading the demo campaign (GENERATED evidence, not real figures)...", fg="yellow")
        accounts = load_demo(campaign_path(campaign_file), home.resolve() / "demo", rows=rows, stage=stage)
        click.secho("Demo accounts (role, user name, password):", bold=True)
        for role, username, password in accounts:
            click.echo(f"  {role:<13} {username:<22} {password}")
    click.secho(f"Serving on http://127.0.0.1:{port}/  (Ctrl-C to stop)", bold=True)
    # The platform's own URLs serve its static files (web/urls.py), so that a path leading out of
    # the static folders is a 404 there, not an error of runserver's static handler.
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_static_handler=False)
