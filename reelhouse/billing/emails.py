"""Billing mail: receipts, a failed renewal, the reminder before the grace period ends."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from reelhouse.billing.models import Payment, Subscription


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(f"billing/email/{template}.txt", context | {"site": getattr(settings, "SITE_URL", "")})
    send_mail(subject, body, None, [to])


def receipt_send(*, payment: Payment) -> None:
    _send(to=payment.user.email, subject=f"Your Reelhouse receipt {payment.number}", template="receipt",
          context={"payment": payment})


def payment_failed_send(*, subscription: Subscription, reminder: bool = False) -> None:
    subject = ("Reminder: update your card to keep watching" if reminder
               else "Your Reelhouse payment failed")
    _send(to=subscription.user.email, subject=subject, template="payment_failed",
          context={"subscription": subscription, "reminder": reminder})
