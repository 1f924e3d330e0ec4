"""The header on every page: Help, Sign in and Sign up for visitors; Help, the profile, Notifications, Account and
Sign out for members; reached with Tab on a keyboard and with the arrow keys of a TV remote, and free of serious
axe violations."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_player import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused_text(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.textContent.trim() : ''")


def press_until_focused(page, key: str, text: str, *, limit: int = 15) -> int:
    """Press `key` until the element named `text` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if focused_text(page) == text:
            return presses
    raise AssertionError(f"{text!r} never got the focus with {key}; last focused: {focused_text(page)!r}")


def press_up_into_header(page, *, limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press("ArrowUp")
        if page.evaluate("!!(document.activeElement && document.activeElement.closest('header.top'))"):
            return
    raise AssertionError(f"ArrowUp never reached the header; last focused: {focused_text(page)!r}")


def header_links(page) -> list[str]:
    return page.locator("header.top nav").get_by_role("link").all_inner_texts()


@pytest.mark.parametrize("viewport", [(390, 844), (1440, 900)])
def test_visitor_reaches_help_sign_in_and_sign_up_with_the_keyboard(browser, live_server, viewport):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/welcome/")
    assert header_links(page) == ["Help", "Sign in", "Sign up"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(page) == []
    screenshot(page, f"header-visitor-{viewport[0]}")

    press_until_focused(page, "Tab", "Help")
    page.keyboard.press("Tab")
    assert focused_text(page) == "Sign in"
    page.keyboard.press("Tab")
    assert focused_text(page) == "Sign up"
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/signup/")
    press_until_focused(page, "Tab", "Help")
    page.keyboard.press("Enter")
    page.wait_for_url("**/help/")
    assert header_links(page) == ["Help", "Sign in", "Sign up"]
    context.close()


def test_member_reaches_account_and_signs_out_with_the_keyboard(page, live_server, subscriber):
    sign_in(page, live_server, subscriber)
    assert header_links(page) == ["Help", "Viewer", "Notifications", "Account"]
    assert page.locator("header.top").get_by_role("button", name="Sign out").is_visible()

    press_until_focused(page, "Tab", "Account")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/")
    press_until_focused(page, "Tab", "Sign out")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/")
    assert header_links(page) == ["Help", "Sign in", "Sign up"]


def test_tv_remote_reaches_the_header_with_arrow_keys(browser, live_server, subscriber):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/welcome/?tv=1")  # TV mode is remembered from here on
    assert page.evaluate("document.documentElement.classList.contains('tv')")
    page.keyboard.press("ArrowDown")  # the first press focuses the page's first control
    press_up_into_header(page)
    press_until_focused(page, "ArrowRight", "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/")
    page.get_by_label("Email").fill(subscriber.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # Home opens with the first title focused, as on a TV; up reaches the header, right walks along it (and left
    # comes back: the header is one row).
    press_up_into_header(page)
    press_until_focused(page, "ArrowRight", "Account")
    page.keyboard.press("ArrowLeft")
    assert focused_text(page) == "Notifications"  # between the profile switcher and Account
    page.keyboard.press("ArrowLeft")
    assert focused_text(page) == "Viewer"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert focused_text(page) == "Account"
    screenshot(page, "header-tv-account-focused")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 6  # the 10-foot focus ring
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/")
    press_up_into_header(page)
    press_until_focused(page, "ArrowRight", "Sign out")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/")
    assert serious_violations(page) == []
    context.close()
