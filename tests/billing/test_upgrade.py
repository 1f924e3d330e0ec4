"""Upgrading now with proration; downgrades are refused until the period ends."""

import datetime as dt
import time

import pytest

from reelhouse.billing import services
from reelhouse.billing.models import Payment, Plan, PlanPrice
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def premium(plans):
    plan = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4,
                               max_height=2160)
    PlanPrice.objects.create(plan=plan, currency="USD", amount_minor=1599, stripe_price_id="price_premium_usd")
    return plan


def test_upgrade_halfway_through_the_month_costs_half_the_difference(member, plans, premium):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    sub = subscription_current(user=member)
    clock.advance((sub.current_period_end - clock.now()) - dt.timedelta(days=15))  # 15 days left
    quote = services.upgrade_quote(user=member, plan=premium, currency="USD")
    assert quote == round((1599 - 999) / 30 * 15)  # 300: half a month of the 6.00 difference
    upgraded = services.subscription_upgrade(user=member, plan=premium, currency="USD")
    assert upgraded.plan == premium and subscription_current(user=member).plan.max_streams == 4
    proration = Payment.objects.filter(user=member).order_by("-id").first()
    assert (proration.amount_minor, proration.months) == (300, 0)
    assert upgraded.current_period_end == sub.current_period_end  # same period, better plan
    assert stamps_balance(user=member) == 1  # a proration buys no month, so it earns no stamp


def test_a_downgrade_is_not_an_upgrade(member, plans, premium):
    services.plan_purchase_record(user=member, plan=premium, currency="USD")
    with pytest.raises(services.BillingError, match="not an upgrade from Premium monthly"):
        services.subscription_upgrade(user=member, plan=plans["standard-1m"], currency="USD")


def test_a_card_subscription_is_upgraded_by_stripe_with_its_proration(member, plans, premium, fake_gateway):
    from reelhouse.billing.stripe_events import subscription_sync

    now = int(time.time())
    fake_gateway.subscriptions["sub_U"] = sp.subscription(sub_id="sub_U", customer="cus_U", user_id=member.pk,
                                                          status="active", period_start=now - 60,
                                                          period_end=now + 30 * 86400)
    subscription_sync(data=fake_gateway.subscriptions["sub_U"])
    upgraded = services.subscription_upgrade(user=member, plan=premium, currency="USD")
    assert ("subscription_plan_change", "sub_U") in fake_gateway.calls
    assert upgraded.plan == premium and not Payment.objects.exists()  # Stripe's invoice.paid records the money


def test_upgrade_from_the_account_page(client, member, plans, premium):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    assert "Upgrade now" in client.get("/account/").content.decode()
    page = client.post("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}, follow=True)
    assert "Upgraded to Premium monthly" in page.content.decode()
    assert "Premium monthly (Active)" in page.content.decode()
