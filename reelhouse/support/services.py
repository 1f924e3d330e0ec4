"""Writes of the support desk: open a request, add the requester's messages, agents' replies and notes, change state,
priority and assignee, resolve, rate. Mails go through the one mail queue, in the requester's language, and every
Message-ID sent is remembered so that replies thread back."""

import re

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.http import site_url
from reelhouse.core.mailing import mail_queue
from reelhouse.support import attachments, conf, sla
from reelhouse.support.models import Attachment, CannedReply, Message, SentMail, Ticket

S = Ticket.State


class SupportError(ValueError):
    """A change the desk refuses; the message says why."""


def _language(value: str) -> str:
    from django.conf import settings

    code = (value or "").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _state_set(ticket: Ticket, state: str) -> None:
    """Move to `state`, keeping the timers right: waiting on the subscriber pauses the resolution timer."""
    now = clock.now()
    if ticket.paused_since and state != S.WAITING_SUBSCRIBER:
        ticket.paused_business_s += sla.business_seconds(ticket.paused_since, now)
        ticket.paused_since = None
    if state == S.WAITING_SUBSCRIBER and ticket.paused_since is None:
        ticket.paused_since = now
    if state == S.RESOLVED:
        ticket.resolved_at = now
    if state == S.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    if state not in (S.RESOLVED, S.CLOSED):
        ticket.resolved_at = ticket.closed_at = None
    ticket.state = state


def _attach(message: Message, uploads: list[attachments.Upload]) -> None:
    for upload, kind in attachments.check_all(uploads):
        stored, digest = attachments.store(upload.data)
        Attachment.objects.create(message=message, filename=attachments.clean_name(upload.filename),
                                  content_type=kind, size=len(upload.data), stored_name=stored, sha256=digest)


def subject_tag(ticket: Ticket) -> str:
    return f"[{ticket.reference}]"


def _mail(ticket: Ticket, *, template: str, subject: str, context: dict, auto: bool = False,
          in_reply_to: str = "") -> None:
    """One mail about `ticket` to its requester, in their language; its Message-ID is kept for threading."""
    headers = {"Reply-To": conf.support_email()}
    if auto:  # RFC 3834: an automatic answer, which other robots must not answer
        headers["Auto-Submitted"] = "auto-replied"
    if in_reply_to:
        headers["In-Reply-To"] = headers["References"] = in_reply_to
    with translation.override(ticket.language):
        body = render_to_string(template, {"ticket": ticket, "site": site_url(), **context})
        subject = f"{subject_tag(ticket)} {subject}"
    mail = mail_queue(to=ticket.email, subject=subject, text=body, headers=headers, user=ticket.user)
    if mail is not None:
        SentMail.objects.create(ticket=ticket, message_id=mail.message_id)


def ticket_url(ticket: Ticket) -> str:
    return site_url() + reverse("support:ticket", args=[ticket.reference])


@transaction.atomic
def ticket_open(*, email: str, subject: str, body: str, user=None, name: str = "", language: str = "",
                source: str = Ticket.Source.WEB, context: dict | None = None,
                uploads: list[attachments.Upload] | None = None, message_id: str = "", inbound=None,
                acknowledge: bool = True) -> Ticket:
    """Open a request with its first message (attachments checked first: a refused file opens nothing)."""
    checked = attachments.check_all(uploads or [])  # noqa: F841 (raises before anything is written)
    if not body.strip():
        raise SupportError("A request needs a message: say what happened.")
    ticket = Ticket.objects.create(
        user=user, email=email.strip(), name=name.strip()[:150], subject=" ".join(subject.split())[:200] or "…",
        language=_language(language or getattr(user, "language", "")), source=source, context=context or {})
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.REQUESTER, author=user,
                                     body=body[:conf.BODY_MAX_CHARS], message_id=message_id, inbound=inbound)
    _attach(message, uploads or [])
    audit_record(action="support.ticket_opened", subject=ticket, actor=user, source=source)
    if acknowledge:
        with translation.override(ticket.language):
            _mail(ticket, template="support/email_opened.txt", subject=translation.gettext("We received your request"),
                  context={"url": ticket_url(ticket) if user else ""}, auto=True, in_reply_to=message_id)
    return ticket


@transaction.atomic
def requester_message_add(*, ticket: Ticket, body: str, author=None, uploads=None, message_id: str = "",
                          inbound=None) -> Message:
    """The requester wrote again (web or mail): the request waits on us; a resolved or closed one reopens."""
    if not body.strip() and not uploads:
        raise SupportError("The message is empty.")
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.REQUESTER, author=author,
                                     body=body[:conf.BODY_MAX_CHARS], message_id=message_id, inbound=inbound)
    _attach(message, uploads or [])
    if not ticket.is_open:
        ticket.reopened_count += 1
        ticket.rating = None
        _state_set(ticket, S.OPEN)
    elif ticket.state != S.NEW:
        _state_set(ticket, S.WAITING_US)
    ticket.save()
    return message


