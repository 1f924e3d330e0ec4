"""Shared records: the audit log every write path appends to."""

from django.conf import settings
from django.db import models

from reelhouse.core import clock


class AuditEvent(models.Model):
    """One thing that happened, by whom, to what, with the values before and after and why: append-only and
    chained (each entry holds the sha256 of the one before, see core/audit.py; PostgreSQL refuses UPDATE/DELETE)."""

    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1.")
    at = models.DateTimeField(default=clock.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    # No database constraint and no cascade: deleting a person must not rewrite (UPDATE) the entries they made.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_label = models.CharField(max_length=254, blank=True, db_index=True,
                                   help_text="Who acted, as they were named then (e-mail); empty for the system.")
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    before = models.JSONField(null=True, blank=True, help_text="The changed values before, when something changed.")
    after = models.JSONField(null=True, blank=True, help_text="The changed values after.")
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, help_text="sha256 of the entry before (64 zeros for the first).")
    hash = models.CharField(max_length=64, unique=True, help_text="sha256 of this entry's canonical JSON + prev_hash.")

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        permissions = [("export_auditevent", "Can export the audit trail as CSV")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.subject_type}#{self.subject_id}"


class AuditChainHead(models.Model):
    """The one row every append locks (UPDATE first) so concurrent writers never fork the chain."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


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
