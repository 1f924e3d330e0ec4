"""An operator opens the dashboards in a real browser: every plot loads, the page passes axe, screenshots kept."""

import pytest

from tests.backoffice.conftest import seed_customers
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_operator_sees_the_dashboards(page, live_server, settings):
    from reelhouse.accounts.services import user_create
    from reelhouse.billing.services import plans_ensure, voucher_batch_create, voucher_redeem

    settings.REELHOUSE_STAFF_REQUIRE_2FA = False  # the 2FA gate itself is tested in tests/backoffice
    plans = {p.code: p for p in plans_ensure()}
    users = seed_customers(plans)
    batch = voucher_batch_create(name="Spring fair", plan=plans["standard-1m"], months=1, count=5)
    voucher_redeem(user=users[0], code=batch.vouchers.first().code)
    from tests.conftest import with_role

    operator = with_role(user_create(email="ops@example.com", password="correct horse battery", display_name="Ops",
                                     is_staff=True), "finance")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    from reelhouse.backoffice import figures

    for path, name, count in [("/ops/dashboard/", "backoffice-dashboard", len(figures.OVERVIEW)),
                              ("/ops/dashboard/revenue/", "backoffice-revenue", len(figures.REVENUE))]:
        page.goto(live_server.url + path)
        images = page.locator("figure.plot img")
        assert images.count() == count
        for i in range(count):
            images.nth(i).scroll_into_view_if_needed()  # lazy images load when near the viewport
        page.wait_for_function("[...document.querySelectorAll('figure.plot img')]"
                               ".every(i => i.complete && i.naturalWidth > 0)")
        assert serious_violations(page) == []
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, name)
        page.screenshot(path=str(screenshot(page, name).with_name(f"{name}-full.png")), full_page=True)
