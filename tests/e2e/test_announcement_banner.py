"""An announcement in a real browser: the banner shows on every page for its audience, in the viewer's language
(EN and DE), closes with one click, stays closed for that profile after reloading, and the news page keeps it."""

import datetime as dt

import pytest

from reelhouse.core import clock
from reelhouse.notifications.models import Announcement
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_banner_is_shown_dismissed_and_stays_dismissed(page, live_server, subscriber):
    published = clock.now() - dt.timedelta(hours=1)
    Announcement.objects.create(title="Maintenance on Sunday night", body="Streaming pauses 02:00-03:00 UTC.",
                                category="maintenance", languages="en", published_at=published)
    Announcement.objects.create(title="Wartung am Sonntag", body="Kurze Pause.", languages="de",
                                published_at=published)
    sign_in(page, live_server, subscriber)
    banner = page.get_by_role("complementary", name="Announcement")
    assert "Maintenance on Sunday night" in banner.inner_text() and "Wartung" not in page.content()
    screenshot(page, "announcement-banner-en")

    page.goto(f"{live_server.url}/help/")
    banner.get_by_role("button", name="Dismiss").click()
    page.wait_for_url(f"{live_server.url}/help/")
    assert banner.count() == 0
    page.reload()
    assert banner.count() == 0  # remembered for this profile
    page.goto(f"{live_server.url}/news/")
    assert "Streaming pauses 02:00-03:00 UTC." in page.locator("main").inner_text()


def test_banner_in_german(browser, live_server, subscriber):
    subscriber.language = "de"
    subscriber.save(update_fields=["language"])
    Announcement.objects.create(title="Wartung am Sonntag", body="Kurze Pause.", languages="de",
                                published_at=clock.now() - dt.timedelta(hours=1))
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-Mail").fill(subscriber.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    banner = page.get_by_role("complementary", name="Ankündigung")
    assert "Wartung am Sonntag" in banner.inner_text()
    screenshot(page, "announcement-banner-de")
    banner.get_by_role("button", name="Ausblenden").click()
    page.wait_for_url(f"{live_server.url}/")
    assert banner.count() == 0
    context.close()
