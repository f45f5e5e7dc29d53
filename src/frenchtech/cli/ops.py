"""``frenchtech check``: is this installation ready to serve the programme? Django's deployment checks
plus the platform's own, each printed as ok or FAIL; exit status 2 when one fails."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from frenchtech.errors import FrenchTechError

KEY_HELP = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


def django_deploy() -> tuple[bool, str]:
    """What ``manage.py check --deploy`` reports, warnings included (a warning there is a weakness)."""
    from django.core import checks

    found = [m for m in checks.run_checks(include_deployment_checks=True)
             if not m.is_silenced() and m.level >= checks.WARNING]
    if not found:
        return True, "no errors or warnings"
    return False, "\n".join(f"{m.id}: {m.msg}" for m in found)


def secret_key() -> tuple[bool, str]:
    key = os.environ.get("FRENCHTECH_SECRET_KEY", "")
    if not key:
        return False, f"FRENCHTECH_SECRET_KEY is not set; make one with: {KEY_HELP}"
    if len(key) < 50 or len(set(key)) < 5:
        return False, f"FRENCHTECH_SECRET_KEY is too weak (at least 50 characters, 5 distinct); make one with: {KEY_HELP}"
    return True, f"FRENCHTECH_SECRET_KEY set ({len(key)} characters)"


def tls() -> tuple[bool, str]:
    if os.environ.get("FRENCHTECH_TLS") != "1":
        return False, ("FRENCHTECH_TLS is not 1: cookies would travel without Secure and browsers get no HSTS; "
                       "serve behind a TLS proxy and set FRENCHTECH_TLS=1")
    return True, "FRENCHTECH_TLS=1: HTTPS only, secure cookies, HSTS (the proxy sends X-Forwarded-Proto)"


def database() -> tuple[bool, str]:
    from django.db import connection

    where = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and where != ":memory:" and not Path(where).is_file():
        return False, f"no SQLite database at {where} (frenchtech serve creates and migrates it)"
    try:
        connection.ensure_connection()
    except Exception as exc:  # any driver's refusal: shown as it came
        return False, f"{connection.vendor} {where}: {exc}".strip()
    host = connection.settings_dict.get("HOST")
    return True, f"{connection.vendor} {where}" + (f" on {host}" if host else "")


def migrations() -> tuple[bool, str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return False, f"cannot read the applied migrations: {exc}"
    if plan:
        first = plan[0][0]
        return False, (f"{len(plan)} migrations not applied (first: {first.app_label}.{first.name}); "
                       "frenchtech serve applies them on start, or: python -m frenchtech.web.manage migrate")
    return True, "every migration applied"


def private_files() -> tuple[bool, str]:
    """Attachments are written under PRIVATE_FILES_ROOT, created on the first upload when missing."""
    from django.conf import settings

    root = Path(settings.PRIVATE_FILES_ROOT)
    folder = root
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".frenchtech-check-"):
            pass
    except OSError as exc:
        return False, f"{root}: cannot write in {folder} ({exc.strerror})"
    return True, f"{root}" + ("" if folder == root else f" (created on the first upload, in {folder})")


CHECKS = [("Django check --deploy", django_deploy), ("secret key", secret_key), ("TLS", tls),
          ("database reachable", database), ("migrations applied", migrations),
          ("private files writable", private_files)]


@click.command()
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              envvar="FRENCHTECH_HOME", help="Folder of the SQLite database and private files "
                                              "(default: $FRENCHTECH_HOME, else the current folder).")
def check(home):
    """Check that the platform is ready for production, as configured by the environment (docs/deploy.md):
    Django's deployment checks, secret key, TLS, database reachable, migrations applied, private files
    writable. Prints each with ok or FAIL; exit status 2 when one fails."""
    os.environ["FRENCHTECH_HOME"] = str(home.resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "frenchtech.web.settings"
    import django

    django.setup()
    failed = []
    for name, run in CHECKS:
        if run is migrations and "database reachable" in failed:  # reading them would create a SQLite file
            ok, detail = False, "not read: the database is not reachable"
        else:
            ok, detail = run()
        first, *more = detail.splitlines()
        click.echo(f"{'ok  ' if ok else 'FAIL'}  {name:<24} {first}")
        for line in more:
            click.echo(f"{'':<30} {line}")
        if not ok:
            failed.append(name)
    if failed:
        raise FrenchTechError(f"{len(failed)} of {len(CHECKS)} checks failed: {', '.join(failed)}")
    click.echo(f"all {len(CHECKS)} checks passed")
