"""Skipping the intro and the credits: the buttons show only inside the marked stretches and work from the keyboard."""

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import playing_past, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_marked_episodes(licensed_source, clip_cache):
    from reelhouse.catalog.models import Episode
    from reelhouse.media.markers import marker_set_by_operator

    for n, pattern in [(1, "testsrc2"), (2, "smptebars")]:  # different files: one delivery per checksum
        deliver(licensed_source, f"Tidewater (2020)/Season 01/Tidewater - S01E0{n} - Ebb {n}.mkv",
                clip_cache(seconds=12, size="320x180", pattern=pattern))
    scan_until_settled(licensed_source)
    episodes = list(Episode.objects.order_by("number"))
    marker_set_by_operator(work=episodes[0], kind="intro", start_s=1, end_s=7)
    marker_set_by_operator(work=episodes[0], kind="credits", start_s=9, end_s=12)
    return episodes


def test_skip_intro_jumps_to_its_end_and_next_episode_from_the_credits(page, live_server, subscriber,
                                                                        two_marked_episodes):
    first, second = two_marked_episodes
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{first.pk}/")
    skip = page.get_by_role("button", name="Skip intro")
    skip.wait_for(state="visible", timeout=30_000)  # the intro starts at 1 s
    assert page.evaluate("document.getElementById('video').currentTime") >= 1
    screenshot(page, "player-skip-intro")

    # Keyboard: Tab reaches the button, Enter skips to the end of the intro, and the button goes away.
    skip.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('video').currentTime >= 7")
    assert skip.is_hidden()

    # In the credits the same place offers the next episode.
    next_button = page.get_by_role("button", name="Next episode")
    next_button.wait_for(state="visible", timeout=15_000)
    next_button.click()
    page.wait_for_url(f"**/watch/{second.pk}/", timeout=20_000)
    playing_past(page, 1.5)
    assert page.get_by_role("button", name="Skip intro").count() == 0  # the second episode has no markers
