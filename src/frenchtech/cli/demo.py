"""``frenchtech demo``: the main job on generated evidence; ``frenchtech serve``: the web platform
(gunicorn, or Django's development server with --dev), optionally with the demo campaign loaded."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from frenchtech.cli.ops import KEY_HELP
from frenchtech.errors import FrenchTechError
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
            # the tech establishments at the real register's density, the other rows a sample
            generate_evidence(c, evidence, rows=rows, seed=c.seed, progress=advance, tech_density="register")
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


def default_workers() -> int:
    """Gunicorn's rule of thumb: two workers per core the process may run on, plus one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 * cores + 1


def gunicorn_command(host: str, port: int, workers: int, threads: int = 1) -> list[str]:
    """The production server's command line (the environment names the settings, home and key)."""
    command = [sys.executable, "-m", "gunicorn", "frenchtech.web.wsgi:application",
               "--bind", f"{host}:{port}", "--workers", str(workers),
               "--no-control-socket"]  # no shared socket in ~/.gunicorn: several servers may run side by side
    if threads > 1:  # gunicorn's threaded worker, which also keeps connections alive between requests
        command += ["--threads", str(threads)]
    return command


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
              help="Folder of the SQLite database, private files, collected static files and demo data "
                   "(default: $FRENCHTECH_HOME, else the current folder).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (in production, the TLS proxy's upstream: see docs/deploy.md).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), envvar="FRENCHTECH_PORT",
              help="Port to listen on (default: $FRENCHTECH_PORT, else 8000).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Gunicorn worker processes (default: 2 per available core, plus 1).")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="Threads per worker (more than 1: gunicorn's threaded worker, with keep-alive).")
@click.option("--dev", is_flag=True, help="Django's development server instead of gunicorn (one process, "
                                           "for development only).")
def serve(demo, campaign_file, stage, rows, home, host, port, workers, threads, dev):
    """Serve the web platform on http://HOST:PORT (SQLite in HOME, or DATABASE_URL) with gunicorn.

    The database is migrated and the static files are collected into HOME/static first. Outside
    --demo, FRENCHTECH_SECRET_KEY must be set. With --demo, the 2014 campaign is opened with its audit
    on generated evidence, territory teams have submitted dossiers, jurors are assigned, and the demo
    accounts and their passwords are printed."""
    from frenchtech.campaign.shipped import campaign_path

    if not os.environ.get("FRENCHTECH_SECRET_KEY"):
        if not demo:
            raise FrenchTechError(
                "FRENCHTECH_SECRET_KEY is not set: the platform signs sessions and password resets with it. "
                f"Make one with: {KEY_HELP} and keep it secret and stable (see docs/deploy.md); "
                "only --demo runs without it.")
        # The demo draws a key per run; every worker inherits it through the environment.
        os.environ["FRENCHTECH_SECRET_KEY"] = secrets.token_urlsafe(50)
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
        accounts = load_demo(campaign_path(campaign_file), home.resolve() / "demo", rows=rows, stage=stage,
                             tech_density="register")
        click.secho("Demo accounts (role, user name, password):", bold=True)
        for role, username, password in accounts:
            click.echo(f"  {role:<13} {username:<22} {password}")
    call_command("collectstatic", verbosity=0, interactive=False)  # in both modes: never a stale copy
    if dev:
        click.secho(f"Serving on http://{host}:{port}/ with Django's development server (Ctrl-C to stop)", bold=True)
        # Static files come through WhiteNoise's middleware, as in production: a path leading out of the
        # static folders is a 404 of the platform, not an error of runserver's static handler.
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_static_handler=False)
        return
    workers = workers or default_workers()
    command = gunicorn_command(host, port, workers, threads)
    click.secho(f"Serving on http://{host}:{port}/ with gunicorn, {workers} workers (Ctrl-C to stop)", bold=True)
    sys.stdout.flush()
    sys.stderr.flush()
    from django.db import connections

    connections.close_all()
    os.execv(command[0], command)  # gunicorn takes this process's place: signals reach its master directly
