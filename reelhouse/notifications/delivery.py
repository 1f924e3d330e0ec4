"""Delivery of queued mail: claim a due row, hand it to the SMTP server, retry with backoff or flag a bounce."""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from reelhouse.core import clock
from reelhouse.notifications.models import OutgoingMail, UndeliverableAddress

log = logging.getLogger(__name__)

CLAIM_S = 300  # a send that takes longer than this is presumed dead and queued again


def _backoff_s(attempts: int) -> float:
    """Wait after the `attempts`-th failed attempt: base, 2x base, 4x base... capped."""
    base = float(getattr(settings, "REELHOUSE_MAIL_BACKOFF_S", 60))
    return min(float(getattr(settings, "REELHOUSE_MAIL_BACKOFF_MAX_S", 21600)), base * 2 ** max(0, attempts - 1))


def _max_attempts() -> int:
    return int(getattr(settings, "REELHOUSE_MAIL_MAX_ATTEMPTS", 8))


def _claim(pk: int) -> OutgoingMail | None:
    now = clock.now()
    claimed = OutgoingMail.objects.filter(pk=pk, state=OutgoingMail.State.QUEUED, next_attempt_at__lte=now).update(
        state=OutgoingMail.State.SENDING, claimed_until=now + dt.timedelta(seconds=CLAIM_S))
    return OutgoingMail.objects.get(pk=pk) if claimed else None


def _message(mail: OutgoingMail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(mail.subject, mail.body_text, None, [mail.recipient], connection=connection,
                                     headers={**mail.headers, "Message-ID": mail.message_id})
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    return message


def _permanent_refusal(exc: Exception) -> str:
    """The server's words when it refused the recipient for good (5xx on RCPT), else ''."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = list(exc.recipients.values())
        if codes and all(code >= 500 for code, _text in codes):
            return "; ".join(f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                             for code, text in codes)
    return ""


def mail_deliver(*, pk: int) -> str:
    """Send one queued mail if it is due and nobody else holds it; returns its state afterwards."""
    mail = _claim(pk)
    if mail is None:
        return OutgoingMail.objects.filter(pk=pk).values_list("state", flat=True).first() or "missing"
    try:
        with get_connection(fail_silently=False) as connection:
            _message(mail, connection).send()
    except Exception as exc:  # any failure to hand over the mail is retried or recorded
        return _after_failure(mail, exc)
    mail.state, mail.sent_at, mail.claimed_until, mail.last_error = OutgoingMail.State.SENT, clock.now(), None, ""
    mail.attempts += 1
    mail.save(update_fields=["state", "sent_at", "claimed_until", "last_error", "attempts"])
    return mail.state


def _after_failure(mail: OutgoingMail, exc: Exception) -> str:
    mail.attempts += 1
    mail.claimed_until = None
    refusal = _permanent_refusal(exc)
    if refusal:
        mail.state, mail.last_error = OutgoingMail.State.BOUNCED, f"refused by the mail server: {refusal}"
        with transaction.atomic():
            UndeliverableAddress.objects.update_or_create(email=mail.recipient.lower(),
                                                          defaults={"reason": refusal, "flagged_at": clock.now()})
            mail.save(update_fields=["state", "last_error", "attempts", "claimed_until"])
        log.warning("mail %s to %s bounced: %s", mail.pk, mail.recipient, refusal)
        return mail.state
    mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if mail.attempts >= _max_attempts():
        mail.state = OutgoingMail.State.FAILED
        log.error("mail %s to %s given up after %s attempts: %s", mail.pk, mail.recipient, mail.attempts,
                  mail.last_error)
    else:
        mail.state = OutgoingMail.State.QUEUED
        mail.next_attempt_at = clock.now() + dt.timedelta(seconds=_backoff_s(mail.attempts))
        log.info("mail %s to %s not sent (attempt %s), retry at %s: %s", mail.pk, mail.recipient, mail.attempts,
                 mail.next_attempt_at, mail.last_error)
    mail.save(update_fields=["state", "last_error", "attempts", "claimed_until", "next_attempt_at"])
    return mail.state


def mail_send_due(*, limit: int = 500) -> int:
    """The periodic sweep: requeue mails whose sender died, then send every mail that is due; returns how many
    were sent."""
    now = clock.now()
    OutgoingMail.objects.filter(state=OutgoingMail.State.SENDING, claimed_until__lt=now).update(
        state=OutgoingMail.State.QUEUED, claimed_until=None)
    due = (OutgoingMail.objects.filter(Q(state=OutgoingMail.State.QUEUED) & Q(next_attempt_at__lte=now))
           .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(mail_deliver(pk=pk) == OutgoingMail.State.SENT for pk in list(due))


# The jobs live beside the code they run (tasks.py lists them) so mail_queue can start one without an import cycle.
@task(queue_name="default")
def mail_deliver_task(mail_id: int) -> str:
    return mail_deliver(pk=mail_id)


@task(queue_name="default")
def mail_send_due_task() -> int:
    return mail_send_due()
