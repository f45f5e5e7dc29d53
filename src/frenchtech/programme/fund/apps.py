from django.apps import AppConfig


class FundLedgerConfig(AppConfig):
    name = "frenchtech.programme.fund"
    label = "fund"
    verbose_name = "Fund ledger"
    default_auto_field = "django.db.models.BigAutoField"
