"""TV mode: a remote's arrow keys, Enter and Back are enough to reach and play an episode."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused_text(page) -> str:
    return page.evaluate("(document.activeElement.innerText || document.activeElement.getAttribute('aria-label')"
                         " || '').trim()")


def arrow_to(page, text: str, max_presses: int = 40) -> None:
    """Walk right, then down when a row ends, until the focused element shows `text` — as a person would."""
    for _ in range(max_presses):
        if text in focused_text(page):
            return
        before = page.evaluate("document.activeElement.outerHTML")
        page.keyboard.press("ArrowRight")
        if page.evaluate("document.activeElement.outerHTML") == before:
            page.keyboard.press("ArrowDown")
    pytest.fail(f"could not reach {text!r} with arrow keys; focus is on {focused_text(page)!r}")


def test_remote_reaches_and_plays_an_episode(browser, live_server, subscriber, three_episodes):  # noqa: F811
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, subscriber)
    page.goto(f"{live_server.url}/?tv=1")
    assert "tv" in page.evaluate("document.documentElement.className")
    arrow_to(page, "Harbour Lights")  # TV mode focuses the first tile on arrival
    screenshot(page, "tv-home-focus")
    page.keyboard.press("Enter")
    page.wait_for_url("**/series/harbour-lights-2019/")
    arrow_to(page, "Part 2")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/watch/{three_episodes[1].pk}/")
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=30_000)
    assert page.evaluate("document.activeElement.id") == "video"
    page.keyboard.press("Enter")  # OK on the remote pauses
    assert page.evaluate("document.getElementById('video').paused")
    screenshot(page, "tv-player")
    page.keyboard.press("Escape")  # Back
    page.wait_for_url("**/series/harbour-lights-2019/")
    context.close()


def test_tv_mode_is_rendered_by_the_server_once_remembered(browser, live_server, subscriber):
    """tv.js loads deferred (it no longer blocks the first paint): the mode it remembers goes into a cookie, so the
    server's HTML already carries class="tv" on the next pages, and ?tv=0 takes it away again."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/welcome/?tv=1")
    assert "tv" in page.evaluate("document.documentElement.className")
    html = context.request.get(f"{live_server.url}/help/").text()  # the server's HTML, no script run
    assert '<html lang="en" class="tv">' in html
    page.goto(f"{live_server.url}/welcome/?tv=0")
    assert "tv" not in page.evaluate("document.documentElement.className")
    assert '<html lang="en">' in context.request.get(f"{live_server.url}/help/").text()
    page.goto(f"{live_server.url}/welcome/")
    assert "tv" not in page.evaluate("document.documentElement.className")
    # a browser that remembered TV mode in localStorage before the cookie existed keeps it
    context.clear_cookies()
    page.evaluate("localStorage.setItem('reelhouse.tv', '1')")
    page.goto(f"{live_server.url}/welcome/")
    assert "tv" in page.evaluate("document.documentElement.className")
    assert '<html lang="en" class="tv">' in context.request.get(f"{live_server.url}/help/").text()
    context.close()
