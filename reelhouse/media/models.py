"""Media: published HLS packages (assets), their renditions, and the transcode jobs that build them."""

from django.db import models

from reelhouse.core import clock
from reelhouse.core.jobs import LeasedJob


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
    provisional = models.BooleanField(default=False, help_text="A quick low rung published while the full ladder "
                                      "encodes (a growing EVENT playlist); removed once no viewer uses it.")

    class Meta:
        # One package per source file and work: a crashed and retried transcode can never publish twice. A
        # provisional quick package is outside the rule (it coexists with the full one for a while).
        constraints = [models.UniqueConstraint(fields=["work", "source_sha256"],
                                               condition=~models.Q(source_sha256="") & models.Q(provisional=False),
                                               name="asset_unique_per_source")]

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


class TranscodeJob(LeasedJob):
    """The record of one package build: state, lease, progress and what ffmpeg said when it failed."""

    delivery = models.ForeignKey("ingest.Delivery", related_name="transcode_jobs", on_delete=models.CASCADE)
    progress = models.FloatField(default=0.0, help_text="0..1")
    speed = models.FloatField(null=True, blank=True, help_text="Multiple of real time.")
    eta_s = models.FloatField(null=True, blank=True, help_text="Seconds left at the current speed.")
    package_dir = models.CharField(max_length=200, blank=True, help_text="Folder under MEDIA_ROOT the current "
                                   "attempt builds (its temporary sibling is .<name>.building-*).")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "-priority", "created_at"], name="transcode_queue_idx"),
                   # media.sweeps' recent jobs (lease held or finished within the last lease periods): an index
                   # each, so the sweep reads the few recent rows, not every job of the library
                   models.Index(fields=["heartbeat_at"], name="transcode_heartbeat_idx"),
                   models.Index(fields=["finished_at"], name="transcode_finished_idx")]

    def __str__(self) -> str:
        return f"transcode #{self.pk} ({self.state}, {self.progress:.0%})"


class Marker(models.Model):
    """A skippable stretch of a work (intro or credits), in seconds of the work's timeline. It hangs on the work,
    not the asset, so it survives a re-encode; an operator's correction is never overwritten by detection."""

    class Kind(models.TextChoices):
        INTRO = "intro"
        CREDITS = "credits"

    class Source(models.TextChoices):
        AUTO = "auto", "detected"
        OPERATOR = "operator", "set by an operator"

    work = models.ForeignKey("catalog.Work", related_name="markers", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    start_s = models.FloatField(help_text="Seconds from the start of the work.")
    end_s = models.FloatField(help_text="Seconds from the start of the work.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.AUTO)
    confidence = models.FloatField(null=True, blank=True, help_text="0..1 for detected markers; empty when set "
                                   "by an operator.")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="The package the detection listened to.")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["work", "start_s"]
        constraints = [
            models.UniqueConstraint(fields=["work", "kind"], name="marker_unique_per_kind"),
            models.CheckConstraint(condition=models.Q(start_s__gte=0) & models.Q(end_s__gt=models.F("start_s")),
                                   name="marker_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start_s:.1f}-{self.end_s:.1f} s of {self.work}"


class Fingerprint(models.Model):
    """The content fingerprint of one video (engine: media/fingerprints): PDQ hashes of its frames sampled at `rate`
    per second, as shown, mirrored and zoomed, 32 bytes each, and its audio chromaprint. Kept as long as the work
    exists, withdrawn or not, so that a withdrawn work is recognised when it comes back in another file."""

    work = models.ForeignKey("catalog.Work", null=True, blank=True, related_name="fingerprints",
                             on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, null=True, blank=True, related_name="fingerprints", on_delete=models.SET_NULL)
    delivery = models.ForeignKey("ingest.Delivery", null=True, blank=True, related_name="fingerprints",
                                 on_delete=models.SET_NULL)
    in_library = models.BooleanField(default=False, db_index=True, help_text="Part of the library deliveries are "
                                     "compared with: set once its package is published.")
    rate = models.FloatField(help_text="Sampled frames per second.")
    frames = models.PositiveIntegerField()
    hashes = models.BinaryField(help_text="frames x 32 bytes: PDQ hash of each sampled frame.")
    mirrored = models.BinaryField(blank=True, default=b"", help_text="frames x 32 bytes: the same, flipped.")
    zoomed = models.BinaryField(blank=True, default=b"", help_text="frames x 32 bytes: the centre 90% of each.")
    quality = models.BinaryField(blank=True, default=b"", help_text="frames bytes: PDQ quality 0..100.")
    audio = models.BinaryField(blank=True, default=b"", help_text="Chromaprint raw sub-fingerprints (uint32 LE).")
    crop = models.CharField(max_length=40, blank=True, help_text="w:h:x:y of the picture inside black bars.")
    synthetic = models.BooleanField(default=False, help_text="Generated by seed_scale (no video behind it).")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["work"], name="fingerprint_work_idx")]

    def __str__(self) -> str:
        return f"fingerprint {self.pk} of {self.work or self.delivery}"


class FingerprintMatch(models.Model):
    """A delivery whose fingerprint matched a work of the library: which stretches of each, for the operator to
    compare side by side on the held delivery."""

    delivery = models.ForeignKey("ingest.Delivery", related_name="content_matches", on_delete=models.CASCADE)
    work = models.ForeignKey("catalog.Work", related_name="content_matches", on_delete=models.CASCADE)
    fingerprint = models.ForeignKey(Fingerprint, related_name="matches", on_delete=models.CASCADE)
    score = models.FloatField(help_text="Share (0..1) of the shorter video's compared frames (or sound "
                              "windows, when only the sound matched) found in the other.")
    mirrored = models.BooleanField(default=False, help_text="The delivery is the work flipped left to right.")
    by = models.CharField(max_length=20, default="pictures", help_text='What matched: "pictures", "sound" or '
                          '"pictures and sound".')
    segments = models.JSONField(default=list, help_text="[[delivery start s, end s, work start s, end s], ...]")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-score"]

    def __str__(self) -> str:
        return f"delivery {self.delivery_id} matches {self.work} ({self.score:.0%})"
