"""Sending mail from any app through one entry point. The queue that sends it (retries, preferences, unsubscribe
headers) is notifications'; it registers itself here at start-up, so that apps below notifications in the app order
(accounts, rights) send mail without importing it."""

from collections.abc import Callable

from django.conf import settings

_queue: Callable | None = None


def mail_queue_register(queue: Callable) -> None:
    """Install the function that queues mail (notifications.mail.mail_queue, from its AppConfig.ready())."""
    global _queue
    _queue = queue


def mail_queue(*, to: str, subject: str, text: str, html: str = "", headers: dict | None = None, user=None,
               kind: str = ""):
    """Queue one mail already rendered in the recipient's language (see notifications.mail.mail_queue)."""
    if _queue is None:
        raise RuntimeError("no mail queue is registered: reelhouse.notifications must be in INSTALLED_APPS")
    return _queue(to=to, subject=subject, text=text, html=html, headers=headers, user=user, kind=kind)


def recipient_language(user) -> str:
    """The language a mail to this account is written in: the account's, else the site's."""
    codes = {code for code, _name in settings.LANGUAGES}
    language = (getattr(user, "language", "") or "").split("-")[0].lower()
    return language if language in codes else settings.LANGUAGE_CODE
