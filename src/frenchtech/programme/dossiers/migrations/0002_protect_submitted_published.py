"""A submitted dossier's content and a published call's campaign, audit folder and publication date
are records: the database refuses to change them (and to delete such a dossier or call). The version
counter of a dossier and the calendar of a call stay editable."""
from django.db import migrations

from frenchtech.programme.records import ProtectRows, changed

DOSSIER_CONTENT = ("call_id", "territory", "team_id", "name", "epci", "communes", "population", "declared",
                   "narrative", "structures", "initiatives", "status", "submitted_at")
CALL_PUBLISHED = ("campaign", "campaign_file", "audit_dir", "published_at")


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0001_initial'),
    ]

    operations = [
        ProtectRows("dossiers_dossier", "dossiers_dossier_submitted",
                    update_when=f"""OLD."status" = 'submitted' AND {changed(*DOSSIER_CONTENT)}""",
                    delete_when="""OLD."status" = 'submitted'""",
                    message="dossiers_dossier rows are submitted dossiers and their content cannot be changed"),
        ProtectRows("dossiers_call", "dossiers_call_published",
                    update_when=f'OLD."published_at" IS NOT NULL AND {changed(*CALL_PUBLISHED)}',
                    delete_when='OLD."published_at" IS NOT NULL',
                    message="dossiers_call rows are published calls: their campaign, audit folder and "
                            "publication date cannot be changed"),
    ]
