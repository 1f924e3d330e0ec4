"""What playback does when other apps report an event that can take a stream away: a subscription changed or ended,
the account signed out everywhere, a licence changed or ended, a work was withdrawn (unpublished, its asset taken
away) or re-rated. Each queues a job that ends the affected streams at once (connected in apps.py)."""

from django.db import transaction

from reelhouse.playback.models import PlaybackSession


def _open(**filters) -> bool:
    return PlaybackSession.objects.filter(ended_at__isnull=True, **filters).exists()


def _after_commit(job, **kwargs) -> None:
    transaction.on_commit(lambda: job.enqueue(**kwargs))


def subscription_changed(sender, instance, **kwargs) -> None:
    from reelhouse.playback.tasks import playback_sessions_recheck

    if _open(profile__user_id=instance.user_id):
        _after_commit(playback_sessions_recheck, user_id=instance.user_id)


def signed_out_everywhere(sender, user, **kwargs) -> None:
    from reelhouse.playback.tasks import playback_sessions_end

    if _open(profile__user_id=user.pk):
        _after_commit(playback_sessions_end, user_id=user.pk, reason="signed_out")


def signed_out_here(sender, request, user, **kwargs) -> None:
    """django.contrib.auth's user_logged_out: this browser's streams end with its sign-in, now (their heartbeat key
    does not depend on the cookie, so the ended session is what tells a tab still playing)."""
    from reelhouse.playback.devices import device_cookie
    from reelhouse.playback.services import playback_sessions_end

    device_id = device_cookie(request) if request is not None else ""
    if user is not None and device_id:
        playback_sessions_end(user_id=user.pk, reason="signed_out_here", device_id=device_id)


def licence_changed(sender, licence, **kwargs) -> None:
    """rights.signals.licence_changed: a licence was edited or deleted."""
    from reelhouse.playback.tasks import playback_sessions_recheck

    if _open(work__licence_id=licence.pk):
        _after_commit(playback_sessions_recheck, licence_id=licence.pk)


def work_withdrawn(sender, work_ids, **kwargs) -> None:
    """rights.signals.work_withdrawn: works taken down on a notice (in some territories or all)."""
    from reelhouse.playback.tasks import playback_sessions_recheck

    work_ids = list(work_ids)
    if _open(work_id__in=work_ids):
        _after_commit(playback_sessions_recheck, work_ids=work_ids)


def work_changed(sender, instance, **kwargs) -> None:
    from reelhouse.playback.tasks import playback_sessions_recheck

    if _open(work_id=instance.pk):
        _after_commit(playback_sessions_recheck, work_ids=[instance.pk])


def asset_in_use(sender, *, asset, since, **kwargs) -> bool:
    """media asks before removing a superseded asset: a live session that beat after `since` still plays it."""
    return PlaybackSession.objects.filter(asset=asset, ended_at__isnull=True, last_heartbeat_at__gt=since).exists()


def asset_retiring(sender, *, asset, replacement_id: int, at, **kwargs) -> None:
    """A superseded asset goes: its open sessions end now, and all its sessions move to the work's current asset so
    watching history stays."""
    sessions = PlaybackSession.objects.filter(asset=asset)
    sessions.filter(ended_at__isnull=True).update(ended_at=at)
    sessions.update(asset_id=replacement_id)