@transaction.atomic
def agent_reply(*, ticket: Ticket, agent, body: str, uploads=None, resolve: bool = False) -> Message:
    """Answer the requester (mailed to them); the request then waits on them, or is resolved."""
    if not body.strip():
        raise SupportError("The reply is empty.")
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.AGENT, author=agent, body=body)
    _attach(message, uploads or [])
    ticket.first_response_at = ticket.first_response_at or clock.now()
    ticket.assignee = ticket.assignee or agent
    last_in = ticket.messages.filter(kind=Message.Kind.REQUESTER).exclude(message_id="").last()
    with translation.override(ticket.language):
        _mail(ticket, template="support/email_reply.txt", subject=ticket.subject,
              context={"message": message, "url": ticket_url(ticket) if ticket.user_id else ""},
              in_reply_to=last_in.message_id if last_in else "")
    if resolve:
        _resolve(ticket, agent)
    else:
        _state_set(ticket, S.WAITING_SUBSCRIBER)
    ticket.save()
    audit_record(action="support.replied", subject=ticket, actor=agent)
    return message


def note_add(*, ticket: Ticket, agent, body: str, uploads=None) -> Message:
    """An internal note: agents only, never mailed, no effect on the timers."""
    if not body.strip():
        raise SupportError("The note is empty.")
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.NOTE, author=agent, body=body)
    _attach(message, uploads or [])
    return message


def rating_token(ticket: Ticket) -> str:
    """Signed (request, when issued): the link works without signing in, for RATING_LINK_DAYS."""
    return signing.dumps({"t": ticket.pk, "at": int(clock.now().timestamp())}, salt=conf.RATING_SALT, compress=True)


def rating_ticket(token: str) -> Ticket:
    """The request a rating link names (raises signing.BadSignature when forged or expired, Ticket.DoesNotExist)."""
    data = signing.loads(token, salt=conf.RATING_SALT)
    if clock.now().timestamp() - data.get("at", 0) > conf.RATING_LINK_DAYS * 86400:
        raise signing.SignatureExpired("the rating link is too old")
    return Ticket.objects.get(pk=data["t"])


def _resolve(ticket: Ticket, agent) -> None:
    _state_set(ticket, S.RESOLVED)
    token = rating_token(ticket)
    links = [(score, site_url() + reverse("support:rate", args=[token]) + f"?score={score}") for score in (5, 3, 1)]
    with translation.override(ticket.language):
        _mail(ticket, template="support/email_resolved.txt", subject=translation.gettext("Your request is resolved"),
              context={"links": links})


@transaction.atomic
def ticket_update(*, ticket: Ticket, agent, state: str | None = None, priority: str | None = None,
                  assignee=None, unassign: bool = False) -> Ticket:
    """Change state, priority or assignee; resolving mails the requester a rating link."""
    before = {"state": ticket.state, "priority": ticket.priority, "assignee": ticket.assignee_id}
    if priority is not None:
        if priority not in Ticket.Priority.values:
            raise SupportError(f"Unknown priority {priority!r}; use one of {', '.join(Ticket.Priority.values)}.")
        ticket.priority = priority
    if assignee is not None or unassign:
        ticket.assignee = None if unassign else assignee
    if state is not None and state != ticket.state:
        if state not in S.values:
            raise SupportError(f"Unknown state {state!r}; use one of {', '.join(S.values)}.")
        if state == S.RESOLVED:
            _resolve(ticket, agent)
        else:
            _state_set(ticket, state)
    ticket.save()
    audit_record(action="support.ticket_changed", subject=ticket, actor=agent, before=before,
                 after={"state": ticket.state, "priority": ticket.priority, "assignee": ticket.assignee_id})
    return ticket


def rating_record(*, ticket: Ticket, score: int, comment: str = "") -> Ticket:
    if ticket.state not in (S.RESOLVED, S.CLOSED):
        raise SupportError("Only a resolved request can be rated.")
    if not 1 <= int(score) <= 5:
        raise SupportError("A rating is 1 to 5.")
    ticket.rating, ticket.rating_comment, ticket.rated_at = int(score), comment.strip()[:2000], clock.now()
    ticket.save(update_fields=["rating", "rating_comment", "rated_at"])
    return ticket


PLACEHOLDER = re.compile(r"\{(name|plan|renewal_date)\}")


def canned_render(*, key: str, ticket: Ticket, values: dict[str, str]) -> str:
    """The canned reply `key` in the requester's language (else English, else any), placeholders filled in."""
    replies = {c.language: c for c in CannedReply.objects.filter(key=key)}
    if not replies:
        raise SupportError(f"No canned reply {key!r}.")
    reply = replies.get(ticket.language) or replies.get("en") or next(iter(replies.values()))
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), "") or "", reply.body)


def tickets_close_resolved(*, days: int | None = None) -> int:
    """Close requests resolved more than `days` ago (conf.CLOSE_AFTER_DAYS) without a word since; returns how many.
    A closed request still reopens when its requester writes again."""
    import datetime as dt

    cutoff = clock.now() - dt.timedelta(days=conf.CLOSE_AFTER_DAYS if days is None else days)
    return Ticket.objects.filter(state=S.RESOLVED, resolved_at__lt=cutoff).update(state=S.CLOSED,
                                                                                closed_at=clock.now())
