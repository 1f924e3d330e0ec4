"""Playback writes: start a session, record heartbeats and resume points, stop."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from reelhouse.core import clock
from reelhouse.core.services import audit_record
from reelhouse.playback import conf
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint
from reelhouse.playback.selectors import (
    download_labels,
    download_limit_problem,
    download_refusal,
    entitlement_check,
    max_height_for,
    watched_from_s,
)


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
    watched_from = watched_from_s(work_id=session.work_id, duration_s=duration_s)
    watched = ended or (watched_from is not None and position_s >= watched_from)
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


class DownloadRefused(Exception):
    """The profile may not download this now; the message says why and what to do."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


@transaction.atomic
def download_create(*, profile, work, label: str = "") -> Download:
    """Take an offline download of a work (best allowed quality when `label` is empty); raises DownloadRefused.
    Idempotent: the same profile, work and quality reuse the active download instead of taking another slot."""
    _lock_account(profile.user_id)
    if refusal := download_refusal(profile=profile, work=work):
        raise DownloadRefused(refusal.message, code=refusal.code)
    labels = download_labels(asset=work.asset, max_height=max_height_for(user=profile.user))
    if not labels:
        raise DownloadRefused(_("No download file is available for this title yet."), code="nofile")
    label = label or labels[0]
    if label not in labels:
        raise DownloadRefused(_("No %(label)sp download of this title on your plan; choose one of: %(labels)s.")
                              % {"label": label, "labels": ", ".join(x + "p" for x in labels)}, code="quality")
    now = clock.now()
    existing = Download.objects.filter(profile=profile, work=work, asset_id=work.asset_id, label=label,
                                       revoked_at__isnull=True, expires_at__gt=now).first()
    if existing is not None:
        return existing
    if problem := download_limit_problem(user=profile.user):
        raise DownloadRefused(problem, code="limit")
    expires = now + dt.timedelta(days=conf.DOWNLOAD_DAYS)
    if work.licence is not None and work.licence.ends_at is not None:
        expires = min(expires, work.licence.ends_at)  # leaving the service: the offline copy leaves with it
    download = Download.objects.create(profile=profile, work=work, asset_id=work.asset_id, label=label,
                                       created_at=now, expires_at=expires)
    audit_record(action="download.created", subject=download, actor=profile.user)
    return download


@transaction.atomic
def download_revoke(*, user, download_id) -> Download:
    """The account holder removes a download: its slot is free and its file link stops working."""
    download = Download.objects.select_for_update().filter(pk=download_id, profile__user=user).first()
    if download is None:
        raise Download.DoesNotExist(f"No download {download_id} on this account.")
    if download.revoked_at is None:
        download.revoked_at = clock.now()
        download.save(update_fields=["revoked_at"])
        audit_record(action="download.revoked", subject=download, actor=user)
    return download
