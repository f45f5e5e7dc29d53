"""Published campaign runs, decisions and labels: the database refuses any UPDATE or DELETE of them,
whatever the path (corrections are new decisions linked by ``supersedes``)."""
from django.db import migrations

from frenchtech.programme.records import ProtectRows


def published(table):
    return ProtectRows(table, f"{table}_published", update_when=True, delete_when=True,
                       message=f"{table} rows are published records and cannot be changed; record a correction")


class Migration(migrations.Migration):

    dependencies = [
        ('labels', '0002_decision_deferred'),
    ]

    operations = [published("labels_campaignrun"), published("labels_decision"), published("labels_label")]
