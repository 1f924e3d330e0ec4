"""The outgoing mail queue: every mail the service sends is queued here (`mail_queue`), sent by a job, retried with
backoff while the SMTP server is unreachable, and an address the server refuses for good is flagged undeliverable.

Delivery is at most once per row: a sender claims a row with one conditional UPDATE (queued and due -> sending) and
only the holder of the claim sends it. A sender that dies mid-send leaves the row "sending"; once its claim expires
the sweep queues it again (the one case where a mail could arrive twice, as with any SMTP client that crashes after
DATA). Bounces that arrive later as DSN mails are not read (no bounce mailbox): only refusals during the SMTP
conversation flag an address.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Q

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


def _msgid_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    return sender[1].strip("> ") if len(sender) == 2 else "localhost"


def recipient_language(user) -> str:
    """The language a mail to this account is written in: the account's, else the site's."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (getattr(user, "language", "") or "").split("-")[0].lower()
    return language if language in codes else settings.LANGUAGE_CODE


def address_is_undeliverable(email: str) -> bool:
    return UndeliverableAddress.objects.filter(email__iexact=email.strip()).exists()


def mail_queue(*, to: str, subject: str, text: str, html: str = "", headers: dict | None = None, user=None,
               kind: str = "", transactional: bool = True) -> OutgoingMail:
    """Queue one mail (already rendered in the recipient's language) and start its delivery job. A non-transactional
    mail to an address flagged undeliverable is recorded as failed and not sent."""
    if not to or "@" not in to:
        raise ValueError(f"cannot queue mail {subject!r}: recipient {to!r} is not an e-mail address")
    mail = OutgoingMail(recipient=to.strip(), user=user, kind=kind, transactional=transactional,
                        subject=" ".join(subject.split())[:300], body_text=text, body_html=html,
                        headers=dict(headers or {}), message_id=make_msgid(domain=_msgid_domain()))
    if not transactional and address_is_undeliverable(mail.recipient):
        mail.state, mail.last_error = OutgoingMail.State.FAILED, "address flagged undeliverable; not sent"
        mail.save()
        return mail
    mail.save()
    from reelhouse.notifications.tasks import mail_deliver

    mail_deliver.enqueue(mail.pk)
    return mail


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
