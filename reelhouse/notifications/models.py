"""Notifications: in-app notices to a profile (mail comes later)."""

from django.db import models

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

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["profile", "kind", "work"], name="notification_once_per_work")]

    def __str__(self) -> str:
        return self.text
