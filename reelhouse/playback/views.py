"""Playback views: the watch page, play start, heartbeats, leaving, and signed segment serving (embedded mode)."""

import mimetypes
import re
from pathlib import PurePosixPath

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelhouse.accounts.access import owner_required
from reelhouse.accounts.services import ProfileError, profile_playback_preferences_set
from reelhouse.catalog.models import Episode, Work
from reelhouse.core.http import stored_file_response, stored_name_under
from reelhouse.core.prepared import Arg, Prepared
from reelhouse.media.selectors import skip_segments
from reelhouse.media.transcode.master import master_chosen, master_offer
from reelhouse.playback import conf, selectors, services
from reelhouse.playback.blocks import download_button_context
from reelhouse.playback.devices import device_cookie_set, device_id_of
from reelhouse.playback.edge import edge_enabled, edge_master, edge_stream_prefix
from reelhouse.playback.models import Download, PlaybackSession
from reelhouse.playback.signing import (
    download_token_valid,
    session_key,
    session_key_valid,
    stream_prefix,
    stream_token_valid,
)

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}


def _refused_page(request, context: dict, refused: selectors.Refusal) -> HttpResponse:
    return render(request, "playback/refused.html", context | {
        "reason": refused.message, "code": refused.code,
        "other_sessions": [(s, selectors.device_label(s.device)) for s in refused.other_sessions],
    }, status=403)


@login_required
@csp_update({"media-src": ["data:"]})  # hls.js gives each subtitle <track> the placeholder src "data:,WEBVTT"
def watch(request, work_id: int):
    """The player page. A GET changes nothing (a cross-site page can trigger one): it says why the title cannot play,
    or serves the player, which starts the session itself with a POST to `watch_start`."""
    work = get_object_or_404(Work.objects.select_related("asset", "licence"), pk=work_id)
    episode = Episode.objects.select_related("series", "season").filter(pk=work.pk).first()
    context = {"work": work, "episode": episode}
    device_id, new = device_id_of(request)
    if refusal := selectors.entitlement_check(profile=request.profile, work=work, device_id=device_id):
        return device_cookie_set(_refused_page(request, context, refusal), device_id, new)
    nxt = selectors.next_episode(episode=episode) if episode else None
    return device_cookie_set(render(request, "playback/watch.html", context | {
        "next_episode": nxt,
        "markers": skip_segments(work_id=work.pk),
        "menus": selectors.player_menus(user=request.user, work=work),
        "heartbeat_seconds": conf.HEARTBEAT_SECONDS,
        **download_button_context(request=request, work=work),
    }), device_id, new)


@login_required
@require_POST
def watch_start(request, work_id: int):
    """The player starts playing (CSRF-checked POST): a session on this device (taking over the device's earlier
    one), the signed stream prefix, and where to resume, read after the takeover so a reload resumes exactly."""
    work = get_object_or_404(Work.objects.select_related("asset", "licence"), pk=work_id)
    device_id, new = device_id_of(request)
    try:
        session = services.playback_start(profile=request.profile, work=work, device_id=device_id,
                                          device=request.headers.get("User-Agent", ""))
    except services.PlaybackRefused as refused:
        services.playback_error_record(profile=request.profile, work=work, code=refused.code or "refused",
                                       device=request.headers.get("User-Agent", ""), detail=str(refused))
        return device_cookie_set(JsonResponse({"reason": str(refused), "code": refused.code}, status=403), device_id,
                                 new)
    key = session_key(session_id=str(session.id), user=request.user)
    return device_cookie_set(JsonResponse({
        "session": str(session.id),
        **_prefixes(session),
        "resume_s": selectors.resume_position(profile=request.profile, work=work),
        "heartbeat_url": reverse("playback:heartbeat", args=[session.id, key]),
        "leave_url": reverse("playback:leave", args=[session.id, key]),
    }), device_id, new)


def _edge_prefix(session: PlaybackSession) -> str:
    return edge_stream_prefix(session_id=str(session.pk), asset_id=session.asset_id,
                              directory=session.asset.directory, renditions=session.renditions)


def _prefixes(session: PlaybackSession) -> dict:
    """The signed prefixes the player fetches through: the app's (master playlist, and everything on one machine)
    and, with an edge configured, the edge's (renditions, subtitles, trickplay), both renewed by every heartbeat."""
    prefixes = {"stream_prefix": stream_prefix(session_id=str(session.id), asset_id=session.asset_id)}
    if edge_enabled():
        prefixes["edge_prefix"] = _edge_prefix(session)
    return prefixes


@login_required
@require_POST
def watch_error(request, work_id: int):
    """The player hit an error it shows the viewer (network, decoding, a stopped stream): remember it for support."""
    if request.profile is None:
        return JsonResponse({"error": _("Choose a profile first.")}, status=409)
    work = get_object_or_404(Work, pk=work_id)
    services.playback_error_record(profile=request.profile, work=work, device=request.headers.get("User-Agent", ""),
                                   code=request.POST.get("code", ""), detail=request.POST.get("detail", ""))
    return JsonResponse({"recorded": True})


# every heartbeat reads its session so: built and compiled once per server thread (core/prepared.py)
_SESSION_OF = Prepared(lambda: PlaybackSession.objects.select_related("profile__user", "work__licence", "asset")
                       .filter(pk=Arg("pk", PlaybackSession._meta.pk)))


