"""The player in a real browser with the nginx edge configured: the app serves the page and the master playlist,
the browser fetches every rendition playlist and segment from the edge (another origin: CORS and the Content
Security Policy allow it) and the title plays."""

import copy

import pytest

from reelhouse.playback.edge import nginx_keys_conf
from tests.conftest import deliver, scan_until_settled
from tests.e2e.test_player import playing_past, sign_in
from tests.edge_nginx import edge_nginx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
KEY = ("k1", "e" * 43)


@pytest.fixture
def episode(licensed_source, clip_cache):
    deliver(licensed_source, "Edge Lights (2019)/Season 01/Edge Lights - S01E01 - Part 1.mkv",
            clip_cache(seconds=8, size="854x480"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Episode

    return Episode.objects.get()


@pytest.fixture
def edge(settings):
    with edge_nginx(media_root=settings.MEDIA_ROOT, keys_conf=nginx_keys_conf([KEY])) as running:
        settings.REELHOUSE_EDGE_URL = running.url
        settings.REELHOUSE_EDGE_KEYS = f"{KEY[0]}:{KEY[1]}"
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)  # as settings.py adds it when EDGE_URL is set
        for directive in ("img-src", "media-src", "connect-src"):
            policy["DIRECTIVES"][directive].append(running.url)
        settings.CONTENT_SECURITY_POLICY = policy
        yield running


def test_a_title_plays_from_the_edge(page, live_server, subscriber, episode, edge):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    playing_past(page, 1.5)
    from_edge = [u for u in requests if u.startswith(edge.url + "/edge/s/k1/")]
    from_app = [u for u in requests if "/stream/" in u and u.startswith(live_server.url)]
    assert any(u.endswith(".m4s") for u in from_edge), requests
    assert any(u.endswith("/index.m3u8") for u in from_edge), requests
    assert [u.rsplit("/", 1)[1] for u in from_app if not u.endswith("thumbnails.vtt")] == ["master.m3u8"], from_app
