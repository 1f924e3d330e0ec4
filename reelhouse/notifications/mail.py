"""The outgoing mail queue: every mail the service sends is queued here (`mail_queue`), sent by a job, retried with
backoff while the SMTP server is unreachable, and an address the server refuses for good is flagged undeliverable.

Delivery is at most once per row: a sender claims a row with one conditional UPDATE (queued and due -> sending) and
only the holder of the claim sends it. A sender that dies mid-send leaves the row "sending"; once its claim expires
the sweep queues it again (the one case where a mail could arrive twice, as with any SMTP client that crashes after
DATA). Bounces that arrive later as DSN mails are not read (no bounce mailbox): only refusals during the SMTP
conversation flag an address.
"""


from django.conf import settings
from django.core.mail.message import make_msgid

from reelhouse.notifications import tasks
from reelhouse.notifications.models import OutgoingMail, UndeliverableAddress


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
    tasks.mail_deliver.enqueue(mail.pk)
    return mail


