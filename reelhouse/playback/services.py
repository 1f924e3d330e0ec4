"""Playback writes: start a session, record heartbeats and resume points, stop."""

from django.contrib.auth import get_user_model
from django.db import transaction

from reelhouse.core import clock
from reelhouse.core.services import audit_record
from reelhouse.playback import conf
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.playback.selectors import entitlement_check


class PlaybackRefused(Exception):
    """The viewer may not play this now; the message says why and what to do."""

    def __init__(self, message: str, *, code: str = "", other_sessions=()):
        super().__init__(message)
        self.code = code
        self.other_sessions = list(other_sessions)


def _lock_account(user_id: int) -> None:
    # Starts on one account queue here, so two devices pressing play at once cannot both take the last slot.
    get_user_model().objects.select_for_update().filter(pk=user_id).first()


@transaction.atomic
def playback_start(*, profile, work, device: str = "") -> PlaybackSession:
    """Open a playback session after checking entitlement; raises PlaybackRefused with the reason."""
    _lock_account(profile.user_id)
    if refusal := entitlement_check(profile=profile, work=work):
        raise PlaybackRefused(refusal.message, code=refusal.code, other_sessions=refusal.other_sessions)
    return PlaybackSession.objects.create(profile=profile, work=work, asset_id=work.asset_id, device=device[:200])


def playback_heartbeat(*, session: PlaybackSession, position_s: float, duration_s: float,
                       ended: bool = False) -> PlaybackSession:
    """Record where the viewer is; re-checks entitlement (and the stream limit) so a stream stops when it ends."""
    now = clock.now()
    duration_s = max(duration_s, 0.0)
    position_s = min(max(position_s, 0.0), duration_s) if duration_s else max(position_s, 0.0)
    watched = ended or (duration_s > 0 and position_s >= duration_s * conf.WATCHED_FRACTION)
    with transaction.atomic():
        _lock_account(session.profile.user_id)
        ResumePoint.objects.update_or_create(
            profile_id=session.profile_id, work_id=session.work_id,
            defaults={"position_s": position_s, "duration_s": duration_s, "watched": watched, "updated_at": now},
        )
        session.refresh_from_db(fields=["ended_at"])
        refusal = entitlement_check(profile=session.profile, work=session.work, session=session)
        if refusal is None:
            session.last_heartbeat_at = now
            session.save(update_fields=["last_heartbeat_at"])
    if refusal is not None:
        playback_stop(session=session)  # committed: the stream's tokens stop working now
        raise PlaybackRefused(refusal.message, code=refusal.code, other_sessions=refusal.other_sessions)
    return session


def playback_stop(*, session: PlaybackSession) -> None:
    if session.ended_at is None:
        session.ended_at = clock.now()
        session.save(update_fields=["ended_at"])


@transaction.atomic
def playback_session_end(*, user, session_id) -> PlaybackSession:
    """The account holder stops one of their streams (to free its slot for another device)."""
    session = PlaybackSession.objects.select_for_update().filter(pk=session_id, profile__user=user).first()
    if session is None:
        raise PlaybackSession.DoesNotExist(f"No stream {session_id} on this account.")
    playback_stop(session=session)
    audit_record(action="playback.stopped_by_owner", subject=session, actor=user)
    return session
