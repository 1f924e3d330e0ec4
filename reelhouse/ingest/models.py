"""Ingest: registered sources bound to a licensor, and every file that arrived through them."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

from reelhouse.core import clock
from reelhouse.core.jobs import LeasedJob


class Source(models.Model):
    """A place licensed content arrives: only sources an operator registered against a licensor."""

    class Kind(models.TextChoices):
        WATCH_FOLDER = "watch_folder", "Watch folder"
        FEED = "feed", "Partner feed"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WATCH_FOLDER)
    path = models.CharField(max_length=1000, help_text="Absolute path of the watch folder (for a feed: the landing "
                                                       "folder its downloads are placed in).")
    feed_url = models.URLField(max_length=2000, blank=True, help_text="Media RSS feed or JSON manifest (feeds only).")
    feed_auth_header = models.CharField(max_length=100, blank=True, default="Authorization",
                                        help_text="HTTP header that carries the token, e.g. Authorization.")
    feed_token = models.CharField(max_length=2000, blank=True, help_text="Value sent in the auth header; stored "
                                  "encrypted (core.crypto), never shown back.")
    feed_token_origins = models.TextField(
        blank=True, help_text="Other origins (https://host[:port]) that may receive the token besides the feed's "
                              "own, one per line, e.g. the partner's download host. Never plain http.")
    feed_allowed_networks = models.TextField(
        blank=True, help_text="Private networks this partner's servers live in (on-premises), e.g. 10.20.0.0/16. "
                              "Without one, feeds and downloads reach public addresses only.")
    feed_interval_s = models.PositiveIntegerField(default=3600, help_text="Seconds between fetches of the feed.")
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="What went wrong on the last fetch; empty when it worked.")
    licensor = models.ForeignKey("rights.Licensor", related_name="sources", on_delete=models.PROTECT)
    licence = models.ForeignKey("rights.Licence", null=True, blank=True, related_name="sources",
                                on_delete=models.PROTECT, help_text="Default licence for works delivered here.")
    enabled = models.BooleanField(default=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Invariants, whichever path wrote the row (admin, service, shell, fixtures): a feed token is never stored
        # readable, and moving the feed to another origin drops the token (it was issued for the old one).
        from reelhouse.core.crypto import encrypt
        from reelhouse.ingest import outbound

        self.feed_token = encrypt(self.feed_token)
        update_fields = kwargs.get("update_fields")
        if self.pk and self.feed_token and (update_fields is None or "feed_url" in update_fields):
            old = Source.objects.filter(pk=self.pk).values("feed_url", "feed_token").first()
            if (old and old["feed_token"] == self.feed_token
                    and outbound.origin(old["feed_url"]) != outbound.origin(self.feed_url)):
                self.feed_token = ""
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "feed_token"}
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        from reelhouse.ingest import outbound

        errors = {}
        try:
            outbound.parse_networks(self.feed_allowed_networks)
        except ValueError as exc:
            errors["feed_allowed_networks"] = str(exc)
        for line in self.feed_token_origins.split():
            try:
                parts = urlsplit(line)
                ok = parts.scheme.lower() == "https" and parts.hostname and parts.path in ("", "/") and (
                    parts.port or 443)
            except ValueError:
                ok = False
            if not ok:
                errors["feed_token_origins"] = (f"{line!r}: write each origin as https://host[:port] (the token is "
                                                f"never sent over plain http)")
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    """One file seen in a source, from first sight to published or quarantined (never deleted)."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting until the file is complete"
        RECEIVED = "received", "Received"
        ACCEPTED = "accepted", "Accepted, transcoding"
        PUBLISHED = "published", "Published"
        QUARANTINED = "quarantined", "Quarantined"
        DUPLICATE = "duplicate", "Duplicate of a published delivery"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded by an operator"
        REPLACED = "replaced", "Replaced by a better delivery"

    source = models.ForeignKey(Source, related_name="deliveries", on_delete=models.PROTECT)
    path = models.CharField(max_length=1000, help_text="Path relative to the source folder.")
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why it is where it is, in words an operator can act on.")
    identity = models.JSONField(default=dict, blank=True)
    origin_url = models.URLField(max_length=2000, blank=True, help_text="Where a feed delivery was downloaded from.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    replacement = models.BooleanField(default=False, help_text="Marked by an operator (or named PROPER/REPACK) as a "
                                                               "fix that replaces the work's current file.")
    override = models.JSONField(default=dict, blank=True, help_text="Identity assigned by an operator; wins over "
                                                                     "names and NFOs.")
    decisions = models.JSONField(default=list, blank=True, help_text="[{at, step, outcome}], oldest first.")
    work = models.ForeignKey("catalog.Work", null=True, blank=True, related_name="deliveries",
                             on_delete=models.SET_NULL)
    licence = models.ForeignKey("rights.Licence", null=True, blank=True, on_delete=models.PROTECT)
    first_seen_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-first_seen_at"]
        permissions = [("view_ops_ingest", "Can see the ingest operator pages (missing, calendar, iCal links)"),
                       ("act_on_quarantine", "Can retry, discard or assign held deliveries and feed items")]
        indexes = [models.Index(fields=["source", "path"])]

    def __str__(self) -> str:
        return self.path


class FeedItem(models.Model):
    """One entry of a partner feed and its download into the source's landing folder."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending download"
        DONE = "done", "Downloaded"
        FAILED = "failed", "Failed (file kept aside)"
        REFUSED = "refused", "Refused (entry unsafe or invalid)"

    source = models.ForeignKey(Source, related_name="feed_items", on_delete=models.PROTECT)
    url = models.CharField(max_length=2000)
    path = models.CharField(max_length=1000, blank=True, help_text="Where it lands, relative to the landing folder.")
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING, db_index=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    kept_at = models.CharField(max_length=1000, blank=True, help_text="Where a rejected download was kept aside.")
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_seen_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "url", "sha256"], name="feed_item_unique")]

    def __str__(self) -> str:
        return self.path or self.url


class CalendarToken(models.Model):
    """A private iCal subscription link (Missing list, upcoming calendar) of one staff user. Only a hash of the
    token is stored: it is shown once, when made, and can be revoked on its own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="ingest_calendar_tokens",
                             on_delete=models.CASCADE)
    label = models.CharField(max_length=120, blank=True, help_text="Where it is used, e.g. 'phone calendar'.")
    token_hash = models.CharField(max_length=64, unique=True, help_text="sha256 of the token.")
    hint = models.CharField(max_length=8, help_text="First characters of the token, to tell links apart.")
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.label or 'calendar'})"


class DeliveryJob(LeasedJob):
    """One run of processing a received delivery (identify, probe, licence check, then accept or quarantine), with
    a lease so that a worker killed mid-way hands it on (core.jobs)."""

    delivery = models.ForeignKey(Delivery, related_name="process_jobs", on_delete=models.CASCADE)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"processing of delivery #{self.delivery_id} (job #{self.pk}, {self.state})"


class FeedFetchJob(LeasedJob):
    """One fetch of a partner feed (read the feed, download new entries), with a lease (core.jobs)."""

    source = models.ForeignKey(Source, related_name="fetch_jobs", on_delete=models.CASCADE)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"fetch of feed {self.source_id} (job #{self.pk}, {self.state})"
