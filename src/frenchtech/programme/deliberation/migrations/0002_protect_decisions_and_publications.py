"""Jury decisions, publications and the files they pin: the database refuses any UPDATE or DELETE of them,
whatever the path (deciding again adds a decision that supersedes the current one)."""
from django.db import migrations

from frenchtech.programme.records import ProtectRows


def protected(table, message):
    return ProtectRows(table, f"{table}_kept", update_when=True, delete_when=True, message=message)


class Migration(migrations.Migration):

    dependencies = [
        ("deliberation", "0001_initial"),
    ]

    operations = [
        protected("deliberation_jurydecision", "{table} rows are jury decisions and cannot be changed; "
                                               "record a new decision"),
        protected("deliberation_publication", "{table} rows are publications and cannot be changed"),
        protected("deliberation_publishedfile", "{table} rows are published files and cannot be changed"),
    ]
