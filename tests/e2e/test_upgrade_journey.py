"""A browser journey: a gift-code subscriber upgrades, sees the price first, pays on Stripe's page, and gets the
better plan only when Stripe confirms the payment (Stripe's API and page are stood in for at their boundary)."""

import urllib.request

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing import services
from reelhouse.billing.gateway import gateway_set
from reelhouse.billing.models import Payment, Plan, PlanPrice
from tests.billing import stripe_payloads as sp
from tests.billing.fakes import FakeGateway
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"
SECRET = "whsec_e2e_upgrade_0123456789abcdef"


@pytest.fixture
def fake_gateway():
    fake = FakeGateway()
    gateway_set(fake)
    yield fake
    gateway_set(None)


def _stripe_sends(live_server, evt) -> bytes:
    """Stripe's webhook delivery: a signed POST to the running server."""
    payload = sp.body(evt)
    request = urllib.request.Request(f"{live_server.url}/billing/stripe/webhook/", data=payload.encode(),
                                     headers={"Content-Type": "application/json",
                                              "Stripe-Signature": sp.sign(payload, SECRET)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def test_a_gift_code_subscriber_sees_the_price_pays_and_only_then_is_upgraded(page, live_server, settings,
                                                                            fake_gateway):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    premium = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4,
                                  max_height=2160)
    PlanPrice.objects.create(plan=premium, currency="USD", amount_minor=1599)
    viewer = user_create(email="upgrader@example.com", password=PASSWORD, display_name="Upgrader")
    code = services.voucher_batch_create(name="Shop cards", plan=services.plan_default(), months=1,
                                         count=1).vouchers.get().code
    services.voucher_redeem(user=viewer, code=code)
    page.route("https://checkout.stripe.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>Stripe Checkout</title><h1>Pay Reelhouse</h1>"))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(viewer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("button", name="Upgrade now").click()

    # The price comes first, on a page of its own.
    assert page.get_by_role("heading", level=1).inner_text() == "Upgrade to Premium monthly"
    price = page.locator("#upgrade-price").inner_text()
    assert "for the rest of this period, paid now by card" in price
    screenshot(page, "upgrade-quote")
    pay = page.get_by_role("button", name="and upgrade")
    amount = pay.inner_text().removeprefix("Pay ").removesuffix(" and upgrade")
    assert amount.startswith("$") and amount in price
    pay.click()
    page.wait_for_url("https://checkout.stripe.com/**")
    assert page.get_by_role("heading").inner_text() == "Pay Reelhouse"

    # Not paid yet: nothing changed, no receipt.
    page.goto(f"{live_server.url}/account/")
    assert "Standard monthly (Active)" in page.locator("#subscription-state").inner_text()
    assert not Payment.objects.filter(user=viewer).exists()

    # Stripe confirms the payment: the plan changes and the receipt is there.
    (checkout,) = fake_gateway.checkouts
    assert f"${checkout['amount_minor'] / 100:.2f}" == amount
    assert _stripe_sends(live_server, sp.event("checkout.session.completed",
                                               fake_gateway.checkout_session_paid())) == b"applied"
    page.goto(f"{live_server.url}/account/?upgrade=paid")
    assert "Premium monthly (Active)" in page.locator("#subscription-state").inner_text()
    payment = Payment.objects.get(user=viewer)
    assert payment.amount_minor == checkout["amount_minor"] and payment.source == Payment.Source.STRIPE
    assert page.get_by_role("link", name=payment.number).count() == 1  # the receipt, for money received
    screenshot(page, "upgrade-applied")
