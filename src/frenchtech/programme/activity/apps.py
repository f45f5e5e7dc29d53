from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "frenchtech.programme.activity"
    label = "activity"
    verbose_name = "Activity log"
