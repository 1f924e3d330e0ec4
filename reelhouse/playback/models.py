"""Playback: sessions a profile opens to watch a work, and where each profile stopped."""

import uuid

from django.db import models

from reelhouse.core import clock


class PlaybackSession(models.Model):
    """One viewing, from play start to its last heartbeat; stream tokens are bound to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey("accounts.Profile", related_name="playback_sessions", on_delete=models.CASCADE)
    work = models.ForeignKey("catalog.Work", related_name="+", on_delete=models.CASCADE)
    asset = models.ForeignKey("media.Asset", related_name="+", on_delete=models.CASCADE)
    device = models.CharField(max_length=200, blank=True, help_text="The browser's User-Agent, to name the device.")
    device_id = models.CharField(max_length=64, blank=True, db_index=True,
                                 help_text="The device's id (its rh_device cookie): playing again there takes over.")
    renditions = models.JSONField(default=list, blank=True,
                                  help_text="Package folders this session may fetch (video rungs allowed by the plan "
                                            "and licence, audio), decided at start.")
    started_at = models.DateTimeField(default=clock.now)
    last_heartbeat_at = models.DateTimeField(default=clock.now, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=24, blank=True,
                                    help_text="Why it ended: left, takeover, stopped, stale, signed_out, or the "
                                              "entitlement refusal's code (subscription, unavailable, territory...).")

    def __str__(self) -> str:
        return f"playback {self.id} of work {self.work_id}"


class ResumePoint(models.Model):
    profile = models.ForeignKey("accounts.Profile", related_name="resume_points", on_delete=models.CASCADE)
    work = models.ForeignKey("catalog.Work", related_name="+", on_delete=models.CASCADE)
    position_s = models.FloatField(default=0)
    duration_s = models.FloatField(default=0)
    watched = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "work"], name="resume_point_unique")]

    def __str__(self) -> str:
        return f"profile {self.profile_id} at {self.position_s:.0f}s of work {self.work_id}"


class Download(models.Model):
    """An MP4 a profile took for offline viewing; it counts against the plan's limit until it expires or is
    revoked, and its signed file URL stops working then (or when the subscription ends)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey("accounts.Profile", related_name="downloads", on_delete=models.CASCADE)
    work = models.ForeignKey("catalog.Work", related_name="+", on_delete=models.CASCADE)
    asset = models.ForeignKey("media.Asset", related_name="+", on_delete=models.CASCADE)
    label = models.CharField(max_length=16, help_text="Quality: the file download/<label>.mp4 of the asset.")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                              name="download_expires_after_created")]

    def __str__(self) -> str:
        return f"download {self.id} of work {self.work_id} ({self.label})"


class PlaybackError(models.Model):
    """What went wrong when a viewer pressed play: a refusal at start or an error the player hit (network, decoding,
    a stopped stream). Support shows the last few beside a request and the player's error screen prefills them."""

    profile = models.ForeignKey("accounts.Profile", related_name="+", on_delete=models.CASCADE)
    work = models.ForeignKey("catalog.Work", null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    device = models.CharField(max_length=200, blank=True, help_text="The browser's User-Agent.")
    code = models.CharField(max_length=40, help_text="The refusal's code or the player's error type.")
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.code} on work {self.work_id} at {self.at:%Y-%m-%d %H:%M}"
