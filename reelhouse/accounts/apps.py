from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reelhouse.accounts"
    label = "accounts"

    def ready(self):
        from reelhouse.accounts.export import register_accounts_sections

        register_accounts_sections()
