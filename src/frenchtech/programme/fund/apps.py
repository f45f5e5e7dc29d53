from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundLedgerConfig(AppConfig):
    name = "frenchtech.programme.fund"
    label = "fund"
    verbose_name = _("Fund ledger")
    default_auto_field = "django.db.models.BigAutoField"
