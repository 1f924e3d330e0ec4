"""The Stripe gateway builds the requests Stripe's API expects; only the HTTP transport is replaced here."""

import json
from urllib.parse import parse_qs

import stripe

from reelhouse.billing.gateway import StripeGateway


class RecordingHTTP(stripe.HTTPClient):
    """Stripe's SDK HTTP boundary: records each request and answers with a canned Stripe object."""

    name = "recording"

    def __init__(self, answers):
        super().__init__()
        self.answers, self.requests = list(answers), []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.requests.append((method, url, parse_qs(post_data or "")))
        return json.dumps(self.answers.pop(0)), 200, {"request-id": "req_test"}

    def close(self):
        pass


def test_one_off_checkout_prices_inline_and_carries_the_user_and_plan():
    http = RecordingHTTP([{"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.com/c/1"}])
    url = StripeGateway("sk_test_123", http_client=http).checkout_url(
        mode="payment", price_id="", currency="EUR", amount_minor=9449, product_name="Standard 12 months prepaid",
        client_reference_id="42", customer_email="a@example.com", customer_id="",
        metadata={"plan_code": "standard-12m"},
        success_url="https://rh.example/account/?paid=1", cancel_url="https://rh.example/account/")
    assert url == "https://checkout.stripe.com/c/1"
    ((method, endpoint, form),) = http.requests
    assert (method, endpoint) == ("post", "https://api.stripe.com/v1/checkout/sessions")
    assert form["mode"] == ["payment"] and form["client_reference_id"] == ["42"]
    assert form["line_items[0][price_data][unit_amount]"] == ["9449"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["payment_intent_data[metadata][plan_code]"] == ["standard-12m"]


def test_monthly_checkout_is_a_recurring_subscription():
    http = RecordingHTTP([{"id": "cs_test_2", "object": "checkout.session", "url": "https://checkout.stripe.com/c/2"}])
    StripeGateway("sk_test_123", http_client=http).checkout_url(
        mode="subscription", price_id="", currency="USD", amount_minor=999, product_name="Standard monthly",
        client_reference_id="7", customer_email="", customer_id="cus_7", metadata={"user_id": "7"},
        success_url="https://rh.example/ok", cancel_url="https://rh.example/no")
    form = http.requests[0][2]
    assert form["line_items[0][price_data][recurring][interval]"] == ["month"]
    assert form["subscription_data[metadata][user_id]"] == ["7"] and form["customer"] == ["cus_7"]


def test_retrieving_a_subscription_returns_stripes_object_as_a_dict():
    sub = {"id": "sub_9", "object": "subscription", "status": "active", "items": {"object": "list", "data": []}}
    http = RecordingHTTP([sub])
    data = StripeGateway("sk_test_123", http_client=http).subscription_retrieve(subscription_id="sub_9")
    assert data["status"] == "active" and http.requests[0][:2] == ("get", "https://api.stripe.com/v1/subscriptions/sub_9")
