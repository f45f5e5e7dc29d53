from django.core.management.base import BaseCommand, CommandError

from frenchtech.programme.dossiers.models import Call
from frenchtech.programme.jury.services import outstanding, send_reminders


class Command(BaseCommand):
    help = "E-mail every juror the reviews they still have to submit (one call, or every call in review)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="campaign id (default: every call in its review phase)")
        parser.add_argument("--dry-run", action="store_true", help="list the outstanding reviews only")

    def handle(self, campaign=None, dry_run=False, **_):
        calls = Call.objects.filter(campaign=campaign) if campaign else [
            c for c in Call.objects.all() if c.phase() == "review"]
        if campaign and not calls:
            raise CommandError(f"no call for campaign {campaign!r}")
        for call in calls:
            items = list(outstanding(call))
            self.stdout.write(f"{call.campaign}: {len(items)} outstanding review(s)")
            for a in items:
                self.stdout.write(f"  {a.juror.username}: {a.dossier.name}")
            if not dry_run:
                self.stdout.write(f"  {send_reminders(call)} reminder(s) sent")
