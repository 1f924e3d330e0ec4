"""Notification reads: the mail queue's backlog (for metrics), a profile's notices and unread count."""

from django.db.models import Count, Min

from reelhouse.notifications.models import OutgoingMail


def mail_backlog() -> dict:
    """Mail not yet handed to the SMTP server: how many are queued or being sent, how many of those already failed
    at least once, and when the oldest was queued (None when the queue is empty)."""
    pending = OutgoingMail.objects.filter(state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.SENDING])
    figures = pending.aggregate(count=Count("pk"), oldest=Min("created_at"))
    return {"queued": figures["count"], "retrying": pending.filter(attempts__gt=0).count(),
            "oldest_queued_at": figures["oldest"],
            "failed": OutgoingMail.objects.filter(state=OutgoingMail.State.FAILED).count()}
