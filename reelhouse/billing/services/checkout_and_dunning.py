"""Stripe Checkout and billing-portal links, and reminders while a failed renewal is in its grace period."""

import datetime as dt

from django.utils.translation import gettext as _

from reelhouse.billing import conf, emails
from reelhouse.billing.gateway import gateway_get
from reelhouse.billing.models import Customer, Plan, Subscription
from reelhouse.billing.services.coupons import price_quote
from reelhouse.billing.services.errors import BillingError
from reelhouse.core import clock


def checkout_url_create(*, user, plan: Plan, currency: str, coupon_code: str = "", success_url: str,
                        cancel_url: str) -> str:
    """A Stripe Checkout page for this plan: a Billing subscription for monthly, a one-off payment for prepaid."""
    quote = price_quote(plan=plan, currency=currency, coupon_code=coupon_code, user=user)
    price = plan.price(currency)
    customer = Customer.objects.filter(user=user).first()
    metadata = {"user_id": str(user.pk), "plan_code": plan.code, "coupon": quote.coupon.code if quote.coupon else ""}
    return gateway_get().checkout_url(
        mode="subscription" if plan.recurring else "payment",
        price_id=price.stripe_price_id if price and not quote.coupon else "",
        currency=quote.currency, amount_minor=quote.amount_minor, product_name=plan.name,
        client_reference_id=str(user.pk), customer_email=user.email,
        customer_id=customer.stripe_customer_id if customer else "", metadata=metadata,
        success_url=success_url, cancel_url=cancel_url)


def portal_url_create(*, user, return_url: str) -> str:
    """Where the subscriber manages cards and sees the provider's invoices: a Stripe customer portal session."""
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise BillingError(_("There is no card on file for this account yet: pay for a plan by card first."))
    return gateway_get().portal_session_create(customer_id=customer.stripe_customer_id, return_url=return_url)["url"]


def dunning_reminders_send() -> int:
    """Remind past-due subscribers whose grace period ends within REMINDER_DAYS (once each); run daily."""
    now = clock.now()
    due = (Subscription.objects.select_related("user")
           .filter(state=Subscription.State.PAST_DUE, grace_until__gt=now, dunning_reminded_at__isnull=True,
                   grace_until__lte=now + dt.timedelta(days=conf.DUNNING_REMINDER_DAYS)))
    sent = 0
    for sub in due:
        if Subscription.objects.filter(pk=sub.pk, dunning_reminded_at__isnull=True).update(dunning_reminded_at=now):
            emails.payment_failed_send(subscription=sub, reminder=True)
            sent += 1
    return sent
