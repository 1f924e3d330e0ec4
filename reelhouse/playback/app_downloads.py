"""Downloads kept inside the installed app (Cache Storage): take one as JSON, ask whether it still stands, and the
Downloads page, which the service worker keeps so it opens offline. The rules are the server's own
(download_create, download_problem): slots, quality, licence and term; the app only stores the file."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from reelhouse.catalog.models import Work
from reelhouse.core.http import stored_file_response
from reelhouse.playback import selectors, services
from reelhouse.playback.models import Download


def _described(download: Download, request) -> dict:
    return {"id": str(download.id), "title": download.work.title, "label": download.label,
            "expires_at": download.expires_at.isoformat(),
            "status_url": request.build_absolute_uri(f"/app/downloads/{download.id}/"),
            "progress_url": request.build_absolute_uri(f"/app/downloads/{download.id}/progress"),
            "release_url": request.build_absolute_uri(f"/app/downloads/{download.id}/release")}


@login_required
@require_POST
def app_download_start(request, work_id: int):
    """Take a download (the same slot as 'Download') and answer with a short-lived signed link to its file."""
    work = get_object_or_404(Work.objects.select_related("asset", "licence"), pk=work_id)
    try:
        download = services.download_create(profile=request.profile, work=work, label=request.POST.get("label", ""))
    except services.DownloadRefused as refused:
        return JsonResponse({"error": refused.code, "message": str(refused)}, status=403)
    extras = [{"name": x.name, "kind": x.kind, "language": x.language, "label": x.label,
               "url": request.build_absolute_uri(f"/app/downloads/{download.id}/files/{x.name}")}
              for x in selectors.download_extras(download=download)]
    return JsonResponse({**_described(download, request), "url": selectors.download_link(download=download),
                         "extras": extras})


@login_required
def app_download_extra(request, download_id, name: str):
    """A subtitle track or seek thumbnail file saved with a download, while the download stands: only the names
    download_extras lists for it (so never a path of the caller's making), only to the account that holds it."""
    download = get_object_or_404(Download.objects.select_related("asset", "work__licence", "profile__user"),
                                 pk=download_id, profile__user=request.user)
    if problem := selectors.download_problem(download=download):
        return HttpResponseForbidden(problem, content_type="text/plain; charset=utf-8")
    extra = next((x for x in selectors.download_extras(download=download) if x.name == name), None)
    if extra is None:
        raise Http404("no such file with this download")
    content_type = "image/jpeg" if extra.kind == "sprite" else "text/vtt; charset=utf-8"
    # private, no-store: the app keeps it in its own storage, deleted with the video
    return stored_file_response(f"{download.asset.directory}/{extra.name}", content_type=content_type,
                                cache_control="private, no-store", missing="no such file with this download")


@login_required
@never_cache
def app_download_status(request, download_id):
    """Whether the app may keep this download: checked at every launch while online; gone or refused: delete it."""
    download = get_object_or_404(Download.objects.select_related("work__licence", "profile__user"),
                                 pk=download_id, profile__user=request.user)
    problem = selectors.download_problem(download=download)
    return JsonResponse({**_described(download, request), "valid": not problem, "reason": problem})


@login_required
@require_POST
def app_download_progress(request, download_id):
    """Where the app's offline player got to (seconds, and when, as POSIX milliseconds), sent once back online."""
    download = get_object_or_404(Download, pk=download_id, profile__user=request.user)
    try:
        position_s = float(request.POST["position_s"])
        duration_s = float(request.POST.get("duration_s") or 0)
        watched_at = dt.datetime.fromtimestamp(int(request.POST["watched_at"]) / 1000, tz=dt.UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return JsonResponse({"error": "invalid_request", "message": "Send position_s and duration_s in seconds and "
                             "watched_at in milliseconds since 1970."}, status=400)
    recorded = services.download_progress_record(download=download, position_s=position_s,
                                                 duration_s=duration_s, watched_at=watched_at)
    return JsonResponse({"recorded": recorded})


@login_required
@require_POST
def app_download_release(request, download_id):
    """The app could not store the file (no room on the device): the profile that took the download gives its slot
    back at once instead of holding it for the whole term."""
    download = get_object_or_404(Download, pk=download_id, profile__user=request.user, profile=request.profile)
    services.download_revoke(user=request.user, download_id=download.pk)
    return JsonResponse({"released": True})


def downloads_page(request):
    """The app's Downloads page: the same for everyone (the list lives in this browser's storage), so the service
    worker may keep it and it opens without a network."""
    return render(request, "playback/app_downloads.html")
