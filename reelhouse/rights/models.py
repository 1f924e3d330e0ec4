"""Rights: who licensed us what, where and when."""

from django.db import models
from django.db.models import Q

from reelhouse.core import clock

WORLDWIDE = "WW"


def territory_key(territories: str) -> str:
    """',FR,DE,' for 'de, fr': the codes upper-cased, sorted and comma-fenced ('' for none)."""
    codes = sorted({t.strip().upper() for t in territories.split(",") if t.strip()})
    return f",{','.join(codes)}," if codes else ""


class Licensor(models.Model):
    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True)

    def __str__(self) -> str:
        return self.name


class Licence(models.Model):
    """A licence window: works delivered under it may be shown in its territories between start and end."""

    licensor = models.ForeignKey(Licensor, related_name="licences", on_delete=models.PROTECT)
    name = models.CharField(max_length=120)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open-ended.")
    territories = models.CharField(
        max_length=800, default=WORLDWIDE,
        help_text="Comma-separated ISO 3166-1 alpha-2 codes, or WW for worldwide.",
    )
    territory_key = models.CharField(
        max_length=810, default=f",{WORLDWIDE},", editable=False,
        help_text="The territories as ',FR,DE,' (kept by save()), so that queries match a code with one LIKE.",
    )
    allows_downloads = models.BooleanField(
        default=True,
        help_text="Subscribers may take offline copies (MP4 downloads) of works under this licence. Untick for "
                  "streaming-only rights: existing downloads stop opening at once.",
    )
    max_height = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="The highest quality (rendition height, e.g. 720) the licence allows showing; empty: no limit. "
                  "Streams and downloads never go above it, whatever the plan.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="licence_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.licensor}: {self.name}"

    def save(self, *args, **kwargs):
        self.territory_key = territory_key(self.territories)
        if kwargs.get("update_fields") is not None and "territories" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "territory_key"}
        super().save(*args, **kwargs)


