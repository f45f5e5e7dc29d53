from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    name = "frenchtech.programme.labels"
    label = "labels"
    verbose_name = _("Labels")
    default_auto_field = "django.db.models.BigAutoField"
