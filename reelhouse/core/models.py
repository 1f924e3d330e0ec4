"""Shared records: the audit log every write path appends to."""

from django.conf import settings
from django.db import models

from reelhouse.core import clock


class AuditEvent(models.Model):
    """One thing that happened, by whom, to what: append-only."""

    at = models.DateTimeField(default=clock.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.subject_type}#{self.subject_id}"


class Throttle(models.Model):
    """Attempts counted against one key (a rule and an account or a client address), see core/throttle.py."""

    key = models.CharField(max_length=80, unique=True, help_text="rule:sha256(identity); no address kept in clear.")
    count = models.PositiveIntegerField(default=0, help_text="Attempts counted in the current window.")
    window_ends_at = models.DateTimeField()
    strikes = models.PositiveIntegerField(default=0, help_text="Blocks since the last success: each doubles the wait.")
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Heartbeat(models.Model):
    """The last beat of a long-running process (the scheduler), read by /readyz and /metrics."""

    name = models.CharField(max_length=64, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
