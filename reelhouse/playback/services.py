"""Playback writes: start a session (taking over the device's own), record heartbeats and resume points, leave,
stop, and end sessions when an entitlement goes away."""

import datetime as dt
import math

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BigIntegerField, DateTimeField
from django.utils.translation import gettext as _

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.prepared import Arg, PreparedUpdate
from reelhouse.playback import conf
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint
from reelhouse.playback.refusals import ended_refusal, stopped_refusal
from reelhouse.playback.selectors import (
    download_labels,
    download_limit_problem,
    download_refusal,
    entitlement_check,
    heard_since,
    position_watched,
    quality_limit,
    session_alive,
    sessions_alive,
    stream_limit_check,
    stream_renditions,
    watched_from_s,
)


class PlaybackRefused(Exception):
    """The viewer may not play this now; the message says why and what to do."""

    def __init__(self, message: str, *, code: str = "", other_sessions=()):
        super().__init__(message)
        self.code = code
        self.other_sessions = list(other_sessions)


def _lock_account(user_id: int) -> None:
    # Starts on one account queue here, so two devices pressing play at once cannot both take the last slot. On
    # SQLite (no row locks) the IMMEDIATE transaction already holds the database's one write lock since its BEGIN.
    if connection.vendor == "sqlite" and getattr(connection, "transaction_mode", None) == "IMMEDIATE":
        return
    get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


class HeartbeatInvalid(ValueError):
    """A heartbeat's position or duration is not a usable number of seconds; the message says which and why."""


def heartbeat_values(*, session: PlaybackSession, position: str, duration: str) -> tuple[float, float]:
    """Parse and check what the player reports: finite seconds, not negative, not past the title's length (plus
    conf.POSITION_TOLERANCE_S). Raises HeartbeatInvalid; nothing is stored for a refused heartbeat."""
    length = session.asset.duration_s if session.asset_id and session.asset.duration_s > 0 else None
    values = []
    for name, raw in (("position", position), ("duration", duration)):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise HeartbeatInvalid(f"{name} must be a number of seconds, got {str(raw)[:40]!r}") from None
        if not math.isfinite(value) or value < 0:
            raise HeartbeatInvalid(f"{name} must be a finite, non-negative number of seconds, got {str(raw)[:40]!r}")
        if length is not None and value > length + conf.POSITION_TOLERANCE_S:
            raise HeartbeatInvalid(f"{name} {value:.3f} s is past the end of the title ({length:.3f} s)")
        values.append(value)
    return values[0], values[1]


def _end(session: PlaybackSession, reason: str) -> None:
    if session.ended_at is None:
        session.ended_at = clock.now()
        session.ended_reason = reason
        session.save(update_fields=["ended_at", "ended_reason"])


def playback_start(*, profile, work, device: str = "", device_id: str = "") -> PlaybackSession:
    """Open a playback session after checking entitlement; raises PlaybackRefused with the reason. The device's
    own earlier sessions (same `device_id`) end first: playing again on a device takes over its stream, and never
    counts against it. The renditions the session may fetch are decided here, once.

    Only the stream limit, the takeover and the new row are decided under the account's lock (on SQLite the
    database's one write lock, held by every IMMEDIATE transaction): the other checks and the renditions are read
    before it, so they never hold up another account's heartbeats."""
    if refusal := entitlement_check(profile=profile, work=work, device_id=device_id, streams=False):
        raise PlaybackRefused(refusal.message, code=refusal.code)
    renditions = stream_renditions(user=profile.user, work=work, asset=work.asset)
    with transaction.atomic():
        _lock_account(profile.user_id)
        if refusal := stream_limit_check(user=profile.user, device_id=device_id):
            raise PlaybackRefused(refusal.message, code=refusal.code, other_sessions=refusal.other_sessions)
        if device_id:
            for old in PlaybackSession.objects.select_for_update().filter(profile__user_id=profile.user_id,
                                                                          device_id=device_id, ended_at__isnull=True):
                _end(old, "takeover")
        return PlaybackSession.objects.create(
            profile=profile, work=work, asset_id=work.asset_id, device=device[:200], device_id=device_id[:64],
            renditions=renditions)


# The usual heartbeat's two UPDATEs, built and compiled once per server thread (core/prepared.py): the session's
# (only while sessions_alive's rule holds) and its resume point's.
_STILL_ALIVE_HEARD = PreparedUpdate(
    lambda: sessions_alive(since=Arg("since", DateTimeField())).filter(pk=Arg("session", PlaybackSession._meta.pk)),
    last_heartbeat_at=Arg("now", DateTimeField()))
