from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "frenchtech.programme.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
