"""A browser journey: a visitor redeems a gift code, watches, the month runs out, playback is refused."""

import datetime as dt

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing import services
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


@pytest.fixture
def episode(licensed_source, clip_cache):
    deliver(licensed_source, "Gift Show (2021)/Season 01/Gift Show - S01E01 - Unwrapped.mkv",
            clip_cache(seconds=8, size="640x360"))
    scan_until_settled(licensed_source)
    return Episode.objects.get(title="Unwrapped")


def test_visitor_redeems_a_gift_code_watches_and_is_refused_after_it_runs_out(page, live_server, episode):
    code = services.voucher_batch_create(name="Shop cards", plan=services.plan_default(), months=1,
                                         count=1).vouchers.get().code
    visitor = user_create(email="giftee@example.com", password=PASSWORD, display_name="Giftee")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(visitor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    assert "subscription is not active" in page.get_by_role("alert").inner_text()

    page.goto(f"{live_server.url}/account/")
    page.get_by_label("Gift code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Redeem", exact=True).click()
    assert "Gift code redeemed" in page.get_by_role("status").inner_text()
    assert "Standard monthly (Active)" in page.locator("#subscription-state").inner_text()

    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    page.wait_for_function("document.getElementById('video').currentTime > 1", timeout=30_000)
    screenshot(page, "gift-code-playing")

    clock.advance(dt.timedelta(days=32))  # the gifted month is over
    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    assert "Your subscription is not active. Choose a plan or redeem a code" in page.get_by_role("alert").inner_text()
    page.goto(f"{live_server.url}/account/")
    assert "Your subscription ended on" in page.locator("#subscription-state").inner_text()
    screenshot(page, "gift-code-expired")
