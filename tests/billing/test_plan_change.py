"""Downgrade at renewal (embedded and Stripe subscription schedules) and the Stripe customer portal."""

import datetime as dt
import time

import pytest
from django.utils import formats

from reelhouse.billing import services, upgrades
from reelhouse.billing.models import Customer, Plan, PlanPrice, Subscription
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.stripe_sync import subscription_sync
from reelhouse.core import clock
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/billing/stripe/webhook/"


@pytest.fixture
def premium(plans):
    plan = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4,
                               max_height=2160)
    PlanPrice.objects.create(plan=plan, currency="USD", amount_minor=1599, stripe_price_id="price_premium_usd")
    PlanPrice.objects.filter(plan=plans["standard-1m"], currency="USD").update(stripe_price_id="price_standard_usd")
    return plan


def _card_subscription(fake_gateway, member, plan_code="premium-1m", price_id="price_premium_usd"):
    now = int(time.time())
    data = sp.subscription(sub_id="sub_D", customer="cus_D", user_id=member.pk, status="active",
                           period_start=now - 60, period_end=now + 30 * 86400, plan_code=plan_code)
    data["items"]["data"][0]["price"]["id"] = price_id
    fake_gateway.subscriptions["sub_D"] = data
    Customer.objects.create(user=member, stripe_customer_id="cus_D")
    return subscription_sync(data=data)


def test_a_downgrade_waits_for_the_renewal_and_the_next_period_is_on_the_new_plan(member, plans, premium):
    services.plan_purchase_record(user=member, plan=premium, currency="USD")
    paid_until = subscription_current(user=member).current_period_end
    sub = services.subscription_change_schedule(user=member, plan=plans["standard-1m"], currency="USD")
    assert sub.scheduled_plan == plans["standard-1m"] and sub.plan == premium  # the paid month keeps its plan
    assert subscription_current(user=member).plan.max_streams == 4
    services.plan_purchase_record(user=member, plan=premium, currency="USD")  # the renewal
    assert subscription_current(user=member).plan == premium  # still the paid premium month
    clock.advance(paid_until - clock.now() + dt.timedelta(seconds=1))
    now_on = subscription_current(user=member)
    assert (now_on.plan, now_on.plan.max_streams, now_on.current_period_start) == (plans["standard-1m"], 2, paid_until)
    assert now_on.scheduled_plan is None and Subscription.objects.get(pk=sub.pk).scheduled_plan is None


def test_a_cancelled_change_renews_on_the_same_plan(member, plans, premium):
    services.plan_purchase_record(user=member, plan=premium, currency="USD")
    services.subscription_change_schedule(user=member, plan=plans["standard-1m"], currency="USD")
    services.subscription_change_unschedule(user=member)
    services.plan_purchase_record(user=member, plan=premium, currency="USD")
    clock.advance(dt.timedelta(days=40))
    assert subscription_current(user=member).plan == premium
    with pytest.raises(services.BillingError, match="No plan change is scheduled"):
        services.subscription_change_unschedule(user=member)


@pytest.mark.parametrize("target, error", [
    ("premium-1m", "is an upgrade from Standard monthly: upgrade now instead"),
    ("standard-12m", "is a different term from Standard monthly: buy it when your period ends"),
    ("standard-1m", "already on Standard monthly"),
])
def test_only_downgrades_within_the_term_are_scheduled(member, plans, premium, target, error):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    with pytest.raises(services.BillingError, match=error):
        services.subscription_change_schedule(user=member, plan=Plan.objects.get(code=target), currency="USD")


def test_a_card_downgrade_is_a_stripe_schedule_applied_when_stripe_renews(client, member, plans, premium,
                                                                          fake_gateway, webhook_secret):
    _card_subscription(fake_gateway, member)
    sub = services.subscription_change_schedule(user=member, plan=plans["standard-1m"], currency="USD")
    schedule = fake_gateway.schedules[sub.stripe_schedule_id]
    assert schedule["object"] == "subscription_schedule" and schedule["end_behavior"] == "release"
    assert [p["items"][0]["price"] for p in schedule["phases"]] == ["price_premium_usd", "price_standard_usd"]
    assert subscription_current(user=member).plan == premium
    # Something else changes meanwhile: the sync keeps the scheduled change while Stripe still holds the schedule.
    evt = sp.event("customer.subscription.updated", fake_gateway.subscriptions["sub_D"])
    payload = sp.body(evt)
    client.post(URL, payload, content_type="application/json",
                headers={"Stripe-Signature": sp.sign(payload, webhook_secret)})
    assert Subscription.objects.get(pk=sub.pk).scheduled_plan == plans["standard-1m"]
    renewed = fake_gateway.renew("sub_D")  # the period ends: the schedule's second phase starts
    evt = sp.event("customer.subscription.updated", renewed)
    payload = sp.body(evt)
    assert client.post(URL, payload, content_type="application/json",
                       headers={"Stripe-Signature": sp.sign(payload, webhook_secret)}).content == b"applied"
    local = Subscription.objects.get(pk=sub.pk)
    assert (local.plan, local.scheduled_plan) == (plans["standard-1m"], None)
    clock.advance(dt.timedelta(days=30))  # into the renewed period
    assert subscription_current(user=member).plan.max_streams == 2


