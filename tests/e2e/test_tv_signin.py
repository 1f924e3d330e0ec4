"""TV sign-in with a code: a TV shows a code, a phone approves it, the TV is signed in; revoking signs it out."""

import re

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_phone_approves_the_code_a_tv_shows_and_revokes_it(browser, live_server, subscriber):
    from reelhouse.accounts.services import profile_create

    tv_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    tv, phone = tv_context.new_page(), phone_context.new_page()

    tv.goto(f"{live_server.url}/tv/")
    code = tv.locator("#tv-code").inner_text()
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", code)
    assert tv.locator(".qr svg").count() == 1
    assert f"{live_server.url}/activate" in tv.locator(".tv-url").inner_text()
    screenshot(tv, "tv-signin-code")

    sign_in(phone, live_server, subscriber)
    profile_create(user=subscriber, name="Living room")
    phone.goto(f"{live_server.url}/activate")
    phone.get_by_label("Code").fill(code.lower().replace("-", ""))  # as typed in a hurry
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_label("Living room").check()
    phone.get_by_role("button", name="Approve").click()
    assert phone.get_by_role("heading", name="The TV is signed in").is_visible()

    tv.wait_for_url(f"{live_server.url}/", timeout=20_000)  # the next poll, within one interval
    assert tv.locator("header .profile").inner_text() == "Living room"
    screenshot(tv, "tv-signed-in-home")

    phone.goto(f"{live_server.url}/accounts/devices/")
    assert "watches as Living room" in phone.locator("ul.devices").inner_text()
    phone.get_by_role("button", name="Sign out this device").click()
    assert phone.get_by_text("No TV or app is signed in with a code.").is_visible()

    tv.reload()
    assert tv.url == f"{live_server.url}/welcome/"  # its session ended: the visitor's landing page
    assert tv.locator("header").get_by_role("link", name="Sign in").is_visible()
    tv_context.close()
    phone_context.close()
