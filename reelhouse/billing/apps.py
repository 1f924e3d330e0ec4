from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _defaults_ensure(sender, using="default", **kwargs):
    from reelhouse.billing.services import plans_ensure

    plans_ensure()


class BillingConfig(AppConfig):
    name = "reelhouse.billing"
    label = "billing"

    def ready(self):
        from reelhouse.accounts import signals as accounts_signals
        from reelhouse.billing import export
        from reelhouse.billing.closing import on_account_closing

        export.register()  # this app's part of the personal data export
        accounts_signals.account_closing.connect(on_account_closing, dispatch_uid="billing.account_closing")
        # The default plans exist after every migrate (and every test-database flush), like auth's permissions.
        post_migrate.connect(_defaults_ensure, sender=self, dispatch_uid="billing.defaults")
        from reelhouse.billing import tasks
        from reelhouse.core import scheduler

        scheduler.periodic_register(name="billing.dunning_reminders_send", every=6 * 3600, first=120,
                                    task=tasks.dunning_reminders_send)
