from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "frenchtech.programme.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"
