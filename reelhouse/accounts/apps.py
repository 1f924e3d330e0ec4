from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reelhouse.accounts"
    label = "accounts"