class Notice(models.Model):
    """A notice that a work on Reelhouse infringes someone's rights: the union of a DMCA §512(c)(3) notification and
    an EU DSA Article 16 notice. Its decisions and withdrawals hang off it; every change is in the audit trail."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        NEEDS_INFORMATION = "needs_information", "Needs information"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        COUNTERED = "countered", "Countered"
        RESTORED = "restored", "Restored"
        CLOSED = "closed", "Closed"

    class Scope(models.TextChoices):
        EPISODE = "episode", "Episode"
        SEASON = "season", "Season"
        SERIES = "series", "Series"
        FILM = "film", "Film"

    class Channel(models.TextChoices):
        FORM = "form", "Public form"
        TRUSTED = "trusted", "Trusted notifier"

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True,
                                 help_text="RH-<year>-<number>, given when the notice is filed.")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.FORM)
    notifier = models.ForeignKey(Licensor, null=True, blank=True, on_delete=models.PROTECT, related_name="notices",
                                 help_text="The licensor whose trusted-notifier token filed it (empty: public form).")
    claimant_name = models.CharField(max_length=200)
    claimant_address = models.TextField()
    claimant_email = models.EmailField()
    claimant_phone = models.CharField(max_length=40, blank=True)
    on_behalf_of = models.CharField(max_length=200, blank=True, help_text="The rights holder, when an agent files.")
    works_claimed = models.TextField(help_text="The copyrighted work(s) the claimant says are infringed.")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    territories = models.CharField(max_length=800, blank=True,
                                   help_text="Comma-separated ISO codes; empty: all territories.")
    urls = models.TextField(help_text="The exact Reelhouse URLs, one per line.")
    explanation = models.TextField()
    good_faith = models.BooleanField(default=False)
    accurate = models.BooleanField(default=False)
    signature = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True)
    language = models.CharField(max_length=10, default="en", help_text="The language the claimant wrote to us in.")
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(good_faith=True, accurate=True),
                                              name="notice_statements_made")]

    def __str__(self) -> str:
        return self.reference or f"notice {self.pk}"

    @property
    def url_list(self) -> list[str]:
        return [u.strip() for u in self.urls.splitlines() if u.strip()]


class NoticeDecision(models.Model):
    """One decision on a notice and its statement of reasons (DSA Article 17)."""

    notice = models.ForeignKey(Notice, related_name="decisions", on_delete=models.PROTECT)
    outcome = models.CharField(max_length=20, choices=Notice.State.choices)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(default=clock.now)
    ground = models.TextField(help_text="The legal or contractual ground the decision rests on.")
    facts = models.TextField(help_text="The facts and circumstances relied on.")
    automated = models.BooleanField(default=False, help_text="Whether automated means took or detected it.")
    restricted = models.TextField(blank=True, help_text="What was restricted and where.")
    statement = models.TextField(help_text="The statement of reasons as sent.")

    class Meta:
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"{self.notice}: {self.outcome}"


class WorkWithdrawal(models.Model):
    """A work taken down on a notice. While it stands (lifted_at empty) nothing republishes the work."""

    work = models.ForeignKey("catalog.Work", related_name="withdrawals", on_delete=models.CASCADE)
    notice = models.ForeignKey(Notice, related_name="withdrawals", on_delete=models.PROTECT)
    territories = models.CharField(max_length=800, blank=True, help_text="Empty: all territories.")
    withdrawn_at = models.DateTimeField(default=clock.now)
    published_at_before = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "notice"], name="withdrawal_once_per_notice")]

    def __str__(self) -> str:
        return f"work {self.work_id} on {self.notice}"


class TrustedNotifier(models.Model):
    """A licensor's own system that files notices through the JSON endpoint; only the token's SHA-256 is kept."""

    licensor = models.OneToOneField(Licensor, related_name="trusted_notifier", on_delete=models.CASCADE)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"trusted notifier of {self.licensor}"


class CounterNotice(models.Model):
    """A counter-notification (DMCA §512(g)(3)) against an accepted notice: forwarded to the claimant; the work
    comes back between 10 and 14 business days later unless the claimant reports a court action."""

    notice = models.OneToOneField(Notice, related_name="counter_notice", on_delete=models.PROTECT)
    name = models.CharField(max_length=200)
    address = models.TextField()
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    material = models.TextField(help_text="The material removed and where it appeared before removal.")
    mistake_statement = models.BooleanField(default=False, help_text="Good-faith belief of mistake or "
                                            "misidentification, under penalty of perjury.")
    jurisdiction_consent = models.BooleanField(default=False, help_text="Consent to the jurisdiction of the court "
                                               "and to accept service of process from the claimant.")
    signature = models.CharField(max_length=200)
    filed_at = models.DateTimeField(default=clock.now)
    restore_on = models.DateField(help_text="The business day the work comes back (10 to 14 business days later).")
    court_action_at = models.DateTimeField(null=True, blank=True,
                                           help_text="When the claimant reported a court action (no restoration).")
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(mistake_statement=True, jurisdiction_consent=True),
                                              name="counter_notice_statements_made")]

    def __str__(self) -> str:
        return f"counter-notice to {self.notice}"


class Strike(models.Model):
    """One strike against a source of content (a watch folder, a partner feed or a licensor) for infringing material
    it delivered: an accepted notice, or a fingerprint match. After REELHOUSE_STRIKES_BEFORE_SUSPENSION strikes since
    the last lift, the source's ingest is suspended (rights.strikes). The source is a generic reference (its model
    label and key), so rights needs no import of ingest."""

    source_type = models.CharField(max_length=60, help_text="Model label of the source, e.g. ingest.source.")
    source_id = models.CharField(max_length=40)
    source_name = models.CharField(max_length=200, help_text="The source's name when the strike was recorded.")
    reason = models.TextField()
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="strikes")
    work = models.ForeignKey("catalog.Work", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["source_type", "source_id"])]
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id", "notice"],
                                               condition=Q(notice__isnull=False), name="strike_once_per_notice")]

    def __str__(self) -> str:
        return f"strike against {self.source_name}"


class SourceSuspension(models.Model):
    """A source whose ingest stopped after too many strikes: its folder is not scanned, its feed not fetched, its
    deliveries held, until an operator with the rights & legal role lifts it (with a reason)."""

    source_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=40)
    source_name = models.CharField(max_length=200)
    strikes = models.PositiveIntegerField(help_text="Strikes counted when it was suspended.")
    suspended_at = models.DateTimeField(default=clock.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-suspended_at"]
        permissions = [("lift_sourcesuspension", "Can lift a source's ingest suspension")]
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], condition=Q(lifted_at__isnull=True),
                                               name="one_standing_suspension_per_source")]

    def __str__(self) -> str:
        return f"{self.source_name} suspended"

    @property
    def standing(self) -> bool:
        return self.lifted_at is None


class LicenceEndWarning(models.Model):
    """Operators were warned that a licence ends in `days` days or fewer (once per licence, threshold and end date:
    an extended licence that is about to end again is warned about again)."""

    licence = models.ForeignKey(Licence, related_name="end_warnings", on_delete=models.CASCADE)
    days = models.PositiveIntegerField()
    ends_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=clock.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["licence", "days", "ends_at"], name="licence_warned_once")]

    def __str__(self) -> str:
        return f"{self.licence}: {self.days} days"


class EndingLicence(Licence):
    """The back office's list of licences that end within the warning window (a proxy: the same rows)."""

    class Meta:
        proxy = True
        verbose_name = "licence ending soon"
        verbose_name_plural = "licences ending soon"
