"""The first journey: a delivered episode, a subscriber signs in, finds it, watches, leaves and resumes."""

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import QUALITY_HEIGHTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


@pytest.fixture
def published_series(licensed_source, clip_cache):
    for n, pattern in [(1, "testsrc2"), (2, "testsrc")]:
        deliver(licensed_source, f"Harbour Lights (2019)/Season 01/Harbour Lights - S01E0{n} - Part {n}.mkv",
                clip_cache(seconds=20, size="854x480", pattern=pattern))
    scan_until_settled(licensed_source)


def video_time(page) -> float:
    return page.evaluate("document.getElementById('video').currentTime")


def test_subscriber_signs_in_watches_an_episode_and_resumes(page, live_server, subscriber, published_series):
    page.goto(f"{live_server.url}/")  # a visitor lands on the plans page and signs in from there
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(subscriber.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Harbour Lights (2019)").click()  # its tile (the featured title links "About …")
    page.wait_for_url("**/series/harbour-lights-2019/")
    page.get_by_role("link", name="Part 1").click()
    page.wait_for_url("**/watch/*/")

    # It plays: time advances, from a master playlist with at least two renditions (offered in the quality menu).
    page.wait_for_function("document.getElementById('video').currentTime > 3", timeout=30_000)
    assert len(page.evaluate(QUALITY_HEIGHTS)) >= 2
    screenshot(page, "first-journey-playing")
    stopped_at = video_time(page)
    page.evaluate("document.getElementById('video').pause()")
    page.wait_for_timeout(500)  # the pause heartbeat is on its way

    page.get_by_role("link", name="Harbour Lights").click()  # leave the player
    page.wait_for_url("**/series/harbour-lights-2019/")
    page.get_by_role("link", name="Part 1").click()
    page.wait_for_url("**/watch/*/")  # the player page, not the series page still on screen (no video there yet)
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=30_000)
    resumed_at = video_time(page)
    assert resumed_at >= stopped_at - 1.5, (stopped_at, resumed_at)
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "first-journey-resumed")
