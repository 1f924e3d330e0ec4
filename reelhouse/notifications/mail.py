"""The outgoing mail queue: every mail the service sends is queued here (`mail_queue`), sent by a job, retried with
backoff while the SMTP server is unreachable, and an address the server refuses for good is flagged undeliverable.

Delivery is at most once per row: a sender claims a row with one conditional UPDATE (queued and due -> sending) and
only the holder of the claim sends it. A sender that dies mid-send leaves the row "sending"; once its claim expires
the sweep queues it again (the one case where a mail could arrive twice, as with any SMTP client that crashes after
DATA). Bounces that arrive later as DSN mails are not read (no bounce mailbox): only refusals during the SMTP
conversation flag an address.
"""


from django.conf import settings
from django.core import signing
from django.core.mail.message import make_msgid
from django.urls import reverse

from reelhouse.core.http import site_url
from reelhouse.core.mailing import recipient_language  # noqa: F401 (billing imports it from here)
from reelhouse.notifications.delivery import mail_deliver_task
from reelhouse.notifications.kinds import EMAIL, UNSUBSCRIBE_SALT, kind_get
from reelhouse.notifications.models import OutgoingMail, UndeliverableAddress
from reelhouse.notifications.selectors import wants


def _msgid_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    return sender[1].strip("> ") if len(sender) == 2 else "localhost"


def address_is_undeliverable(email: str) -> bool:
    return UndeliverableAddress.objects.filter(email__iexact=email.strip()).exists()


def mail_queue(*, to: str, subject: str, text: str, html: str = "", headers: dict | None = None, user=None,
               kind: str = "") -> OutgoingMail | None:
    """Queue one mail (already rendered in the recipient's language) and start its delivery job. `kind` names a
    notification kind (kinds.py); without one the mail is account mail (sign-up, verification), always sent.
    A mail of a kind that can be switched off is not queued when the subscriber switched it off (returns None),
    is recorded as failed without sending when the address bounced before, and carries one-click unsubscribe
    headers (RFC 8058) naming the subscriber and the kind."""
    if not to or "@" not in to:
        raise ValueError(f"cannot queue mail {subject!r}: recipient {to!r} is not an e-mail address")
    transactional = kind_get(kind).transactional if kind else True
    headers = dict(headers or {})
    if not transactional and user is not None:
        if not wants(user=user, kind=kind, channel=EMAIL):
            return None
        link = unsubscribe_url(user=user, kind=kind)
        headers |= {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    mail = OutgoingMail(recipient=to.strip(), user=user, kind=kind, transactional=transactional,
                        subject=" ".join(subject.split())[:300], body_text=text, body_html=html,
                        headers=headers, message_id=make_msgid(domain=_msgid_domain()))
    if not transactional and address_is_undeliverable(mail.recipient):
        mail.state, mail.last_error = OutgoingMail.State.FAILED, "address flagged undeliverable; not sent"
        mail.save()
        return mail
    mail.save()
    mail_deliver_task.enqueue(mail.pk)
    return mail


def unsubscribe_token(*, user, kind: str) -> str:
    """A signed token naming the subscriber and the kind; it does not expire (old mails' links keep working)."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user, kind: str) -> str:
    return f"{site_url()}{reverse('notifications:unsubscribe', args=[unsubscribe_token(user=user, kind=kind)])}"
