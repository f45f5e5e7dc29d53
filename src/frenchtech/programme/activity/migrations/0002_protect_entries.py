"""The activity log is append-only in the database too: no DELETE, and the one UPDATE allowed is the
one deleting an account makes (``actor`` is SET_NULL): actor set to NULL with nothing else changed,
``actor_name`` keeping who it was."""
from django.db import migrations

from frenchtech.programme.records import ProtectRows, changed

OTHER_COLUMNS = ("id", "at", "actor_name", "action", "object_type", "object_id", "campaign", "before", "after")


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0001_initial'),
    ]

    operations = [
        ProtectRows("activity_entry", "activity_entry_append_only",
                    update_when='NEW."actor_id" IS NOT NULL OR ' + changed(*OTHER_COLUMNS), delete_when=True,
                    message="activity_entry rows are the activity log and cannot be changed or deleted"),
    ]