_RESUME_MOVED = PreparedUpdate(
    lambda: ResumePoint.objects.filter(profile_id=Arg("profile", BigIntegerField()),
                                       work_id=Arg("work", BigIntegerField())),
    **{name: Arg(name, ResumePoint._meta.get_field(name)) for name in ("position_s", "duration_s", "updated_at",
                                                                          "watched")})


def _resume_values(*, session: PlaybackSession, position_s: float, duration_s: float, ended: bool, now) -> dict:
    """The resume point's fields for this position (read before the account's lock: near the credits, whether the
    position counts as watched reads the title's markers)."""
    return {"position_s": position_s, "duration_s": duration_s, "updated_at": now,
            "watched": ended or position_watched(work_id=session.work_id, position_s=position_s,
                                                 duration_s=duration_s)}


def _resume_record(*, session: PlaybackSession, values: dict) -> None:
    # Under the account's lock: one UPDATE of the profile's row for this work; the first heartbeat creates it.
    if not _RESUME_MOVED.run(profile=session.profile_id, work=session.work_id, **values):
        _resume_create(session=session, values=values)


def _resume_create(*, session: PlaybackSession, values: dict) -> None:
    # the row is not there (or was not a moment ago: another request of this profile may have just made it)
    ResumePoint.objects.update_or_create(profile_id=session.profile_id, work_id=session.work_id, defaults=values)


def playback_heartbeat(*, session: PlaybackSession, position_s: float, duration_s: float,
                       ended: bool = False) -> PlaybackSession:
    """Record where the viewer is; re-checks entitlement (and the stream limit) so a stream stops when it ends.
    A session that went quiet for longer than SESSION_STALE_SECONDS is dead (the one liveness rule): it is not
    revived, the player starts a new one.

    The checks are read before the write transaction (on SQLite every transaction takes the database's one write
    lock at BEGIN, so all heartbeats would queue behind each other's dozen reads). Under the account's lock only
    what can have changed meanwhile is read again: the session's own state (ended by a takeover, a leave, a stop
    or a revocation; gone quiet), and the stream limit when it refuses, since heartbeats over the limit must not
    all end each other (the first one ends, the next one then fits).

    The usual heartbeat (entitled, the session alive, its resume point there) is two UPDATEs, each a statement on
    its own, outside any transaction and the account's lock: the session's, on condition that it is still alive
    (sessions_alive's rule, so nothing can have ended it since the checks), then the resume point's. Each is atomic by
    itself and neither decides anything for another session, so the lock adds nothing to them; and on SQLite a
    statement on its own holds the database's write lock only while SQLite runs it, never while its thread waits for
    the GIL between statements, as a transaction's turn does. Any other case takes the lock, reads the session again
    and decides as below."""
    now = clock.now()
    position_s = min(position_s, duration_s) if duration_s else position_s
    refusal = entitlement_check(profile=session.profile, work=session.work, session=session)
    resume = _resume_values(session=session, position_s=position_s, duration_s=duration_s, ended=ended, now=now)
    if refusal is None and _STILL_ALIVE_HEARD.run(
            session=session.pk, since=heard_since(now), now=now):
        session.last_heartbeat_at = now
        if not _RESUME_MOVED.run(profile=session.profile_id, work=session.work_id, **resume):
            with transaction.atomic():  # the session's first heartbeat creates its resume point
                _lock_account(session.profile.user_id)
                _resume_create(session=session, values=resume)
        return session
    with transaction.atomic():
        _lock_account(session.profile.user_id)
        session.refresh_from_db(fields=["ended_at", "ended_reason", "last_heartbeat_at"])
        if session.ended_at is None and not session_alive(session):
            _end(session, "stale")
        if session.ended_at is None or session.ended_reason in ("takeover", "left"):
            # this viewer's own position, even from a page this device has already replaced
            _resume_record(session=session, values=resume)
        if session.ended_at is not None:
            refusal = ended_refusal(session)
        elif refusal is not None and refusal.code == "streams":
            refusal = stream_limit_check(user=session.profile.user, session=session)
        if refusal is None:
            session.last_heartbeat_at = now
            PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=now)
        else:
            _end(session, refusal.code)  # committed: the stream's tokens stop working now
            refusal = stopped_refusal(refusal)
    if refusal is not None:
        raise PlaybackRefused(refusal.message, code=refusal.code, other_sessions=refusal.other_sessions)
    return session


