"""A household in a real browser: another adult profile confirms with the account password before the account page
opens; a kids profile sees no Account link and is refused the profile pages."""

import pytest

from reelhouse.accounts.services import profile_create, profile_update
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e  # a browser journey: runs once, on the SQLite pass, like the others here

PASSWORD = "correct horse battery"


def test_a_partner_confirms_and_a_kid_is_kept_out(page, live_server, subscriber):
    profile_update(profile=subscriber.profiles.get(), pin="2468")  # the owner's profile is locked
    profile_create(user=subscriber, name="Partner")
    profile_create(user=subscriber, name="Mia", is_kids=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(subscriber.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/profiles/**")
    page.get_by_role("button", name="Partner").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Account").click()
    page.wait_for_url("**/accounts/owner/?next=%2Faccount%2F")
    assert page.get_by_role("heading", name="Confirm it's the account owner").is_visible()
    page.get_by_label("Account password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    assert "not the account password" in page.get_by_role("alert").inner_text()
    page.get_by_label("Account password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/account/")
    screenshot(page, "owner-confirmed-account")

    page.goto(f"{live_server.url}/accounts/profiles/?choose=1")
    page.get_by_role("button", name="Mia").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("navigation", name="Account").get_by_role("link", name="Account").count() == 0
    response = page.goto(f"{live_server.url}/accounts/profiles/manage/")
    assert response.status == 403
    assert "A kids profile cannot change profiles" in page.get_by_role("alert").inner_text()
    screenshot(page, "owner-kids-refused")
