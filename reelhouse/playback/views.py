"""Playback views: the watch page, heartbeats, and signed segment serving (embedded mode)."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from reelhouse.catalog.models import Episode, Work
from reelhouse.media.models import Asset
from reelhouse.media.selectors import skip_segments
from reelhouse.media.transcode.master import master_limited
from reelhouse.playback import conf, selectors, services
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.signing import stream_prefix, stream_token_valid

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}


@login_required
def watch(request, work_id: int):
    work = get_object_or_404(Work.objects.select_related("asset", "licence"), pk=work_id)
    episode = Episode.objects.select_related("series", "season").filter(pk=work.pk).first()
    context = {"work": work, "episode": episode}
    try:
        session = services.playback_start(profile=request.profile, work=work,
                                          device=request.headers.get("User-Agent", ""))
    except services.PlaybackRefused as refused:
        return render(request, "playback/refused.html", context | {
            "reason": str(refused), "code": refused.code,
            "other_sessions": [(s, selectors.device_label(s.device)) for s in refused.other_sessions],
        }, status=403)
    nxt = selectors.next_episode(episode=episode) if episode else None
    return render(request, "playback/watch.html", context | {
        "session": session,
        "stream_prefix": stream_prefix(session_id=str(session.id), asset_id=work.asset_id),
        "resume_s": selectors.resume_position(profile=request.profile, work=work),
        "next_episode": nxt,
        "markers": skip_segments(work_id=work.pk),
        "heartbeat_seconds": conf.HEARTBEAT_SECONDS,
    })


@login_required
@require_POST
def heartbeat(request, session_id):
    session = get_object_or_404(PlaybackSession.objects.select_related("work", "profile__user"), pk=session_id,
                                profile__user=request.user)
    try:
        position = float(request.POST.get("position", "0"))
        duration = float(request.POST.get("duration", "0"))
    except ValueError:
        return JsonResponse({"error": "position and duration must be numbers of seconds"}, status=400)
    try:
        services.playback_heartbeat(session=session, position_s=position, duration_s=duration,
                                    ended=request.POST.get("ended") == "1")
    except services.PlaybackRefused as refused:
        return JsonResponse({"reason": str(refused)}, status=403)
    return JsonResponse({"stream_prefix": stream_prefix(session_id=str(session.id), asset_id=session.asset_id)})


def stream(request, sig: str, expires: int, session_id, asset_id: int, path: str):
    """Serve one file of a package, only under a valid, unexpired token of a live session."""
    if not stream_token_valid(sig=sig, expires=expires, session_id=str(session_id), asset_id=asset_id):
        return HttpResponseForbidden("invalid or expired stream token")
    if not PlaybackSession.objects.filter(pk=session_id, asset_id=asset_id, ended_at__isnull=True).exists():
        return HttpResponseForbidden("playback session ended")
    asset = Asset.objects.filter(pk=asset_id).only("directory", "provisional").first()
    if asset is None:
        raise Http404("no such asset")
    base = (Path(settings.MEDIA_ROOT) / asset.directory).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise Http404("no such file in this package")
    content_type = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
    if path == "master.m3u8" and (limit := _plan_height_limit(session_id)) is not None:
        # The plan's maximum quality: variants above it are not offered (their files stay signed per session).
        response = HttpResponse(master_limited(target.read_text(encoding="utf-8"), limit), content_type=content_type)
    else:
        response = FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")
    if target.suffix == ".m3u8" and asset.provisional:
        response["Cache-Control"] = "private, no-cache"  # a growing EVENT playlist: every reload must see new segments
    else:
        response["Cache-Control"] = "private, max-age=60" if target.suffix == ".m3u8" else "private, max-age=86400"
    return response


def _plan_height_limit(session_id) -> int | None:
    session = PlaybackSession.objects.select_related("profile__user").get(pk=session_id)
    return selectors.max_height_for(user=session.profile.user)
