"""The player as a viewer uses it: keyboard shortcuts, quality choice, next episode after a countdown."""

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


@pytest.fixture
def three_episodes(licensed_source, clip_cache):
    for n, pattern in [(1, "testsrc2"), (2, "testsrc"), (3, "smptebars")]:
        deliver(licensed_source, f"Harbour Lights (2019)/Season 01/Harbour Lights - S01E0{n} - Part {n}.mkv",
                clip_cache(seconds=8, size="854x480", pattern=pattern))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Episode

    return list(Episode.objects.order_by("number"))


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def playing_past(page, seconds: float):
    page.wait_for_function(f"document.getElementById('video').currentTime > {seconds}", timeout=30_000)


def test_keyboard_shortcuts_and_quality_menu(page, live_server, subscriber, three_episodes):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{three_episodes[0].pk}/")
    playing_past(page, 0.5)
    page.locator("body").press("k")
    assert page.evaluate("document.getElementById('video').paused")
    before = page.evaluate("document.getElementById('video').currentTime")
    page.locator("body").press("ArrowRight")
    page.wait_for_function(f"document.getElementById('video').currentTime >= {before} + 4")
    page.locator("body").press("m")
    assert page.evaluate("document.getElementById('video').muted")
    page.locator("body").press("ArrowDown")
    assert page.evaluate("document.getElementById('video').volume") == pytest.approx(0.9)

    options = page.locator("#quality option").all_inner_texts()
    assert options[0] == "Auto" and options[1:] == ["480p", "360p"]
    # Chromium plays HLS itself: 360p is the master narrowed to that rung, played from where the viewer paused and
    # still paused until they go on.
    page.evaluate("document.getElementById('video').currentTime = 2")
    page.wait_for_function("document.getElementById('video').readyState >= 2")
    at = page.evaluate("document.getElementById('video').currentTime")
    page.select_option("#quality", label="360p")
    page.wait_for_function("document.getElementById('video').currentSrc.endsWith('/master.m3u8?quality=360') && "
                           "document.getElementById('video').readyState >= 2")
    assert page.evaluate("document.getElementById('video').paused")
    assert page.evaluate("document.getElementById('video').currentTime") == pytest.approx(at, abs=0.5)
    page.locator("body").press("k")
    page.wait_for_function("document.getElementById('video').videoHeight === 360 && "
                           f"document.getElementById('video').currentTime > {at} + 0.5")
    assert page.evaluate("window.reelhouseHls") is None and page.evaluate("typeof window.Hls") == "undefined"
    screenshot(page, "player-toolbar")
    page.select_option("#quality", label="Auto")  # the whole ladder again
    page.wait_for_function("document.getElementById('video').currentSrc.endsWith('/master.m3u8')")


def test_next_episode_starts_after_a_visible_countdown(page, live_server, subscriber, three_episodes):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{three_episodes[0].pk}/")
    playing_past(page, 0.5)
    page.evaluate("const v = document.getElementById('video'); v.currentTime = v.duration - 1")
    up_next = page.locator("#up-next")
    up_next.wait_for(state="visible", timeout=15_000)
    assert "Next: S01E02 · Part 2" in up_next.inner_text()
    screenshot(page, "player-up-next")
    page.wait_for_url(f"**/watch/{three_episodes[1].pk}/", timeout=20_000)
    playing_past(page, 0.3)

    # Cancelling keeps the viewer where they are.
    page.evaluate("const v = document.getElementById('video'); v.currentTime = v.duration - 1")
    up_next.wait_for(state="visible", timeout=15_000)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(1500)
    assert up_next.is_hidden() and f"/watch/{three_episodes[1].pk}/" in page.url


def test_still_watching_after_three_episodes_without_interaction(page, live_server, subscriber, three_episodes):
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/watch/{three_episodes[0].pk}/")
    playing_past(page, 0.5)
    page.evaluate("sessionStorage.setItem('reelhouse.autoplayStreak', '2')")  # two autoplays already, untouched
    page.evaluate("const v = document.getElementById('video'); v.currentTime = v.duration - 1")
    still = page.locator("#still-watching")
    still.wait_for(state="visible", timeout=15_000)
    assert page.locator("#up-next").is_hidden()
    page.get_by_role("button", name="Continue watching").click()
    page.wait_for_url(f"**/watch/{three_episodes[1].pk}/", timeout=20_000)
