"""The player in a real browser with the nginx edge configured: the app serves the page and the master playlist,
the browser fetches every rendition playlist and segment from the edge (another origin: CORS and the Content
Security Policy allow it) and the title plays."""

import copy

import pytest

from tests.conftest import episode_delivered
from tests.e2e.conftest import hlsjs_only
from tests.e2e.test_player import playing_past, sign_in
from tests.edge_nginx import app_edge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
KEY = ("k1", "e" * 43)


@pytest.fixture
def episode(licensed_source, clip_cache):
    return episode_delivered(licensed_source, "Edge Lights (2019)/Season 01/Edge Lights - S01E01 - Part 1.mkv",
                             clip_cache(seconds=8, size="854x480"))


@pytest.fixture
def edge(settings):
    with app_edge(settings, KEY) as running:
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
    # The master (read by the player for its menus, and by the <video> element), nothing else.
    assert {u.rsplit("/", 1)[1] for u in from_app if not u.endswith("thumbnails.vtt")} == {"master.m3u8"}, from_app


def test_heartbeats_renew_the_edge_token_for_what_the_player_fetches_later(page, live_server, subscriber, episode,
                                                                           edge, settings, monkeypatch):
    """Tokens live 3 s and heartbeats come every second: a quality switched to after the first token expired loads
    its playlist and segments from the edge under a renewed token, and the edge refuses nothing. Through hls.js
    (Firefox), which rewrites every request to the newest prefix; native HLS starts again under the renewed one
    (test_native_hls.py)."""
    from reelhouse.playback import conf

    monkeypatch.setattr(conf, "HEARTBEAT_SECONDS", 1)
    settings.REELHOUSE_STREAM_TOKEN_TTL = 3
    hlsjs_only(page)
    answers: list[tuple[str, int]] = []
    page.on("response", lambda response: answers.append((response.url, response.status)))
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    playing_past(page, 0.5)
    first = next(u for u, _ in answers if u.startswith(edge.url + "/edge/s/"))
    page.locator("body").press("k")  # paused: the session stays alive (heartbeats go on) while the token expires
    page.wait_for_timeout(4000)
    assert int(first.split("/")[7]) < page.evaluate("Date.now() / 1000")  # the first edge token has expired
    playing = page.evaluate("window.reelhouseHls.levels[window.reelhouseHls.currentLevel].height")
    other = page.evaluate(f"window.reelhouseHls.levels.findIndex(l => l.height !== {playing})")
    page.evaluate(f"window.reelhouseHls.currentLevel = {other}")  # loads the other rung now
    folder = "v360" if playing == 480 else "v480"
    page.locator("body").press("k")
    page.wait_for_function("document.getElementById('video').currentTime > 1.5", timeout=30_000)
    page.wait_for_function(f"performance.getEntriesByType('resource').some(e => e.name.includes('/{folder}/seg'))")
    later = [(u, s) for u, s in answers
             if u.startswith(edge.url) and u.split("/edge/s/")[1].split("/", 7)[-1].startswith(f"{folder}/")]
    assert later and all(s == 200 for _, s in later), later
    assert all(u.split("/")[6] != first.split("/")[6] for u, _ in later), (first, later)
    assert all(s == 200 for u, s in answers if u.startswith(edge.url)), [a for a in answers if a[1] != 200]