def _session_of(session_id, key: str) -> PlaybackSession | None:
    """The playback session a heartbeat or leaving beacon names, when `key` opens it (the start answer's key:
    signing.session_key), with its profile, user, work, licence and asset; None otherwise. The key alone decides,
    not the cookie (so no session, user or profile read): it opens its own session only, of an account still active
    and with the password it had when the session started. Signing out in this browser or everywhere ends the
    session itself (receivers), which the heartbeat then answers with why."""
    session = _SESSION_OF.first(pk=session_id)
    if (session is None or not session.profile.user.is_active
            or not session_key_valid(key=key, session_id=str(session_id), user=session.profile.user)):
        return None
    if session.profile.language:
        translation.activate(session.profile.language)  # as ProfileMiddleware does on the other pages
    return session


def _session_refused() -> JsonResponse:
    # One answer for a key that opens nothing (forged, another session's, or the password changed since): the
    # player stops and shows it (not the sign-in page a browser would be sent to).
    return JsonResponse({"reason": _("You are signed out. Sign in again to keep watching."), "code": "signed_out"},
                        status=403)


@require_POST
def heartbeat(request, session_id, key: str):
    if (session := _session_of(session_id, key)) is None:
        return _session_refused()
    try:
        position, duration = services.heartbeat_values(session=session, position=request.POST.get("position", "0"),
                                                       duration=request.POST.get("duration", "0"))
    except services.HeartbeatInvalid as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        services.playback_heartbeat(session=session, position_s=position, duration_s=duration,
                                    ended=request.POST.get("ended") == "1")
    except services.PlaybackRefused as refused:
        return JsonResponse({"reason": str(refused), "code": refused.code}, status=403)
    return JsonResponse(_prefixes(session))


@require_POST
def leave(request, session_id, key: str):
    """The player's pagehide beacon (navigator.sendBeacon, CSRF token in the form): the page is gone, so its
    session ends now and its last position is kept."""
    if (session := _session_of(session_id, key)) is None:
        return _session_refused()
    try:
        position, duration = services.heartbeat_values(session=session, position=request.POST.get("position", "0"),
                                                       duration=request.POST.get("duration", "0"))
    except services.HeartbeatInvalid as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    services.playback_leave(session=session, position_s=position, duration_s=duration)
    return HttpResponse(status=204)


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


_QUALITY = re.compile(r"[1-9][0-9]{1,3}")
_AUDIO_FOLDER = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _master_chosen(text: str, query) -> str | None:
    """The master narrowed to `?quality=<height>&audio=<folder>` (the native-HLS player's menus: it cannot pick a
    rung or an audio track itself, so it plays a master that offers only the chosen one); None when a value is
    malformed, repeated or not on offer in this session's own master. No second signature: the choice only removes
    lines from what the path's token already opens (master_chosen never adds one)."""
    if not set(query) <= {"quality", "audio"} or any(len(query.getlist(k)) != 1 for k in query):
        return None
    quality, audio = query.get("quality"), query.get("audio")
    heights, folders = master_offer(text)
    if quality is not None and not (_QUALITY.fullmatch(quality) and int(quality) in heights):
        return None
    if audio is not None and not (_AUDIO_FOLDER.fullmatch(audio) and audio in folders):
        return None
    return master_chosen(text, height=int(quality) if quality else None, audio=audio)


def stream(request, sig: str, expires: int, session_id, asset_id: int, path: str):
    """Serve one file of a package, only under a valid, unexpired token of a live session, and only files that
    session may have (its renditions, decided when it started; never downloads)."""
    if not stream_token_valid(sig=sig, expires=expires, session_id=str(session_id), asset_id=asset_id):
        return HttpResponseForbidden("invalid or expired stream token")
    session = (selectors.sessions_alive().filter(pk=session_id, asset_id=asset_id)
               .select_related("asset").only("pk", "renditions", "asset__directory", "asset__provisional").first())
    if session is None:
        return HttpResponseForbidden("playback session ended")
    if not selectors.stream_path_allowed(renditions=session.renditions, path=path):
        return HttpResponseForbidden("this file is not part of this stream")
    asset = session.asset
    # On object storage the file is streamed from the bucket through this view (the embedded path, and the app's
    # answer when no edge is configured); with an edge, players fetch segments from the edge's cache instead.
    missing = "no such file in this package"
    name = stored_name_under(asset.directory, path, missing=missing)
    suffix = PurePosixPath(name).suffix
    content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0]
    if suffix == ".m3u8" and asset.provisional:
        cache_control = "private, no-cache"  # a growing EVENT playlist: every reload must see new segments
    else:
        cache_control = "private, max-age=60" if suffix == ".m3u8" else "private, max-age=86400"
    if path != selectors.MASTER:
        return stored_file_response(name, content_type=content_type or "application/octet-stream",
                                    cache_control=cache_control, missing=missing)
    # Only the renditions this session may fetch are offered (the others are refused above anyway); with an edge,
    # under the edge's prefix, whose token carries that same list (so the playlist holds a token: never stored).
    try:
        text = selectors.session_master(directory=asset.directory, renditions=session.renditions)
    except FileNotFoundError:
        raise Http404(missing) from None
    text = _master_chosen(text, request.GET)
    if text is None:
        raise Http404("no such choice in this stream")
    if edge_enabled():
        text, cache_control = edge_master(text, _edge_prefix(session)), "no-store"
    response = HttpResponse(text, content_type=content_type)
    response["Cache-Control"] = cache_control
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


def download_unsigned(request, rest: str):
    """A /download/ path whose signature, expiry, download id or file name is malformed: refused, like a bad token."""
    return HttpResponseForbidden(_("This download link is invalid or has expired. Open your account page and "
                                   "choose Download again."), content_type="text/plain; charset=utf-8")


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
    return stored_file_response(
        f"{download.asset.directory}/{selectors.DOWNLOAD_FOLDER}/{label}.mp4", content_type="video/mp4",
        cache_control="private, max-age=86400", missing="the download file is missing from the package",
        as_attachment=True, filename=f"{slugify(download.work.title) or 'reelhouse'}-{label}p.mp4")
