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

        from reelhouse.accounts import devicegrant
        from reelhouse.core import scheduler

        # TV sign-in codes an hour past their expiry (a quick delete, run in the scheduler itself).
        scheduler.periodic_register(name="accounts.device_authorizations_purge", every=3600, first=300,
                                    run=devicegrant.authorizations_purge)
