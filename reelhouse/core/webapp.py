"""The installable app: its web app manifest, its service worker (served from the root so its scope is the whole
site) and the offline screen the worker shows when there is no network."""

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

THEME = "#111418"  # the site's --bg: the title bar and splash screen match the pages
# The app shell the worker keeps: what the offline screen needs, and the scripts every page loads.
# The Downloads page's player modules are in it too: the site's player for a saved file (player/offline.js) and
# the modules it imports, none of which needs the network.
SHELL = ["reelhouse/site.css", "reelhouse/tv.js", "reelhouse/app.js", "reelhouse/downloads.js",
         "reelhouse/player/offline.js", "reelhouse/player/keys.js", "reelhouse/player/seek.js",
         "reelhouse/player/tracks.js", "reelhouse/icons/icon-192.png"]
# Pages the same for everyone that must open offline: the offline screen and the app's Downloads page, and the
# templates they include (the shared head, the player's controls: their source is part of the worker's version too).
OFFLINE_PAGES = ["core/offline_base.html", "core/offline.html", "playback/app_downloads.html",
                 "playback/_player_controls.html"]
ICONS = [("reelhouse/icons/icon-192.png", "192x192", "any"), ("reelhouse/icons/icon-512.png", "512x512", "any"),
         ("reelhouse/icons/maskable-512.png", "512x512", "maskable")]


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _shell() -> list[tuple[str, str]]:
    """(URL a page asks for, URL the worker caches it under): the second carries the file's content hash, so a
    changed file is a new cache entry and a new worker."""
    entries = []
    for path in SHELL:
        with open(finders.find(path), "rb") as fh:
            entries.append((static(path), f"{static(path)}?v={_content_hash(fh.read())}"))
    return entries


@cache_control(max_age=3600)
def manifest(request):
    data = {
        "id": "/", "name": "Reelhouse", "short_name": "Reelhouse",
        "description": _("Series and films to stream, on every screen."),
        "lang": get_language(), "start_url": "/", "scope": "/", "display": "standalone",
        "background_color": THEME, "theme_color": THEME,
        "icons": [{"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@cache_control(no_cache=True)  # the browser checks for a new worker on every visit
def service_worker(request):
    shell = _shell()
    sources = b"".join(get_template(name).template.source.encode() for name in [*OFFLINE_PAGES, "core/sw.js"])
    version = _content_hash(json.dumps(shell).encode() + sources)
    body = render_to_string("core/sw.js", {
        "version": version, "offline_url": json.dumps(reverse("offline")),
        "downloads_url": json.dumps(reverse("playback:app_downloads")), "shell": json.dumps(shell)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    """The screen the app opens to without a network: kept by the worker, the same for everyone (no name, no
    profile, no form), so it may sit in any browser's cache."""
    return render(request, "core/offline.html")
