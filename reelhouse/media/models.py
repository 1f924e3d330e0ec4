"""Media: published HLS packages (assets), their renditions, and the transcode jobs that build them."""

from django.db import models

from reelhouse.core import clock


class Asset(models.Model):
    """One immutable HLS package under MEDIA_ROOT/packages/<id>/; a re-encode is a new asset."""

    work = models.ForeignKey("catalog.Work", related_name="assets", on_delete=models.CASCADE)
    delivery = models.ForeignKey("ingest.Delivery", null=True, blank=True, related_name="assets",
                                 on_delete=models.SET_NULL)
    source_sha256 = models.CharField(max_length=64, db_index=True)
    directory = models.CharField(max_length=200, help_text="Folder under MEDIA_ROOT holding master.m3u8.")
    duration_s = models.FloatField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"asset {self.pk} of {self.work}"


class Rendition(models.Model):
    asset = models.ForeignKey(Asset, related_name="renditions", on_delete=models.CASCADE)
    name = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bandwidth = models.PositiveIntegerField(help_text="Peak bits per second, as declared in the master playlist.")
    codecs = models.CharField(max_length=64)

    class Meta:
        ordering = ["-height"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="rendition_unique_per_asset")]

    def __str__(self) -> str:
        return f"{self.name} {self.width}x{self.height}"


class TranscodeJob(models.Model):
    """The record of one package build: state, progress and what ffmpeg said when it failed."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    delivery = models.ForeignKey("ingest.Delivery", related_name="transcode_jobs", on_delete=models.CASCADE)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="0..1")
    speed = models.FloatField(null=True, blank=True, help_text="Multiple of real time.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"transcode #{self.pk} ({self.state}, {self.progress:.0%})"
