"""The installable app's pieces over HTTP: manifest, service worker, offline screen."""

import hashlib

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

pytestmark = pytest.mark.django_db


def test_every_page_links_the_manifest(client):
    page = client.get("/welcome/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert "/static/reelhouse/app.js" in page


def test_manifest_names_icons_that_exist_in_their_sizes(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["id"] == "/"
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_service_worker_caches_shell_files_under_their_content_hash(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    with open(finders.find("reelhouse/site.css"), "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:12]
    assert f"/static/reelhouse/site.css?v={digest}" in response.content.decode()


def test_offline_screen_holds_nothing_personal_even_when_fetched_signed_in(client, subscriber):
    """The worker keeps this page for everyone who uses the browser: no name, profile, or CSRF token in it."""
    client.force_login(subscriber)
    page = client.get("/offline/").content.decode()
    assert "You&#x27;re offline" in page or "You're offline" in page
    for personal in (subscriber.email, "Viewer", "csrfmiddlewaretoken"):
        assert personal not in page


def test_the_workers_version_covers_every_template_the_offline_pages_are_built_from():
    """The worker's version hashes OFFLINE_PAGES' sources: a base template they extend or include left out of that
    list would change them without a new worker, and offline they would keep the old one."""
    from django.template.loader import get_template
    from django.template.loader_tags import ExtendsNode, IncludeNode

    from reelhouse.core.webapp import OFFLINE_PAGES

    parents, included = set(), set()
    for name in OFFLINE_PAGES:
        nodelist = get_template(name).template.nodelist
        for node in nodelist.get_nodes_by_type(ExtendsNode):
            parents.add(node.parent_name.resolve({}))
        for node in nodelist.get_nodes_by_type(IncludeNode):
            included.add(node.template.resolve({}))
    assert parents == {"core/offline_base.html"}
    assert included == {"playback/_player_controls.html"}  # the site's player's controls, on the Downloads page
    assert parents | included <= set(OFFLINE_PAGES)


def test_the_offline_player_loads_only_modules_the_worker_keeps():
    """The Downloads page plays with the site's player offline: its module and every module it imports, however
    deep, are in the worker's shell (a browser refuses the whole module graph when one import fails)."""
    import re

    from reelhouse.core.webapp import SHELL

    needed, todo = set(), ["reelhouse/player/offline.js"]
    while todo:
        path = todo.pop()
        needed.add(path)
        with open(finders.find(path), encoding="utf-8") as fh:
            for module in re.findall(r'^import .* from "\./([\w.]+)";$', fh.read(), re.MULTILINE):
                if f"reelhouse/player/{module}" not in needed:
                    todo.append(f"reelhouse/player/{module}")
    assert needed == {"reelhouse/player/offline.js", "reelhouse/player/keys.js", "reelhouse/player/seek.js",
                      "reelhouse/player/tracks.js"}
    assert needed <= set(SHELL)
