from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reelhouse.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from reelhouse.accounts import twofactor
        from reelhouse.accounts.export import register_accounts_sections

        register_accounts_sections()
        user_logged_in.connect(twofactor.on_signed_in, dispatch_uid="reelhouse.accounts.signed_in")
