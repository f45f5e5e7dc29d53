from django.apps import AppConfig


class ShowcaseApiConfig(AppConfig):
    name = "frenchtech.web.showcase_api"
    label = "showcase_api"
    verbose_name = "Showcase API"
