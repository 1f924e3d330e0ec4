"""Playback views: the watch page, heartbeats, and signed segment serving (embedded mode)."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelhouse.accounts.access import owner_required
from reelhouse.accounts.services import ProfileError, profile_playback_preferences_set
from reelhouse.catalog.models import Episode, Work
from reelhouse.media.models import Asset
from reelhouse.media.selectors import skip_segments
from reelhouse.media.transcode.master import master_limited
from reelhouse.playback import conf, selectors, services
from reelhouse.playback.models import Download, PlaybackSession
from reelhouse.playback.signing import download_token_valid, stream_prefix, stream_token_valid

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
    # Only the active profile's own sessions: a heartbeat never writes another profile's progress.
    session = get_object_or_404(PlaybackSession.objects.select_related("work", "profile__user"), pk=session_id,
                                profile__user=request.user, profile=request.profile)
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


@login_required
@require_POST
def preferences(request):
    """The player saves the profile's audio and subtitle languages (a field left out stays as it is)."""
    if request.profile is None:
        return JsonResponse({"error": _("Choose a profile first.")}, status=409)
    try:
        profile = profile_playback_preferences_set(profile=request.profile,
                                                   audio_language=request.POST.get("audio"),
                                                   subtitle_language=request.POST.get("subtitles"))
    except ProfileError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"audio": profile.audio_language, "subtitles": profile.subtitle_language})


def stream_unsigned(request, rest: str):
    """A /stream/ path without the signature, expiry, session and asset in front of the file: refused."""
    return HttpResponseForbidden("missing or malformed stream token")


def stream(request, sig: str, expires: int, session_id, asset_id: int, path: str):
    """Serve one file of a package, only under a valid, unexpired token of a live session."""
    if not stream_token_valid(sig=sig, expires=expires, session_id=str(session_id), asset_id=asset_id):
        return HttpResponseForbidden("invalid or expired stream token")
    live = PlaybackSession.objects.filter(pk=session_id, asset_id=asset_id, ended_at__isnull=True)
    # The master also needs the viewer's plan (its quality limit): one query for both.
    session = (live.select_related("profile__user") if path == "master.m3u8" else live.only("pk")).first()
    if session is None:
        return HttpResponseForbidden("playback session ended")
    asset = Asset.objects.filter(pk=asset_id).only("directory", "provisional").first()
    if asset is None:
        raise Http404("no such asset")
    base = (Path(settings.MEDIA_ROOT) / asset.directory).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise Http404("no such file in this package")
    content_type = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
    if path == "master.m3u8" and (limit := selectors.max_height_for(user=session.profile.user)) is not None:
        # The plan's maximum quality: variants above it are not offered (their files stay signed per session).
        response = HttpResponse(master_limited(target.read_text(encoding="utf-8"), limit), content_type=content_type)
    else:
        response = FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")
    if target.suffix == ".m3u8" and asset.provisional:
        response["Cache-Control"] = "private, no-cache"  # a growing EVENT playlist: every reload must see new segments
    else:
        response["Cache-Control"] = "private, max-age=60" if target.suffix == ".m3u8" else "private, max-age=86400"
    return response



@login_required
@require_POST
def download_start(request, work_id: int):
    """Take a download and hand over its file; refused: back to the account's downloads with the reason."""
    work = get_object_or_404(Work.objects.select_related("asset", "licence"), pk=work_id)
    try:
        download = services.download_create(profile=request.profile, work=work, label=request.POST.get("label", ""))
    except services.DownloadRefused as refused:
        messages.error(request, str(refused))
        return redirect(reverse("billing:account") + "#downloads")
    return redirect(selectors.download_link(download=download))


@owner_required
def download_again(request, download_id):
    """A fresh signed link for a download the account already holds."""
    download = get_object_or_404(Download, pk=download_id, profile__user=request.user)
    if problem := selectors.download_problem(download=download):
        return HttpResponseForbidden(problem)
    return redirect(selectors.download_link(download=download))


@owner_required
@require_POST
def download_revoke(request, download_id):
    try:
        download = services.download_revoke(user=request.user, download_id=download_id)
    except Download.DoesNotExist:
        raise Http404("no such download on this account") from None
    messages.success(request, _("Removed the download of %(title)s; one download slot is free again.")
                     % {"title": download.work.title})
    return redirect(reverse("billing:account") + "#downloads")


def download_file(request, sig: str, expires: int, download_id, label: str):
    """The MP4 of a download, only under a valid, unexpired link of a download that still stands."""
    if not download_token_valid(sig=sig, expires=expires, download_id=str(download_id), label=label):
        return HttpResponseForbidden(_("This download link is invalid or has expired. Open your account page and "
                                       "choose Download again."), content_type="text/plain; charset=utf-8")
    download = (Download.objects.select_related("asset", "work__licence", "profile__user")
                .filter(pk=download_id, label=label).first())
    if download is None:
        raise Http404("no such download")
    if problem := selectors.download_problem(download=download):
        return HttpResponseForbidden(problem, content_type="text/plain; charset=utf-8")
    target = Path(settings.MEDIA_ROOT) / download.asset.directory / selectors.DOWNLOAD_FOLDER / f"{label}.mp4"
    if not target.is_file():
        raise Http404("the download file is missing from the package")
    return FileResponse(target.open("rb"), content_type="video/mp4", as_attachment=True,
                        filename=f"{slugify(download.work.title) or 'reelhouse'}-{label}p.mp4")
