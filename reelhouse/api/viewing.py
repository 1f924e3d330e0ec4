"""Watching through the API: continue watching and progress, playback start/heartbeat/stop (answering with the
signed master playlist URL), and offline downloads. The playback and download services decide (entitlement,
licence, territory, maturity, the plan's stream and download limits) exactly as for the web player."""

import uuid

from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.responses import Status

from reelhouse.api.base import ERRORS, ApiError, not_found, principal
from reelhouse.api.schemas import (
    CardOut,
    DownloadIn,
    DownloadOut,
    HeartbeatOut,
    PlaybackOut,
    PlaybackStartIn,
    PositionIn,
    ProgressOut,
    card,
)
from reelhouse.catalog import selectors as catalog
from reelhouse.catalog.models import Work
from reelhouse.playback import conf, selectors, services
from reelhouse.playback.devices import device_id_of
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint
from reelhouse.playback.signing import stream_prefix

router = Router(tags=["watching"])


@router.get("/continue-watching", response={200: list[CardOut], **ERRORS}, summary="Started, not finished")
def continue_watching(request):
    who = principal(request)
    return [card(c) for c in catalog.continue_watching(profile=who.profile, country=who.country)]


@router.get("/progress/{work_id}", response={200: ProgressOut, **ERRORS}, summary="The profile's place in a work")
def progress(request, work_id: int):
    who = principal(request)
    point = ResumePoint.objects.filter(profile=who.profile, work_id=work_id).first()
    if point is None:
        raise not_found(f"This profile has not watched work {work_id}.")
    return ProgressOut(work_id=work_id, position_s=point.position_s, duration_s=point.duration_s,
                       watched=point.watched, resume_s=selectors.resume_position(profile=who.profile,
                                                                                 work=point.work))


def _work(work_id: int) -> Work:
    work = Work.objects.select_related("asset", "licence").filter(pk=work_id).first()
    if work is None:
        raise not_found(f"No work {work_id}.")
    return work


def _master_url(request, session: PlaybackSession) -> str:
    return request.build_absolute_uri(stream_prefix(session_id=str(session.id), asset_id=session.asset_id)
                                      + selectors.MASTER)


def _refused(refused) -> ApiError:
    return ApiError(403, refused.code or "refused", str(refused))


@router.post("/playback/start", response={200: PlaybackOut, **ERRORS}, summary="Start playing a work")
def playback_start(request, body: PlaybackStartIn):
    """Opens a playback session (the plan's concurrent-stream limit counts it) and answers with the signed master
    playlist. Refusals are 403 with the code subscription, unavailable, territory, maturity or streams."""
    who = principal(request)
    work = _work(body.work_id)
    browser_id, new = device_id_of(request)  # the web app's own call: its browser's device cookie
    device_id = who.device_key or ("" if new else browser_id)
    try:
        session = services.playback_start(profile=who.profile, work=work, device_id=device_id,
                                          device=(who.device.name if who.device else "")
                                          or request.headers.get("User-Agent", ""))
    except services.PlaybackRefused as refused:
        raise _refused(refused) from None
    return PlaybackOut(session_id=session.id, master_url=_master_url(request, session),
                       resume_s=selectors.resume_position(profile=who.profile, work=work),
                       heartbeat_s=conf.HEARTBEAT_SECONDS)


def _session(request, session_id: uuid.UUID) -> PlaybackSession:
    # Only the profile's own sessions: another profile's (or account's) session is not there at all.
    who = principal(request)
    session = (PlaybackSession.objects.select_related("work__licence", "asset", "profile__user")
               .filter(pk=session_id, profile=who.profile).first())
    if session is None:
        raise not_found(f"No playback session {session_id} of this profile.")
    return session


def _position(session: PlaybackSession, body: PositionIn) -> tuple[float, float]:
    try:
        return services.heartbeat_values(session=session, position=str(body.position_s),
                                         duration=str(body.duration_s))
    except services.HeartbeatInvalid as exc:
        raise ApiError(422, "invalid_position", str(exc)) from None


@router.post("/playback/{session_id}/heartbeat", response={200: HeartbeatOut, **ERRORS},
             summary="Report the position; get a fresh master URL")
def playback_heartbeat(request, session_id: uuid.UUID, body: PositionIn):
    session = _session(request, session_id)
    position, duration = _position(session, body)
    try:
        services.playback_heartbeat(session=session, position_s=position, duration_s=duration, ended=body.ended)
    except services.PlaybackRefused as refused:
        raise _refused(refused) from None
    return HeartbeatOut(master_url=_master_url(request, session))


@router.post("/playback/{session_id}/stop", response={204: None, **ERRORS}, summary="Stop playing")
def playback_stop(request, session_id: uuid.UUID, body: PositionIn):
    """Ends the session now (its slot is free at once) and keeps the position for resuming."""
    session = _session(request, session_id)
    position, duration = _position(session, body)
    services.playback_leave(session=session, position_s=position, duration_s=duration)
    return Status(204, None)


# Downloads ---------------------------------------------------------------------------------------------------

def _download_out(request, download: Download) -> DownloadOut:
    problem = selectors.download_problem(download=download)
    url = "" if problem else request.build_absolute_uri(selectors.download_link(download=download))
    return DownloadOut(id=download.id, work_id=download.work_id, title=download.work.display_title,
                       quality=download.label, created_at=download.created_at, expires_at=download.expires_at,
                       url=url, problem=problem)


@router.get("/downloads", response={200: list[DownloadOut], **ERRORS}, summary="The profile's active downloads")
def downloads(request):
    who = principal(request)
    return [_download_out(request, d) for d in selectors.downloads_active(user=who.user)
            .filter(profile=who.profile).select_related("work__licence", "profile__user")]


@router.post("/downloads", response={200: DownloadOut, **ERRORS}, summary="Download a work")
def download_create(request, body: DownloadIn):
    """Takes a download slot (idempotent for the same work and quality). Refusals are 403 with the code
    subscription, unavailable, territory, maturity, plan, licence, nofile, quality or limit."""
    who = principal(request)
    try:
        download = services.download_create(profile=who.profile, work=_work(body.work_id), label=body.quality)
    except services.DownloadRefused as refused:
        raise _refused(refused) from None
    return _download_out(request, download)


def _download(request, download_id: uuid.UUID) -> Download:
    who = principal(request)
    return get_object_or_404(Download.objects.select_related("work__licence", "profile__user", "asset"),
                             pk=download_id, profile=who.profile)


@router.get("/downloads/{download_id}", response={200: DownloadOut, **ERRORS}, summary="A download, fresh link")
def download_detail(request, download_id: uuid.UUID):
    return _download_out(request, _download(request, download_id))


@router.delete("/downloads/{download_id}", response={204: None, **ERRORS}, summary="Remove a download")
def download_remove(request, download_id: uuid.UUID):
    who = principal(request)
    download = _download(request, download_id)
    services.download_revoke(user=who.user, download_id=download.pk)
    return Status(204, None)
