"""Playback writes: start a session, record heartbeats and resume points, stop."""

from django.db import transaction

from reelhouse.core import clock
from reelhouse.playback import conf
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.playback.selectors import playback_refusal


class PlaybackRefused(Exception):
    """The viewer may not play this now; the message says why and what to do."""


def playback_start(*, profile, work, device: str = "") -> PlaybackSession:
    """Open a playback session after checking entitlement; raises PlaybackRefused with the reason."""
    if reason := playback_refusal(profile=profile, work=work):
        raise PlaybackRefused(reason)
    return PlaybackSession.objects.create(profile=profile, work=work, asset_id=work.asset_id, device=device[:200])


def playback_heartbeat(*, session: PlaybackSession, position_s: float, duration_s: float,
                       ended: bool = False) -> PlaybackSession:
    """Record where the viewer is; re-checks entitlement so a stream stops when it ends."""
    now = clock.now()
    duration_s = max(duration_s, 0.0)
    position_s = min(max(position_s, 0.0), duration_s) if duration_s else max(position_s, 0.0)
    watched = ended or (duration_s > 0 and position_s >= duration_s * conf.WATCHED_FRACTION)
    with transaction.atomic():
        ResumePoint.objects.update_or_create(
            profile_id=session.profile_id, work_id=session.work_id,
            defaults={"position_s": position_s, "duration_s": duration_s, "watched": watched, "updated_at": now},
        )
        session.last_heartbeat_at = now
        session.save(update_fields=["last_heartbeat_at"])
    if reason := playback_refusal(profile=session.profile, work=session.work):
        playback_stop(session=session)  # committed: the stream's tokens stop working now
        raise PlaybackRefused(reason)
    return session


def playback_stop(*, session: PlaybackSession) -> None:
    if session.ended_at is None:
        session.ended_at = clock.now()
        session.save(update_fields=["ended_at"])
