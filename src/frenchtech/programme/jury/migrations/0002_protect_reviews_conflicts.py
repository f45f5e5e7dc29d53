"""A submitted review and a declaration of conflict of interest are records: the database refuses to
change or delete them (a draft review stays editable)."""
from django.db import migrations

from frenchtech.programme.records import ProtectRows


class Migration(migrations.Migration):

    dependencies = [
        ('jury', '0001_initial'),
    ]

    operations = [
        ProtectRows("jury_review", "jury_review_submitted",
                    update_when='OLD."submitted_at" IS NOT NULL', delete_when='OLD."submitted_at" IS NOT NULL',
                    message="jury_review rows are submitted reviews and cannot be changed"),
        ProtectRows("jury_conflict", "jury_conflict_declared", update_when=True, delete_when=True,
                    message="jury_conflict rows are declarations of interest and cannot be changed"),
    ]
