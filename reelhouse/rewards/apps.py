from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, post_save


def _defaults_ensure(sender, using="default", **kwargs):
    from reelhouse.rewards.services import rewards_ensure

    rewards_ensure()


class RewardsConfig(AppConfig):
    name = "reelhouse.rewards"
    label = "rewards"

    def ready(self):
        from reelhouse.rewards import export

        export.register()  # this app's part of the personal data export
        from reelhouse.billing import signals as billing_signals
        from reelhouse.rewards import receivers

        billing_signals.payment_received.connect(receivers.on_payment_received, dispatch_uid="rewards.payment")
        billing_signals.payment_refunded.connect(receivers.on_payment_refunded, dispatch_uid="rewards.refund")
        post_save.connect(receivers.on_user_created, sender=settings.AUTH_USER_MODEL, dispatch_uid="rewards.user")
        billing_signals.payment_reinstated.connect(receivers.on_payment_reinstated, dispatch_uid="rewards.reinstate")
        # The default rewards exist after every migrate (and every test-database flush), like auth's permissions.
        post_migrate.connect(_defaults_ensure, sender=self, dispatch_uid="rewards.defaults")
        from reelhouse.core import scheduler
        from reelhouse.rewards import tasks

        scheduler.periodic_register(name="rewards.stamps_expire", every=24 * 3600, first=180,
                                    task=tasks.stamps_expire)
