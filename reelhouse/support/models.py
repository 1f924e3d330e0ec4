"""Support requests: the request (ticket), its messages and internal notes, attachments, canned replies, and every
mail the support mailbox received (kept raw, whatever became of it)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud on the phone without doubt


def reference_new() -> str:
    return "REQ-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class Ticket(models.Model):
    """One request from one person (a subscriber or a visitor who wrote in), from opening to closing."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_SUBSCRIBER = "waiting_subscriber", _("Waiting on subscriber")
        WAITING_US = "waiting_us", _("Waiting on us")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        ACCOUNT = "account", _("Account page")
        PLAYER = "player", _("Player error screen")
        EMAIL = "email", _("E-mail")

    reference = models.CharField(max_length=12, unique=True, default=reference_new)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="support_tickets",
                             on_delete=models.SET_NULL, help_text="Empty for a visitor who wrote without an account.")
    email = models.EmailField(help_text="Where replies go.")
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW, db_index=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                                 on_delete=models.SET_NULL)
    context = models.JSONField(default=dict, blank=True,
                               help_text="What the subscriber was doing: title, device, last playback errors.")
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True, help_text="Waiting on the subscriber since then.")
    paused_business_s = models.PositiveIntegerField(default=0, help_text="Business seconds spent waiting on the "
                                                                         "subscriber; the resolution timer skips them.")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (bad) to 5 (great).")
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("handle_ticket", "Work the support queue: read and answer requests")]
        constraints = [models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__range=(1, 5)),
                                              name="ticket_rating_1_to_5")]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.RESOLVED, self.State.CLOSED)


class Message(models.Model):
    """One message on a request: from the requester (web or mail), a reply from an agent, or an internal note."""

    class Kind(models.TextChoices):
        REQUESTER = "requester", "From the requester"
        AGENT = "agent", "Reply from support"
        NOTE = "note", "Internal note"

    ticket = models.ForeignKey(Ticket, related_name="messages", on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+",
                               on_delete=models.SET_NULL)
    body = models.TextField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True,
                                  help_text="The mail's Message-ID: ours for a reply we sent, theirs for a mail in.")
    inbound = models.ForeignKey("InboundMail", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file sent with a message, stored under REELHOUSE_SUPPORT_FILES_DIR (outside the web root) by a random name."""

    message = models.ForeignKey(Message, related_name="attachments", on_delete=models.CASCADE)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=64, unique=True)
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.filename


class SentMail(models.Model):
    """The Message-ID of every mail the desk sent about a request: a reply quoting one threads onto the request."""

    ticket = models.ForeignKey(Ticket, related_name="sent_mails", on_delete=models.CASCADE)
    message_id = models.CharField(max_length=255, unique=True)
    sent_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.message_id


class CannedReply(models.Model):
    """A prepared answer in one language; {name}, {plan} and {renewal_date} are filled in for the requester. Replies
    with the same key are translations of one another: the agent picks the key, the requester's language picks the
    text."""

    key = models.SlugField(max_length=60)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(max_length=120)
    body = models.TextField()

    class Meta:
        ordering = ["key", "language"]
        verbose_name_plural = "canned replies"
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="canned_reply_once_per_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class InboundMail(models.Model):
    """Every mail the support mailbox held, kept raw (on disk, by its checksum) whatever became of it."""

    class Outcome(models.TextChoices):
        THREADED = "threaded", "Added to a request"
        OPENED = "opened", "Opened a request"
        AUTO_REPLY = "auto_reply", "Ignored: automatic reply or bounce"
        TOO_LARGE = "too_large", "Refused: too large"
        UNREADABLE = "unreadable", "Refused: no sender or no text"

    sha256 = models.CharField(max_length=64, unique=True, help_text="Of the raw bytes: a mail is read once.")
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sender = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField()
    raw_name = models.CharField(max_length=80, help_text="File under REELHOUSE_SUPPORT_FILES_DIR/raw/.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.outcome})"
