"""Notification reads: the mail queue's backlog (for metrics), a profile's notices and unread count."""

from django.db.models import Count, Min
from django.utils.translation import gettext

from reelhouse.notifications.kinds import CHANNELS, EMAIL, IN_APP, KINDS, NEW_EPISODE, kind_get
from reelhouse.notifications.models import Notification, OutgoingMail, Preference


def mail_backlog() -> dict:
    """Mail not yet handed to the SMTP server: how many are queued or being sent, how many of those already failed
    at least once, and when the oldest was queued (None when the queue is empty)."""
    pending = OutgoingMail.objects.filter(state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.SENDING])
    figures = pending.aggregate(count=Count("pk"), oldest=Min("created_at"))
    return {"queued": figures["count"], "retrying": pending.filter(attempts__gt=0).count(),
            "oldest_queued_at": figures["oldest"],
            "failed": OutgoingMail.objects.filter(state=OutgoingMail.State.FAILED).count()}


def wants(*, user, kind: str, channel: str) -> bool:
    """Whether the subscriber lets the service tell them about `kind` on `channel` (transactional mail: always)."""
    if channel == EMAIL and kind_get(kind).transactional:
        return True
    choice = Preference.objects.filter(user=user, kind=kind, channel=channel).values_list("enabled", flat=True)
    return next(iter(choice), True)


def preferences_table(*, user) -> list[dict]:
    """One row per kind a subscriber can choose about: its label and, per channel, on/off and whether it is fixed."""
    chosen = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    rows = []
    for kind in KINDS.values():
        if kind.code == "password_reset":
            continue  # only ever mailed, never optional: not a choice to show
        rows.append({"kind": kind, "channels": [
            {"code": code, "label": label, "fixed": code == EMAIL and kind.transactional,
             "enabled": True if code == EMAIL and kind.transactional else chosen.get((kind.code, code), True)}
            for code, label in CHANNELS.items()]})
    return rows


def _shown_in_app(profile):
    """The profile's notices of the kinds its account did not switch off in the app."""
    hidden = Preference.objects.filter(user_id=profile.user_id, channel=IN_APP, enabled=False).values("kind")
    return Notification.objects.filter(profile=profile).exclude(kind__in=hidden)


def notifications_of(*, profile, limit: int = 50) -> list[Notification]:
    """The newest notices, each with `.line`: what to show, in the active language (a new episode's line is
    written from the episode now, so it follows the viewer's language; the stored text is the fallback)."""
    from reelhouse.catalog.models import Episode

    notices = list(_shown_in_app(profile)[:limit])
    episodes = Episode.objects.select_related("series", "season").in_bulk(
        {n.work_id for n in notices if n.kind == NEW_EPISODE.code and n.work_id})
    for notice in notices:
        episode = episodes.get(notice.work_id)
        notice.line = (gettext("New episode of %(series)s: %(code)s %(title)s")
                       % {"series": episode.series.display_title, "code": episode.code,
                          "title": episode.display_title} if episode else notice.text)
    return notices


def unread_count(*, profile) -> int:
    return _shown_in_app(profile).filter(read_at__isnull=True).count()
