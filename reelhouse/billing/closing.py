"""What billing does when a person closes their account: nothing renews, and no detail is kept that no law needs.

Kept, because tax law requires it: the payments and the invoices issued for them (seller, buyer name and address as
issued, VAT; `Payment` rows, with their `Dispute`s and the `UpgradeOrder`s they settled). EU VAT rules (Directive
2006/112/EC, art. 244-249) make the seller keep every invoice for the period each member state sets: 10 years in
Germany (§ 147 AO, § 14b UStG), 6 years in France (LPF art. L102 B, 10 under the Code de commerce L123-22). The
invoice already holds its own copy of the buyer's details, so nothing else is needed to reissue it. Subscriptions are
kept, ended now, for the revenue and churn figures; they point at the anonymised account only.

Removed: the Stripe subscription (cancelled at once, no final invoice) and the Stripe customer with the cards stored
at Stripe, our link to that customer, the billing profile (name, postal address, VAT number for future invoices)."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.accounts.signals import ClosingRefused
from reelhouse.billing import signals
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import BillingProfile, Customer, Subscription
from reelhouse.core import clock
from reelhouse.core.audit import audit_record

log = logging.getLogger("reelhouse.billing")

ENDED_STATES = (Subscription.State.EXPIRED,)


def _refused(error: Exception) -> ClosingRefused:
    log.warning("closing an account: the payment provider refused or failed: %s", error)
    return ClosingRefused(_("Your card subscription could not be cancelled at the payment provider just now, so your "
                            "account is still open and nothing was removed. Try again in a few minutes, or contact "
                            "support."))


@transaction.atomic
def account_billing_close(*, user) -> None:
    """Cancel the account's Stripe subscriptions and customer, end its other subscriptions now, and delete the
    billing details no law requires. Raises ClosingRefused (nothing changed) when the provider cannot be reached."""
    from reelhouse.billing.services.access import _lock_user
    from reelhouse.billing.stripe_sync import subscription_sync

    _lock_user(user)
    now = clock.now()
    live = list(Subscription.objects.select_for_update().filter(user=user, current_period_end__gt=now)
                .exclude(state__in=ENDED_STATES))
    customer = Customer.objects.filter(user=user).first()
    ended = []
    for sub in live:
        if sub.stripe_subscription_id:
            try:
                data = gateway_get().subscription_cancel_now(subscription_id=sub.stripe_subscription_id)
            except Exception as error:  # the SDK's errors, a network failure, or no gateway configured any more
                raise _refused(error) from error
            sub = subscription_sync(data=data, user=user) or sub
        else:
            sub.state, sub.scheduled_plan, sub.paused_until = Subscription.State.EXPIRED, None, None
            if sub.current_period_start < now:  # a period bought to follow this one keeps its dates, expired
                sub.current_period_end = now
            sub.save(update_fields=["state", "scheduled_plan", "paused_until", "current_period_end"])
        ended.append(sub)
        audit_record(action="subscription.ended_by_closing", subject=sub)
    if customer is not None:
        try:
            gateway_get().customer_delete(customer_id=customer.stripe_customer_id)
        except Exception as error:
            raise _refused(error) from error
        customer.delete()
    BillingProfile.objects.filter(user=user).delete()
    audit_record(action="billing.account_closed", subject=user, subscriptions_ended=len(ended),
                 stripe_customer_deleted=customer is not None)
    for sub in ended:
        transaction.on_commit(lambda sub=sub: signals.subscription_ended.send(sender=Subscription, subscription=sub,
                                                                             reason="account_closed"))


def on_account_closing(sender, *, user, **kwargs) -> None:
    account_billing_close(user=user)
