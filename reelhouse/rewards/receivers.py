"""Reactions to billing's signals (connected in apps.py)."""

from reelhouse.rewards import services


def on_payment_received(sender, *, payment, first: bool, **kwargs):
    services.stamps_earn_for_payment(payment=payment)
    if first:
        services.referral_reward(referee=payment.user, payment=payment)


def on_payment_refunded(sender, *, payment, **kwargs):
    services.stamps_clawback_for_payment(payment=payment)


def on_payment_reinstated(sender, *, payment, dispute, **kwargs):
    services.stamps_reinstate_for_dispute(payment=payment, dispute=dispute)


def on_user_created(sender, *, instance, created: bool, raw: bool = False, **kwargs):
    """Every new account gets its stamp account (and referral code) when it is made, so that reading the account page
    writes nothing."""
    if created and not raw:
        services.stamp_account_ensure(user=instance)
