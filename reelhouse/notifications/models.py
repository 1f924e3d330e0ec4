"""Notifications: in-app notices to a profile, the outgoing mail queue, undeliverable addresses."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock


class Notification(models.Model):
    """One notice for one profile, e.g. 'a new episode of a series you follow is available'."""

    class Kind(models.TextChoices):
        NEW_EPISODE = "new_episode", "New episode"

    profile = models.ForeignKey("accounts.Profile", related_name="notifications", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    work = models.ForeignKey("catalog.Work", null=True, blank=True, related_name="+", on_delete=models.CASCADE)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True, help_text="When the daily digest mail covered it.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["profile", "kind", "work"], name="notification_once_per_work")]

    def __str__(self) -> str:
        return self.text


class OutgoingMail(models.Model):
    """One mail on its way out: rendered when queued (in the recipient's language), sent by a job, retried with
    backoff while the SMTP server is unreachable, given up after the attempt limit."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    recipient = models.EmailField(db_index=True)
    user = models.ForeignKey("accounts.User", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    kind = models.CharField(max_length=32, blank=True, help_text="Notification kind; empty for account mail.")
    transactional = models.BooleanField(default=True, help_text="Sent even to an address that bounced.")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A sender holds it until then.")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outgoingmail_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient} ({self.state})"


class UndeliverableAddress(models.Model):
    """An address the mail server refused permanently (5xx on RCPT): no more non-transactional mail goes to it."""

    email = models.EmailField(unique=True)
    reason = models.TextField()
    flagged_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.email


class Preference(models.Model):
    """A subscriber's choice for one kind of notice on one channel; without a row the notice is sent."""

    user = models.ForeignKey("accounts.User", related_name="notification_preferences", on_delete=models.CASCADE)
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=8)
    enabled = models.BooleanField(default=True)
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {'on' if self.enabled else 'off'}"


class ReminderSent(models.Model):
    """One reminder mail's event (a subscription period's renewal, a prepaid term's end, a download's expiry): the row
    is written before the mail is queued, so the periodic job that sends reminders sends each one once."""

    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=120, help_text="The event: subscription and period end, or download id.")
    user = models.ForeignKey("accounts.User", related_name="+", on_delete=models.CASCADE)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="reminder_once_per_event")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Announcement(models.Model):
    """News from the operator (new arrivals, a maintenance window, a press release) for an audience: everyone, the
    subscribers of one plan, or the accounts of one country; in the languages it is written for. Who sees it is
    decided in one place: announcements.py."""

    class Category(models.TextChoices):
        NEW_ARRIVALS = "arrivals", _("New arrivals")
        MAINTENANCE = "maintenance", _("Maintenance")
        PRESS = "press", _("Press release")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        PLAN = "plan", _("Subscribers of one plan")
        COUNTRY = "country", _("Accounts in one country")

    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; paragraphs separated by blank lines.")
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.NEW_ARRIVALS)
    published_at = models.DateTimeField(default=clock.now, db_index=True, help_text="Shown from then on.")
    languages = models.CharField(max_length=20, default="en", help_text="Language codes, comma-separated: en,fr,de.")
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.EVERYONE)
    plan = models.ForeignKey("billing.Plan", null=True, blank=True, related_name="+", on_delete=models.PROTECT,
                             help_text="Audience 'plan': its subscribers.")
    country = models.CharField(max_length=2, blank=True, help_text="Audience 'country': ISO 3166-1 alpha-2.")
    banner = models.BooleanField(default=True, help_text="Shown as a dismissible banner in the app.")
    mail = models.BooleanField(default=False, help_text="Mailed to its audience (who did not switch it off).")
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(audience="plan") | models.Q(plan__isnull=False),
                                   name="announcement_plan_audience_names_a_plan"),
            models.CheckConstraint(condition=~models.Q(audience="country") | ~models.Q(country=""),
                                   name="announcement_country_audience_names_a_country"),
        ]

    def __str__(self) -> str:
        return self.title

    def language_list(self) -> list[str]:
        return [code.strip().lower() for code in self.languages.split(",") if code.strip()]


class AnnouncementDismissal(models.Model):
    """A profile closed an announcement's banner: it is not shown to that profile again."""

    announcement = models.ForeignKey(Announcement, related_name="dismissals", on_delete=models.CASCADE)
    profile = models.ForeignKey("accounts.Profile", related_name="+", on_delete=models.CASCADE)
    dismissed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "profile"], name="dismissal_once")]

    def __str__(self) -> str:
        return f"{self.profile_id} dismissed {self.announcement_id}"


class StatusComponent(models.Model):
    """A part of the service on the public status page (/status/): operational or not, set by operators or by the
    status monitor from /readyz's checks and the job queue's health."""

    class State(models.TextChoices):
        OPERATIONAL = "operational", _("Operational")
        DEGRADED = "degraded", _("Degraded")
        OUTAGE = "outage", _("Outage")

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPERATIONAL)
    position = models.PositiveSmallIntegerField(default=0)
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """Something wrong with one or more components, told as it is investigated and resolved."""

    class State(models.TextChoices):
        INVESTIGATING = "investigating", _("Investigating")
        IDENTIFIED = "identified", _("Identified")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(max_length=200)
    state = models.CharField(max_length=14, choices=State.choices, default=State.INVESTIGATING)
    components = models.ManyToManyField(StatusComponent, related_name="incidents", blank=True)
    automatic = models.BooleanField(default=False, help_text="Opened by the status monitor from a failed check.")
    check_name = models.CharField(max_length=40, blank=True, help_text="Automatic: the failed check.")
    started_at = models.DateTimeField(default=clock.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, related_name="updates", on_delete=models.CASCADE)
    state = models.CharField(max_length=14, choices=Incident.State.choices)
    text = models.TextField()
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.state}"
