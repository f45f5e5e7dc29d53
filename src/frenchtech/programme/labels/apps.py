from django.apps import AppConfig


class LabelsConfig(AppConfig):
    name = "frenchtech.programme.labels"
    label = "labels"
    verbose_name = "Labels"
    default_auto_field = "django.db.models.BigAutoField"
