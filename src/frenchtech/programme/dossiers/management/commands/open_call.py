from pathlib import Path

from django.core.management.base import BaseCommand

from frenchtech.campaign.shipped import campaign_path
from frenchtech.programme.dossiers.services import open_call


class Command(BaseCommand):
    help = ("Open a campaign for applications from its TOML file, with its calendar from now "
            "(the campaign's [calendar] phase lengths, or 30/21/14 days), and the audit folder the "
            "deliberation reads.")

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="campaign TOML file or shipped campaign name")
        parser.add_argument("--audit", help="audit folder (scores.csv, indicators.csv, decisions.csv, ...)")
        parser.add_argument("--blind", action="store_true", help="blind review")

    def handle(self, campaign, audit=None, blind=False, **_):
        call = open_call(campaign_path(campaign), audit_dir=Path(audit).resolve() if audit else None,
                         blind_review=blind)
        self.stdout.write(f"{call.campaign}: open {call.opens:%Y-%m-%d %H:%M} -> deadline {call.deadline:%Y-%m-%d}, "
                          f"review until {call.review_ends:%Y-%m-%d}, publication {call.deliberation_ends:%Y-%m-%d}")
