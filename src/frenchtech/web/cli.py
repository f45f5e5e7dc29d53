"""``frenchtech serve``: the web platform on 127.0.0.1, optionally with the demo campaign loaded."""
from __future__ import annotations

import os
from pathlib import Path

import click


@click.command()
@click.option("--demo", is_flag=True, help="Load the demo campaign (generated evidence, audit, call, demo "
                                            "accounts printed at start).")
@click.option("--campaign", "campaign_file", default="metropoles-2014", show_default=True,
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
    from frenchtech.cli import campaign_path

    home.mkdir(parents=True, exist_ok=True)
    os.environ["FRENCHTECH_HOME"] = str(home.resolve())  # --home wins; the variable only gives the default
    os.environ["DJANGO_SETTINGS_MODULE"] = "frenchtech.web.settings"
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
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)
