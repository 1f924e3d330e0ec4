"""Notifications in a real browser, in German: the owner switches new-episode mail off in the settings grid (receipts
cannot be), and a one-click unsubscribe link opened with no session asks first, then stops announcement mail."""

import pytest

from reelhouse.notifications.mail import unsubscribe_url
from reelhouse.notifications.selectors import wants
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e  # a browser journey: runs once, on the SQLite pass, like the others here

PASSWORD = "correct horse battery"


def test_settings_grid_and_unsubscribe_link_in_german(browser, live_server, subscriber, settings):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-Mail").fill(subscriber.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Benachrichtigungseinstellungen").click()
    page.wait_for_url("**/notifications/settings/")
    assert page.get_by_label("Belege: Per E-Mail").is_disabled()
    assert page.get_by_label("Belege: Per E-Mail").is_checked()
    page.get_by_label("Neue Folgen von Serien, denen Sie folgen: Per E-Mail").uncheck()
    page.get_by_role("button", name="Speichern").click()
    assert "gespeichert" in page.get_by_role("status").inner_text()
    screenshot(page, "notification-settings-de")
    assert not wants(user=subscriber, kind="new_episode", channel="email")
    assert wants(user=subscriber, kind="new_episode", channel="in_app")
    context.close()

    settings.SITE_URL = live_server.url
    stranger = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")  # no session at all
    page = stranger.new_page()
    page.goto(unsubscribe_url(user=subscriber, kind="announcement"))
    assert "Keine E-Mails mehr zu „Ankündigungen“?" in page.locator("main").inner_text()
    assert wants(user=subscriber, kind="announcement", channel="email")  # opening the link changed nothing
    page.get_by_role("button", name="Abmelden").click()
    assert "Erledigt" in page.get_by_role("status").inner_text()
    screenshot(page, "notification-unsubscribed-de")
    assert not wants(user=subscriber, kind="announcement", channel="email")
    stranger.close()
