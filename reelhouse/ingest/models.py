"""Ingest: registered sources bound to a licensor, and every file that arrived through them."""

from django.db import models

from reelhouse.core import clock


class Source(models.Model):
    """A place licensed content arrives: only sources an operator registered against a licensor."""

    class Kind(models.TextChoices):
        WATCH_FOLDER = "watch_folder", "Watch folder"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WATCH_FOLDER)
    path = models.CharField(max_length=1000, help_text="Absolute path of the watch folder.")
    licensor = models.ForeignKey("rights.Licensor", related_name="sources", on_delete=models.PROTECT)
    licence = models.ForeignKey("rights.Licence", null=True, blank=True, related_name="sources",
                                on_delete=models.PROTECT, help_text="Default licence for works delivered here.")
    enabled = models.BooleanField(default=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


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

    source = models.ForeignKey(Source, related_name="deliveries", on_delete=models.PROTECT)
    path = models.CharField(max_length=1000, help_text="Path relative to the source folder.")
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why it is where it is, in words an operator can act on.")
    identity = models.JSONField(default=dict, blank=True)
    work = models.ForeignKey("catalog.Work", null=True, blank=True, related_name="deliveries",
                             on_delete=models.SET_NULL)
    licence = models.ForeignKey("rights.Licence", null=True, blank=True, on_delete=models.PROTECT)
    first_seen_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-first_seen_at"]
        indexes = [models.Index(fields=["source", "path"])]

    def __str__(self) -> str:
        return self.path
