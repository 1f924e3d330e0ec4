"""The visitor landing and help pages pass axe; landing, home, series and watch pages are photographed at phone,
laptop and TV sizes (test-artifacts/size-<viewport>-<page>.png) and keep to the screen's width."""

import re

import pytest

from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_player import sign_in, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"phone": (390, 844), "laptop": (1440, 900), "tv": (1920, 1080)}


# The player's own scripts (outside the budget), with or without the static files' content hash in the name, and
# hls.js's worker, which it builds in the page from its own source (a blob: URL, not shipped again).
PLAYER_JS = re.compile(r"^blob:|/static/(vendor/hls\.min|reelhouse/player)(\.[0-9a-f]+)?\.js")
JS_BUDGET = 100_000  # bytes of JavaScript a page may ship besides the player (issue 6)


def javascript_bytes(page, responses) -> int:
    """Bytes of JavaScript the page loaded (script files as received, plus inline scripts), the player excepted."""
    files = sum(len(r.body()) for r in responses
                if r.request.resource_type == "script" and not PLAYER_JS.search(r.url))
    return files + page.evaluate("[...document.scripts].filter(s => !s.src).reduce((n, s) => n + s.text.length, 0)")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_visitor_sees_plans_and_can_sign_up_and_help_passes_axe(browser, live_server, viewport):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.url == f"{live_server.url}/welcome/"
    offers = page.locator(".offer")
    assert offers.count() == 4
    assert "$9.99" in offers.nth(0).inner_text() and "$8.33 per month" in offers.nth(3).inner_text()
    found = {"landing": serious_violations(page)}
    page.get_by_role("link", name="Questions? Read the help page.").click()
    page.wait_for_url("**/help/")
    assert page.get_by_role("heading", name="How do downloads work?").is_visible()
    found["help"] = serious_violations(page)
    page.goto(live_server.url + "/welcome/")
    page.locator("main").get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/accounts/signup/")
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_screenshots_at_phone_laptop_and_tv_sizes(browser, live_server, subscriber, three_episodes):  # noqa: F811
    too_wide, javascript = [], {}
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = context.new_page()
        responses = []
        page.on("response", lambda response, seen=responses: seen.append(response))
        tv = "?tv=1" if size == "tv" else ""
        page.goto(f"{live_server.url}/welcome/{tv}")
        screenshot(page, f"size-{size}-landing")
        too_wide += [] if no_sideways_scroll(page) else [f"{size} landing"]
        javascript[f"{size} landing"] = javascript_bytes(page, responses)
        sign_in(page, live_server, subscriber)
        for name, path in [("home", "/"), ("series", "/series/harbour-lights-2019/"), ("search", "/search/?q=harb"),
                           ("account", "/account/"), ("watch", f"/watch/{three_episodes[0].pk}/")]:
            responses.clear()
            page.goto(f"{live_server.url}{path}{tv}")
            if name == "watch":
                page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=30_000)
                page.evaluate("document.getElementById('video').pause()")
            screenshot(page, f"size-{size}-{name}")
            too_wide += [] if no_sideways_scroll(page) else [f"{size} {name}"]
            javascript[f"{size} {name}"] = javascript_bytes(page, responses)
        context.close()
        # Three "devices" in a row: free the stream slot as a viewer closing the tab would, after a while.
        PlaybackSession.objects.update(ended_at=clock.now())
    assert too_wide == []
    assert javascript["laptop home"] > 0, javascript  # the counter sees the site's own scripts (search, TV mode)
    assert {page: n for page, n in javascript.items() if n > JS_BUDGET} == {}
