"""A subscriber finds an invoice in the account, reads it, and prints it: on paper only the invoice remains."""

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing import services
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.test_accessibility import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def test_subscriber_opens_and_prints_an_invoice(page, live_server, settings):
    settings.REELHOUSE_SELLER_NAME = "Reelhouse Films SAS"
    settings.REELHOUSE_SELLER_ADDRESS = "12 rue des Lilas|75011 Paris|France"
    settings.REELHOUSE_VAT_RATES = "FR=20"
    plans = {p.code: p for p in services.plans_ensure()}
    claire = user_create(email="claire@example.com", password=PASSWORD, display_name="Claire")
    services.billing_profile_update(user=claire, name="Claire Dubois", address="3 place du Marché\n69002 Lyon",
                                    country="FR", vat_id="")
    payment = services.plan_purchase_record(user=claire, plan=plans["standard-12m"], currency="EUR")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(claire.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name=payment.number).click()
    invoice = page.get_by_role("article")
    assert page.get_by_role("heading", level=1).inner_text() == f"Invoice {payment.number}"
    assert "Claire Dubois" in invoice.inner_text() and "Reelhouse Films SAS" in invoice.inner_text()
    assert page.get_by_role("row", name="VAT 20%").inner_text().split() == ["VAT", "20%", "€15.75"]  # 94.49/1.2
    assert page.get_by_role("row", name="Total paid").inner_text().split() == ["Total", "paid", "€94.49"]
    assert serious_violations(page) == []
    screenshot(page, "invoice")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("footer.foot").is_hidden()
    assert page.locator(".invoice-actions").is_hidden() and invoice.is_visible()
    screenshot(page, "invoice-print")
    pdf = ARTIFACTS / "invoice.pdf"
    page.pdf(path=str(pdf), format="A4")  # what "Save as PDF" in the print dialog makes
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
