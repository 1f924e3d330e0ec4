"""Billing mail: invoices, a failed renewal, the reminder before the grace period ends. Each is written in the
subscriber's language (their account's, else the site's)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from reelhouse.billing.models import Payment, Subscription
from reelhouse.billing.selectors import invoice_of


def _language(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    language = (getattr(user, "language", "") or "").split("-")[0].lower()
    return language if language in codes else settings.LANGUAGE_CODE


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(f"billing/email/{template}.txt", context | {"site": getattr(settings, "SITE_URL", "")})
    send_mail(subject, body, None, [to])


def receipt_send(*, payment: Payment) -> None:
    """The invoice, as plain text with the printable HTML invoice alongside."""
    with translation.override(_language(payment.user)):
        context = {"payment": payment, "invoice": invoice_of(payment=payment),
                   "site": getattr(settings, "SITE_URL", "")}
        subject = _("Your Reelhouse invoice %(number)s") % {"number": payment.number}
        text = render_to_string("billing/email/receipt.txt", context)
        html = render_to_string("billing/email/receipt.html", context)
    message = EmailMultiAlternatives(subject, text, None, [payment.user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def payment_failed_send(*, subscription: Subscription, reminder: bool = False) -> None:
    subject = ("Reminder: update your card to keep watching" if reminder
               else "Your Reelhouse payment failed")
    _send(to=subscription.user.email, subject=subject, template="payment_failed",
          context={"subscription": subscription, "reminder": reminder})
