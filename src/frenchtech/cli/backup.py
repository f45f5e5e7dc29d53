"""``frenchtech backup`` / ``frenchtech restore``: the programme's database and private files, in one
archive with a manifest of hashes (see frenchtech.programme.backup)."""
from __future__ import annotations

import os
from pathlib import Path

import click


def _configured():
    """The configured programme database and private-files folder, as the platform sees them
    (DATABASE_URL, FRENCHTECH_HOME, FRENCHTECH_PRIVATE_FILES); the schema is left as it is."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frenchtech.web.settings")
    from frenchtech import programme

    programme.setup(migrate=False)  # a restore needs the database empty: never migrate it first
    # Django is configured only now (setup above): its settings and the storage's folder are read here.
    from django.conf import settings

    from frenchtech.programme.dossiers.models import private_root

    return settings.DATABASES["default"], Path(private_root())


def _describe(summary) -> str:
    return (f"{len(summary.tables)} tables, {summary.rows} rows ({summary.vendor}); "
            f"{summary.files} private files, {summary.file_bytes} bytes")


@click.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (.tar.gz); refused when it exists.")
def backup(out):
    """Back up the programme: a consistent copy of the database (SQLite's online backup, or pg_dump)
    and every private file (attachments, the fund's files), with a manifest of SHA-256 hashes and the
    row count of every table."""
    from frenchtech.programme.backup import backup as write_backup

    database, files = _configured()
    summary = write_backup(out, database, files)
    click.echo(f"{out}: {_describe(summary)}")


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def restore(archive):
    """Restore a backup into an empty home: the configured database must hold no table and the
    private-files folder must be absent or empty. Every member is checked against the manifest before
    anything is written; a failure leaves nothing restored."""
    from frenchtech.programme.backup import restore as read_backup

    database, files = _configured()
    summary = read_backup(archive, database, files)
    click.echo(f"restored {archive}: {_describe(summary)}; private files in {files}")
