"""The Stripe gateway builds the requests Stripe's API expects; only the HTTP transport is replaced here."""

import json
from urllib.parse import parse_qs

import pytest
import stripe

from reelhouse.billing.gateway import StripeGateway

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


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


def _schedule(schedule_id, *, start, end, price):
    return {"id": schedule_id, "object": "subscription_schedule", "end_behavior": "release", "status": "active",
            "subscription": "sub_9", "current_phase": {"start_date": start, "end_date": end},
            "phases": [{"start_date": start, "end_date": end, "metadata": {},
                        "items": [{"price": price, "quantity": 1, "metadata": {}}]}]}


def test_a_change_at_period_end_becomes_a_two_phase_subscription_schedule():
    start, end = 1_767_225_600, 1_769_904_000
    sub = {"id": "sub_9", "object": "subscription", "status": "active", "schedule": None,
           "metadata": {"user_id": "7", "plan_code": "premium-1m"}, "items": {"object": "list", "data": []}}
    schedule = _schedule("sub_sched_1", start=start, end=end, price="price_premium")
    http = RecordingHTTP([sub, {"id": "sub_sched_1", "object": "subscription_schedule"}, schedule,
                          schedule | {"phases": []}])
    answer = StripeGateway("sk_test_123", http_client=http).subscription_change_at_period_end(
        subscription_id="sub_9", price_id="price_standard", plan_code="standard-1m")
    assert answer["object"] == "subscription_schedule" and answer["id"] == "sub_sched_1"
    assert [r[:2] for r in http.requests] == [
        ("get", "https://api.stripe.com/v1/subscriptions/sub_9"),
        ("post", "https://api.stripe.com/v1/subscription_schedules"),
        ("get", "https://api.stripe.com/v1/subscription_schedules/sub_sched_1"),
        ("post", "https://api.stripe.com/v1/subscription_schedules/sub_sched_1")]
    assert http.requests[1][2] == {"from_subscription": ["sub_9"]}
    form = http.requests[3][2]
    assert form["end_behavior"] == ["release"]
    assert form["phases[0][items][0][price]"] == ["price_premium"]
    assert (form["phases[0][start_date]"], form["phases[0][end_date]"]) == ([str(start)], [str(end)])
    assert form["phases[1][items][0][price]"] == ["price_standard"]
    assert form["phases[1][duration][interval]"] == ["month"]
    assert form["phases[1][metadata][plan_code]"] == ["standard-1m"] and form["phases[1][metadata][user_id]"] == ["7"]


def test_a_subscription_already_on_a_schedule_reuses_it_and_release_drops_it():
    sub = {"id": "sub_9", "object": "subscription", "schedule": "sub_sched_2", "metadata": {}}
    schedule = _schedule("sub_sched_2", start=1, end=2, price="price_a")
    http = RecordingHTTP([sub, schedule, schedule, schedule | {"status": "released"}])
    gateway = StripeGateway("sk_test_123", http_client=http)
    gateway.subscription_change_at_period_end(subscription_id="sub_9", price_id="price_b", plan_code="b")
    assert gateway.subscription_schedule_release(schedule_id="sub_sched_2")["status"] == "released"
    assert [r[1] for r in http.requests] == [
        "https://api.stripe.com/v1/subscriptions/sub_9", "https://api.stripe.com/v1/subscription_schedules/sub_sched_2",
        "https://api.stripe.com/v1/subscription_schedules/sub_sched_2",
        "https://api.stripe.com/v1/subscription_schedules/sub_sched_2/release"]


def test_the_customer_portal_session_is_created_for_the_customer():
    http = RecordingHTTP([{"id": "bps_1", "object": "billing_portal.session", "customer": "cus_7",
                           "return_url": "https://rh.example/account/", "url": "https://billing.stripe.com/p/session/x"}])
    session = StripeGateway("sk_test_123", http_client=http).portal_session_create(
        customer_id="cus_7", return_url="https://rh.example/account/")
    assert session["url"] == "https://billing.stripe.com/p/session/x"
    ((method, endpoint, form),) = http.requests
    assert (method, endpoint) == ("post", "https://api.stripe.com/v1/billing_portal/sessions")
    assert form == {"customer": ["cus_7"], "return_url": ["https://rh.example/account/"]}


def test_a_plan_change_applies_only_if_its_proration_is_paid():
    sub = {"id": "sub_5", "object": "subscription", "metadata": {},
           "items": {"object": "list", "data": [{"id": "si_5", "object": "subscription_item"}]}}
    http = RecordingHTTP([sub, sub])
    StripeGateway("sk_test_123", http_client=http).subscription_plan_change(subscription_id="sub_5",
                                                                           price_id="price_p", plan_code="p")
    method, endpoint, form = http.requests[1]
    assert (method, endpoint) == ("post", "https://api.stripe.com/v1/subscriptions/sub_5")
    assert form == {"items[0][id]": ["si_5"], "items[0][price]": ["price_p"],
                    "proration_behavior": ["always_invoice"], "payment_behavior": ["pending_if_incomplete"]}


def test_closing_cancels_the_subscription_now_and_deletes_the_customer():
    http = RecordingHTTP([{"id": "sub_5", "object": "subscription", "status": "canceled"},
                          {"id": "cus_5", "object": "customer", "deleted": True}])
    gateway = StripeGateway("sk_test_123", http_client=http)
    assert gateway.subscription_cancel_now(subscription_id="sub_5")["status"] == "canceled"
    assert gateway.customer_delete(customer_id="cus_5")["deleted"] is True
    assert [(m, u) for m, u, _form in http.requests] == [
        ("delete", "https://api.stripe.com/v1/subscriptions/sub_5?invoice_now=false&prorate=false"),
        ("delete", "https://api.stripe.com/v1/customers/cus_5")]
