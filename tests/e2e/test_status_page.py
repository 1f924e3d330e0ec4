"""The status page in a real browser, signed out, in German: reached from the footer, components listed, an
incident the monitor opened is shown with its update, and the page breaks no CSP rule."""

import pytest

from reelhouse.notifications.status import status_monitor
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_status_page_signed_out_in_german(browser, live_server):
    status_monitor({"database": None, "storage": "media root is not writable", "scheduler": None, "job_queue": None})
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    page.get_by_role("link", name="Dienststatus").click()
    page.wait_for_url("**/status/")
    table = page.get_by_role("table", name="Komponenten")
    assert "Streaming" in table.inner_text() and "Beeinträchtigt" in table.inner_text()
    assert "Betriebsbereit" in table.inner_text()
    assert "media root is not writable" in page.locator("main").inner_text()
    screenshot(page, "status-page-de")
    context.close()
