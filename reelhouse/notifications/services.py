"""Notification writes: record notices (idempotent per profile, kind and work)."""

from reelhouse.notifications.models import Notification


def notification_create(*, profile, kind: str, text: str, work=None) -> Notification:
    """Record a notice for a profile; telling the same profile twice about the same work does nothing."""
    notification, _ = Notification.objects.get_or_create(profile=profile, kind=kind, work=work,
                                                         defaults={"text": text[:500]})
    return notification


def on_work_available(sender, *, work, **kwargs) -> None:
    """A work became available: followers of its series are told about a new episode."""
    from reelhouse.catalog.models import Episode, Follow
    from reelhouse.rights.selectors import licence_problem

    episode = Episode.objects.select_related("series", "season", "licence").filter(pk=work.pk).first()
    if episode is None:
        return
    text = f"New episode of {episode.series.title}: {episode.code} {episode.title}"
    for follow in Follow.objects.filter(series_id=episode.series_id).select_related("profile__user"):
        if episode.licence_id and licence_problem(licence=episode.licence, territory=follow.profile.user.country):
            continue  # not licensed where this follower lives: nothing they could watch
        notification_create(profile=follow.profile, kind=Notification.Kind.NEW_EPISODE, text=text, work=episode)
