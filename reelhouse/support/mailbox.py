"""Reading the support mailbox: an IMAP folder (REELHOUSE_SUPPORT_IMAP_URL, imap:// or imaps://) or a local Maildir
(REELHOUSE_SUPPORT_MAILDIR). Each unread mail is handed to inbound.mail_receive and then marked read; a mail too
large to fetch is flagged and left in the mailbox (nothing is deleted: the mailbox stays the record)."""

import imaplib
import logging
import mailbox as stdlib_mailbox
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings

from reelhouse.support import conf
from reelhouse.support.inbound import mail_receive
from reelhouse.support.models import InboundMail

log = logging.getLogger(__name__)
FETCH_LIMIT = 200  # mails per poll; the next poll takes the rest


@dataclass
class PollResult:
    read: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.read += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def imap_poll(url: str, *, result: PollResult | None = None) -> PollResult:
    """Read the unread mails of the IMAP folder the URL names (imap://user:password@host:143/INBOX)."""
    result = result or PollResult()
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError(f"REELHOUSE_SUPPORT_IMAP_URL {parts.scheme}://{parts.hostname}: expected "
                         "imap://user:password@host:port/FOLDER or imaps://...")
    client_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    with client_class(parts.hostname, port, timeout=60) as imap:
        imap.login(unquote(parts.username or ""), unquote(parts.password or ""))
        imap.select(f'"{folder}"')
        _typ, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:FETCH_LIMIT]:
            _typ, sized = imap.uid("FETCH", uid, "(RFC822.SIZE)")
            size = int(re.search(rb"RFC822\.SIZE (\d+)", sized[0]).group(1))
            if size > conf.RAW_MAIL_MAX_BYTES * 4:  # not even fetched: flagged for a person to look at
                imap.uid("STORE", uid, "+FLAGS", r"(\Seen \Flagged)")
                result.count(InboundMail.Outcome.TOO_LARGE)
                result.errors.append(f"IMAP uid {uid.decode()}: {size} bytes, left in the mailbox (flagged)")
                continue
            _typ, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            record = mail_receive(raw=raw)
            imap.uid("STORE", uid, "+FLAGS", r"(\Seen)")
            result.count(record.outcome)
    return result


def maildir_poll(path: str, *, result: PollResult | None = None) -> PollResult:
    """Read the new mails of a local Maildir; each moves to cur/ marked seen once handled."""
    result = result or PollResult()
    box = stdlib_mailbox.Maildir(path, factory=None, create=False)
    for key in list(box.iterkeys())[:FETCH_LIMIT]:
        message = box.get_message(key)
        if message.get_subdir() == "cur" and "S" in message.get_flags():
            continue
        with box.get_file(key) as handle:
            raw = handle.read()
        record = mail_receive(raw=raw)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
        result.count(record.outcome)
    return result


def mailbox_poll() -> PollResult:
    """The periodic job: read whichever mailbox is configured (both when both are)."""
    result = PollResult()
    if url := getattr(settings, "REELHOUSE_SUPPORT_IMAP_URL", ""):
        try:
            imap_poll(url, result=result)
        except (OSError, imaplib.IMAP4.error) as exc:  # the server is down or refuses us: the next poll tries again
            result.errors.append(f"IMAP: {type(exc).__name__}: {exc}")
            log.warning("support mailbox: %s", result.errors[-1])
    if path := getattr(settings, "REELHOUSE_SUPPORT_MAILDIR", ""):
        maildir_poll(path, result=result)
    return result
