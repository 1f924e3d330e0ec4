"""The player's native HLS path, as Chromium takes it: chromium's own HLS demuxer plays the published package through
the signed stream URLs, and moves between rungs of the ladder on its own as the network changes; hls.js is never
fetched.

Chromium (since its built-in HLS player, `media/formats/hls`) answers canPlayType('application/vnd.apple.mpegurl')
with "maybe", so the player hands the master playlist to the <video> element as Safari would get it. Chromium's
rendition manager starts on the lowest-BANDWIDTH variant (its speed estimate starts at zero), climbs when segments
arrive fast, and steps down when its estimate (the lower of a fast and a slow moving average of measured segment
throughput) falls below a variant's BANDWIDTH: the test drives that with DevTools' network throttling and watches the
decoded picture height change.
"""

import re

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEGMENT = re.compile(r"/stream/[^/]+/\d+/[^/]+/\d+/(v\d+|audio)/seg_\d+\.m4s$")
VARIANT_PLAYLIST = re.compile(r"/stream/[^/]+/\d+/[^/]+/\d+/(v\d+)/index\.m3u8$")
# Between the two rungs' BANDWIDTH (about 0.9 and 1.8 Mb/s for this clip): below what 480p needs, above 360p.
THROTTLED_BPS = 1_200_000
DEADLINE_MS = 120_000  # generous: two cores shared with other work; the waits end as soon as the state is reached

# Recorded from the first script on: 'resize' on a <video> fires whenever the decoded picture size changes (a rung
# switch), 'error' when the media element gives up; neither bubbles, so listen in the capture phase.
OBSERVE = """
window.nativeHls = { heights: [], errors: [] };
document.addEventListener('resize', function (e) {
  if (e.target.tagName === 'VIDEO') window.nativeHls.heights.push(e.target.videoHeight);
}, true);
document.addEventListener('error', function (e) {
  const error = e.target.tagName === 'VIDEO' && e.target.error;
  if (error) window.nativeHls.errors.push(error.message || String(error.code));
}, true);
"""


