"""An operator handles quarantined deliveries and makes a calendar link in a real browser (Playwright + chromium):
the buttons submit their own forms (not the change form around them), and what the operator sees changes."""

from pathlib import Path

import pytest

from reelhouse.ingest.models import CalendarToken, Delivery
from tests.conftest import scan_until_settled
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator_page(page, live_server, settings):
    from reelhouse.accounts.services import user_create

    settings.REELHOUSE_STAFF_REQUIRE_2FA = False  # the 2FA gate itself is tested elsewhere
    user_create(email="ops@example.com", password="correct horse battery", display_name="Ops", is_staff=True,
                is_superuser=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ops@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_operator_discards_and_retries_held_deliveries_from_their_admin_pages(operator_page, live_server,
                                                                             licensed_source):
    tab = operator_page
    for name in ("a.txt", "b.txt"):
        (Path(licensed_source.path) / name).write_bytes(name.encode() * 10)
    scan_until_settled(licensed_source)
    a, b = Delivery.objects.order_by("path")

    tab.goto(f"{live_server.url}/admin/ingest/delivery/{a.pk}/change/")
    assert a.reason in tab.locator("body").inner_text()  # why it is held, where the operator acts
    tab.get_by_role("button", name="Discard (the file stays in place)").click()
    tab.wait_for_url(f"{live_server.url}/admin/ingest/delivery/{a.pk}/change/")
    assert tab.locator(".messagelist").inner_text().startswith("Discarded: now discarded by an operator")
    assert tab.get_by_role("button", name="Retry").count() == 0  # nothing left to act on
    screenshot(tab, "ingest-admin-discarded")

    tab.goto(f"{live_server.url}/admin/ingest/delivery/{b.pk}/change/")
    tab.get_by_role("button", name="Retry as a replacement").click()
    tab.wait_for_url(f"{live_server.url}/admin/ingest/delivery/{b.pk}/change/")
    assert "Retried: now quarantined" in tab.locator(".messagelist").inner_text()
    b.refresh_from_db()
    assert b.replacement is True and Delivery.objects.get(pk=a.pk).state == Delivery.State.DISCARDED


def test_operator_makes_a_calendar_link_and_revokes_it(operator_page, live_server):
    tab = operator_page
    tab.goto(f"{live_server.url}/ops/ingest/links")
    tab.get_by_label("Used for").fill("phone calendar")
    tab.get_by_role("button", name="Make a new link").click()
    link = tab.get_by_label("Missing episodes link").input_value()
    assert link.startswith(f"{live_server.url}/ops/ingest/links/") and link.endswith("/missing.ics")
    screenshot(tab, "ingest-calendar-link")

    response = tab.request.get(link)  # what a calendar app does (with no session it would work the same)
    assert response.status == 200 and response.text().startswith("BEGIN:VCALENDAR")

    tab.goto(f"{live_server.url}/ops/ingest/links")
    tab.get_by_role("button", name="Revoke").click()
    tab.wait_for_url(f"{live_server.url}/ops/ingest/links")
    assert "revoked" in tab.locator("table").inner_text()
    assert tab.request.get(link).status == 404
    assert CalendarToken.objects.get().revoked_at is not None
