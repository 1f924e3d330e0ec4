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