@pytest.fixture
def long_episode(licensed_source, clip_cache, settings):
    """One 48-s 480p episode, so a 480p + 360p ladder of eight 6-s segments: room for the player to switch twice."""
    settings.REELHOUSE_X264_PRESET = "ultrafast"
    deliver(licensed_source, "Tideline (2021)/Season 01/Tideline - S01E01 - Low Water.mkv",
            clip_cache(seconds=48, size="854x480", pattern="testsrc2"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Episode
    from reelhouse.media.models import Asset

    episode = Episode.objects.get()
    assert Asset.objects.filter(pk=episode.asset_id, provisional=False).exists(), "full ladder not published"
    return episode


@pytest.fixture
def native_page(page):
    """The player page, observed from its first script."""
    page.add_init_script(OBSERVE)
    return page


@pytest.fixture
def fetched(native_page) -> list[str]:
    """Every URL the page requests, in order (the media element's own fetches included)."""
    urls: list[str] = []
    native_page.on("request", lambda request: urls.append(request.url))
    return urls


def video(page, expression: str):
    return page.evaluate(f"(v => {expression})(document.getElementById('video'))")


def rungs_fetched(urls: list[str]) -> list[str]:
    """The video rung of each media segment requested, in order ('v480', 'v360', ...)."""
    return [m.group(1) for u in urls if (m := SEGMENT.search(u)) and m.group(1) != "audio"]


def test_chromium_plays_the_package_natively_without_hlsjs(native_page, fetched, live_server, subscriber, long_episode):
    page = native_page
    assert page.evaluate("document.createElement('video').canPlayType('application/vnd.apple.mpegurl')") != ""
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{long_episode.pk}/")
    page.wait_for_function("document.getElementById('video').currentTime > 2", timeout=DEADLINE_MS)

    assert page.evaluate("typeof window.Hls") == "undefined" and page.evaluate("window.reelhouseHls") is None
    src = video(page, "v.currentSrc")
    assert re.search(r"/stream/[^/]+/\d+/[^/]+/\d+/master\.m3u8$", src), src  # the signed master, handed to <video>
    assert video(page, "[v.videoWidth, v.videoHeight]") in ([854, 480], [640, 360])
    assert video(page, "v.error") is None and page.evaluate("window.nativeHls.errors") == []
    assert page.locator("#player-message").is_hidden()
    assert not any("hls.min" in u for u in fetched)  # never fetched, never evaluated
    # The player's own menus, built from the master: the ladder to choose from (no audio menu for one track).
    assert page.locator("#quality option").all_inner_texts() == ["Auto", "480p", "360p"]
    assert page.locator("#quality").is_visible() and page.locator("#audio").is_hidden()
    # Every file came through the signed stream path: the master, the variant and audio playlists, segments.
    assert any(VARIANT_PLAYLIST.search(u) for u in fetched)
    assert any(SEGMENT.search(u) and "/audio/" in u for u in fetched)
    before = video(page, "v.currentTime")
    page.wait_for_function(f"document.getElementById('video').currentTime > {before} + 1", timeout=DEADLINE_MS)
    screenshot(page, "player-native-hls")


def test_native_hls_climbs_then_steps_down_a_rung_when_the_network_slows(
        native_page, fetched, live_server, subscriber, long_episode):
    page = native_page
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{long_episode.pk}/")

    # Unthrottled loopback: chromium starts on the lowest rung and climbs to the top one once segments arrive fast.
    page.wait_for_function("document.getElementById('video').videoHeight === 480 && "
                           "document.getElementById('video').currentTime > 0", timeout=DEADLINE_MS)
    assert "v480" in rungs_fetched(fetched)

    # Throttle the page's network below what 480p needs (the renderer's media fetches go through it too).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "downloadThroughput": THROTTLED_BPS / 8, "uploadThroughput": -1})
    throttled_from = len(fetched)
    page.wait_for_function("document.getElementById('video').videoHeight === 360", timeout=DEADLINE_MS * 2)

    after = fetched[throttled_from:]
    assert "v360" in rungs_fetched(after)
    heights = page.evaluate("window.nativeHls.heights")
    assert 480 in heights and heights[-1] == 360 and heights.index(480) < len(heights) - 1, heights
    assert page.evaluate("window.nativeHls.errors") == [] and video(page, "v.error") is None
    # Still playing on the lower rung.
    at = video(page, "v.currentTime")
    page.wait_for_function(f"document.getElementById('video').currentTime > {at} + 0.5", timeout=DEADLINE_MS)
    assert video(page, "[v.videoWidth, v.videoHeight]") == [640, 360]


def test_native_hls_carries_on_under_a_renewed_token_when_its_own_expires(
        native_page, fetched, live_server, subscriber, long_episode, settings, monkeypatch):
    # hls.js rewrites each request to the newest prefix; a native player keeps the URLs it started with, so its
    # token expires mid-play (after 60 s by default; 10 s here, renewed by a heartbeat every 2 s).
    from reelhouse.playback import conf as playback_conf

    settings.REELHOUSE_STREAM_TOKEN_TTL = 10
    monkeypatch.setattr(playback_conf, "HEARTBEAT_SECONDS", 2)
    page = native_page
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 403 and "/stream/" in r.url else None)
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{long_episode.pk}/")

    page.wait_for_function("document.getElementById('video').currentTime > 30", timeout=DEADLINE_MS * 2)
    assert refused, "no stream token expired during playback: the test did not exercise the renewal"
    masters = {u for u in fetched if u.endswith("/master.m3u8")}
    assert len(masters) >= 2, masters  # started again under a renewed prefix
    assert page.locator("#player-message").is_hidden()
    assert video(page, "v.error") is None


def test_native_hls_that_cannot_go_on_tells_the_viewer(native_page, live_server, subscriber, long_episode, settings):
    # The token expires (10 s) before any heartbeat could renew it (every 30 s): nothing to start again under.
    settings.REELHOUSE_STREAM_TOKEN_TTL = 10
    page = native_page
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{long_episode.pk}/")

    message = page.locator("#player-message")
    message.wait_for(state="visible", timeout=DEADLINE_MS)
    assert "Playback stopped" in message.inner_text()
    assert page.evaluate("window.nativeHls.errors") != []