@transaction.atomic
def playback_leave(*, session: PlaybackSession, position_s: float, duration_s: float) -> PlaybackSession:
    """The page playing the session was left (its pagehide beacon): store the final position and end the session in
    one transaction, so a reload on this device resumes exactly there and its slot is free at once."""
    _lock_account(session.profile.user_id)
    session.refresh_from_db(fields=["ended_at", "ended_reason"])
    if session.ended_at is None or session.ended_reason in ("takeover", "left"):
        position_s = min(position_s, duration_s) if duration_s else position_s
        _resume_record(session=session, values=_resume_values(session=session, position_s=position_s,
                                                              duration_s=duration_s, ended=False, now=clock.now()))
    _end(session, "left")
    return session


def playback_stop(*, session: PlaybackSession, reason: str = "stopped") -> None:
    _end(session, reason)


@transaction.atomic
def playback_session_end(*, user, session_id) -> PlaybackSession:
    """The account holder stops one of their streams (to free its slot for another device)."""
    session = PlaybackSession.objects.select_for_update().filter(pk=session_id, profile__user=user).first()
    if session is None:
        raise PlaybackSession.DoesNotExist(f"No stream {session_id} on this account.")
    playback_stop(session=session)
    audit_record(action="playback.stopped_by_owner", subject=session, actor=user)
    return session


# Revocation: an event (subscription ended, signed out everywhere, licence ended, work withdrawn) ends the affected
# streams at once; their next segment request is refused (tasks.py runs these from the signals in apps.py).

def playback_sessions_end(*, user_id: int, reason: str, device_id: str | None = None) -> int:
    """End every open session of the account (e.g. 'signed_out'), or of its one device `device_id`. Returns how many
    ended."""
    sessions = PlaybackSession.objects.filter(profile__user_id=user_id, ended_at__isnull=True)
    sessions = list(sessions if device_id is None else sessions.filter(device_id=device_id))
    for session in sessions:
        _end(session, reason)
    if sessions:
        audit_record(action="playback.revoked", subject=sessions[0], reason=reason, count=len(sessions))
    return len(sessions)


def playback_sessions_recheck(*, user_id: int | None = None, work_ids=None, licence_id: int | None = None) -> int:
    """Ask the entitlement rule again for every open session of the account, of the works or under the licence,
    and end those it now refuses (the refusal's code is the reason). Returns how many ended."""
    qs = PlaybackSession.objects.filter(ended_at__isnull=True).select_related("profile__user", "work__licence")
    if user_id is not None:
        qs = qs.filter(profile__user_id=user_id)
    if work_ids is not None:
        qs = qs.filter(work_id__in=list(work_ids))
    if licence_id is not None:
        qs = qs.filter(work__licence_id=licence_id)
    ended = 0
    for session in qs:
        refusal = entitlement_check(profile=session.profile, work=session.work, session=session)
        if refusal is not None and refusal.code != "streams":
            _end(session, refusal.code)
            audit_record(action="playback.revoked", subject=session, reason=refusal.code)
            ended += 1
    return ended


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
    labels = download_labels(asset=work.asset, max_height=quality_limit(user=profile.user, work=work))
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


def download_progress_record(*, download: Download, position_s: float, duration_s: float,
                             watched_at: dt.datetime) -> bool:
    """Where the app's offline player left a download, sent once back online: it becomes the profile's resume point
    unless the profile has watched this title somewhere since (the newer position wins). True when recorded."""
    position_s = max(0.0, min(position_s, duration_s) if duration_s else position_s)
    watched_at = min(watched_at, clock.now())  # a device clock ahead of ours cannot pin the position forever
    with transaction.atomic():
        point = (ResumePoint.objects.select_for_update()
                 .filter(profile_id=download.profile_id, work_id=download.work_id).first())
        if point is not None and point.updated_at >= watched_at:
            return False
        watched_from = watched_from_s(work_id=download.work_id, duration_s=duration_s)
        ResumePoint.objects.update_or_create(
            profile_id=download.profile_id, work_id=download.work_id,
            defaults={"position_s": position_s, "duration_s": duration_s, "updated_at": watched_at,
                      "watched": watched_from is not None and position_s >= watched_from})
    return True


ERRORS_KEPT = 50  # per profile: enough for support to see a pattern, bounded whatever a player posts


def playback_error_record(*, profile, work=None, device: str = "", code: str, detail: str = ""):
    """Remember one error a viewer hit (a refusal at start, a player error); only the newest ERRORS_KEPT stay."""
    from reelhouse.playback.models import PlaybackError

    code = "".join(ch for ch in code if ch.isalnum() or ch in "_-.")[:40] or "unknown"
    error = PlaybackError.objects.create(profile=profile, work=work, device=device[:200], code=code,
                                         detail=" ".join(detail.split())[:300])
    stale = PlaybackError.objects.filter(profile=profile).values_list("pk", flat=True)[ERRORS_KEPT:]
    PlaybackError.objects.filter(pk__in=list(stale)).delete()
    return error
