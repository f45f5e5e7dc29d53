from django.apps import AppConfig


class JuryConfig(AppConfig):
    name = "frenchtech.programme.jury"
    label = "jury"
    verbose_name = "Jury"
