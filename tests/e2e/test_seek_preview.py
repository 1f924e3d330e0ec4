"""Seek previews: hovering or keying along the scrub bar shows the trickplay tile for that time."""

import re

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import playing_past, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def offset(cue) -> str:
    """The CSS background-position that shows a cue's tile of the sprite sheet."""
    return f"{-cue['x']}px {-cue['y']}px"


@pytest.fixture
def long_episode(licensed_source, clip_cache):
    # 25 s: three thumbnails (one every 10 s), so different times show different tiles.
    deliver(licensed_source, "Tide Tables (2021)/Season 01/Tide Tables - S01E01 - Neap.mkv",
            clip_cache(seconds=25, size="426x240", pattern="testsrc"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Episode

    return Episode.objects.get()


def test_hovering_the_scrub_bar_shows_the_thumbnail_for_that_time(page, live_server, subscriber, long_episode):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{long_episode.pk}/")
    playing_past(page, 0.3)
    page.wait_for_function("window.reelhouseSeekCues().length === 3")
    cues = page.evaluate("window.reelhouseSeekCues()")
    tile = cues[1]  # 10-20 s
    seek = page.locator("#seek")
    box = seek.bounding_box()
    duration = page.evaluate("document.getElementById('video').duration")
    page.mouse.move(box["x"] + box["width"] * 15 / duration, box["y"] + box["height"] / 2)
    preview = page.locator("#seek-preview")
    preview.wait_for(state="visible")
    style = preview.evaluate("e => [getComputedStyle(e).backgroundPosition, e.style.backgroundImage]")
    assert style[0] == offset(tile) and tile["x"] > 0
    assert re.search(r"/stream/[^/]+/\d+/[^/]+/\d+/trickplay/sprite_001\.jpg", style[1])
    assert preview.locator("#seek-preview-time").inner_text() in ("0:14", "0:15")
    # The sprite really loads through the signed prefix.
    url = re.search(r'url\("([^"]+)"\)', style[1]).group(1)
    assert page.request.get(live_server.url + url).headers["content-type"] == "image/jpeg"
    screenshot(page, "player-seek-preview")

    # Keyboard: focus the bar, End jumps to the last tile and seeks there.
    page.mouse.move(0, 0)
    seek.focus()
    seek.press("End")
    last = cues[2]
    assert preview.evaluate("e => getComputedStyle(e).backgroundPosition") == offset(last)
    page.wait_for_function("document.getElementById('video').currentTime > 20")
