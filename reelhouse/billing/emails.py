"""Billing mail: invoices, a failed renewal, the reminder before the grace period ends. Each is written in the
subscriber's language (their account's, else the site's): subject, body, amounts and dates."""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from reelhouse.billing.models import Payment, Subscription
from reelhouse.billing.selectors import billing_currency, invoice_of
from reelhouse.core.http import site_url
from reelhouse.notifications.mail import mail_queue, recipient_language


def _send(*, user, kind: str, subject: str, params: dict | None = None, template: str,
          context: Callable[[], dict], html: bool = False) -> None:
    """Render and send one mail with the subscriber's language active throughout, so the subject, the templates'
    {% translate %} text, the |money amounts and the |date dates all follow it. `context` is built inside too (an
    invoice names the buyer's country in the active language). `subject` is a msgid (marked with gettext_noop where
    it is written) translated here, then filled with `params`; `html` adds the template's .html version as an
    alternative to the plain text. The mail goes out through the notifications queue (retried while SMTP is down)."""
    with translation.override(recipient_language(user)):
        values = context() | {"site": site_url()}
        subject = gettext(subject) % params if params else gettext(subject)
        text = render_to_string(f"billing/email/{template}.txt", values)
        html_body = render_to_string(f"billing/email/{template}.html", values) if html else None
    mail_queue(to=user.email, subject=subject, text=text, html=html_body or "", user=user, kind=kind)


def receipt_send(*, payment: Payment) -> None:
    """The invoice, as plain text with the printable HTML invoice alongside."""
    _send(user=payment.user, kind="receipt", subject=gettext_noop("Your Reelhouse invoice %(number)s"),
          params={"number": payment.number}, template="receipt", html=True,
          context=lambda: {"payment": payment, "invoice": invoice_of(payment=payment)})


def _renewal_amount(subscription: Subscription) -> tuple[int, str] | None:
    """What the failed renewal asks for, as (minor units, currency): the last period the subscriber paid for on this
    plan (a coupon's price is renewed as it was, in the currency they pay in), else the plan's list price in their
    billing currency; None when the plan has no price there (the mail then names no amount)."""
    last = (Payment.objects.filter(user=subscription.user, plan=subscription.plan, months__gt=0)
            .order_by("-paid_at", "-id").values_list("amount_minor", "currency").first())
    if last is not None:
        return last
    price = subscription.plan.price(billing_currency(user=subscription.user))
    return (price.amount_minor, price.currency) if price else None


def payment_failed_send(*, subscription: Subscription, reminder: bool = False) -> None:
    """The renewal failed (or, with `reminder`, still has not gone through as the grace period nears its end):
    the amount due, the last day of access and where to update the card."""
    subject = (gettext_noop("Reminder: update your card to keep watching") if reminder
               else gettext_noop("Your Reelhouse payment failed"))
    amount_minor, currency = _renewal_amount(subscription) or (None, "")
    _send(user=subscription.user, kind="payment_failed", subject=subject, template="payment_failed",
          context=lambda: {"subscription": subscription, "reminder": reminder, "amount_minor": amount_minor,
                           "currency": currency})