def test_cancelling_a_card_downgrade_releases_the_schedule(member, plans, premium, fake_gateway):
    _card_subscription(fake_gateway, member)
    sub = services.subscription_change_schedule(user=member, plan=plans["standard-1m"], currency="USD")
    services.subscription_change_unschedule(user=member)
    assert ("subscription_schedule_release", sub.stripe_schedule_id) in fake_gateway.calls
    assert fake_gateway.subscriptions["sub_D"]["schedule"] is None
    local = Subscription.objects.get(pk=sub.pk)
    assert (local.scheduled_plan, local.stripe_schedule_id) == (None, "")
    fake_gateway.renew("sub_D")
    assert subscription_sync(data=fake_gateway.subscriptions["sub_D"]).plan == premium


def test_cancelling_the_subscription_drops_the_scheduled_change_first(member, plans, premium, fake_gateway):
    _card_subscription(fake_gateway, member)
    services.subscription_change_schedule(user=member, plan=plans["standard-1m"], currency="USD")
    sub = services.subscription_cancel(user=member)  # Stripe refuses cancel_at_period_end under a schedule
    assert sub.state == Subscription.State.CANCELED and sub.scheduled_plan is None
    assert fake_gateway.subscriptions["sub_D"]["cancel_at_period_end"] is True


def test_the_account_page_schedules_shows_and_cancels_a_downgrade(client, member, plans, premium):
    services.plan_purchase_record(user=member, plan=premium, currency="USD")
    client.force_login(member)
    assert "Switch at renewal" in client.get("/account/").content.decode()
    page = client.post("/account/plan-change/", {"plan": "standard-1m", "currency": "USD"},
                       follow=True).content.decode()
    end = subscription_current(user=member).current_period_end
    date = formats.date_format(end, "DATE_FORMAT")  # the locale's own date: "Dec. 25, 2026" in English
    assert f"From {date} your plan will be Standard monthly." in page
    assert 'id="scheduled-change"' in page and "Keep Premium monthly" in page
    page = client.post("/account/plan-change/cancel/", follow=True).content.decode()
    assert "The plan change is cancelled" in page and 'id="scheduled-change"' not in page
    page = client.post("/account/plan-change/", {"plan": "premium-1m", "currency": "USD"}, follow=True)
    assert "already on Premium monthly" in page.content.decode()


def test_manage_payment_method_is_hidden_without_stripe(client, member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    assert "Manage payment method" not in client.get("/account/").content.decode()
    page = client.post("/account/payment-method/", follow=True).content.decode()
    assert "There is no card on file" in page


def test_manage_payment_method_opens_a_stripe_portal_session(client, member, plans, premium, fake_gateway):
    _card_subscription(fake_gateway, member)
    client.force_login(member)
    assert "Manage payment method" in client.get("/account/").content.decode()
    response = client.post("/account/payment-method/")
    (session,) = fake_gateway.portal_sessions
    assert response.status_code == 302 and response["Location"] == session["url"]
    assert session["url"].startswith("https://billing.stripe.com/p/session/")
    assert (session["customer"], session["return_url"]) == ("cus_D", "http://testserver/account/")


def test_manage_payment_method_without_a_card_customer_says_so(client, member, plans, fake_gateway):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    assert "Manage payment method" not in client.get("/account/").content.decode()
    page = client.post("/account/payment-method/", follow=True).content.decode()
    assert "There is no card on file for this account yet" in page and not fake_gateway.portal_sessions


def test_an_upgrade_replaces_a_waiting_downgrade(member, plans, premium, fake_gateway):
    basic = Plan.objects.create(code="basic-1m", name="Basic monthly", term_months=1, max_streams=1, max_height=720)
    PlanPrice.objects.create(plan=basic, currency="USD", amount_minor=599, stripe_price_id="price_basic_usd")
    _card_subscription(fake_gateway, member, plan_code="standard-1m", price_id="price_standard_usd")
    sub = services.subscription_change_schedule(user=member, plan=basic, currency="USD")
    quote = upgrades.upgrade_quote(user=member, plan=premium, currency="USD")
    upgraded = upgrades.upgrade_accept(user=member, token=quote.token, success_url="", cancel_url="").subscription
    assert ("subscription_schedule_release", sub.stripe_schedule_id) in fake_gateway.calls
    assert fake_gateway.calls.index(("subscription_schedule_release", sub.stripe_schedule_id)) < \
        fake_gateway.calls.index(("subscription_plan_change", "sub_D"))
    assert (upgraded.plan, upgraded.scheduled_plan, upgraded.stripe_schedule_id) == (premium, None, "")
