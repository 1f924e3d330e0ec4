"""Cancel at period end, pause up to 12 weeks and resume, for local and Stripe-renewed subscriptions."""

import datetime as dt
import time

import pytest

from reelhouse.billing import services
from reelhouse.billing.models import Subscription
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db


def test_cancel_keeps_access_to_the_end_and_can_be_undone(member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    sub = services.subscription_cancel(user=member)
    assert sub.state == Subscription.State.CANCELED and subscription_current(user=member) == sub
    assert services.subscription_cancel(user=member, undo=True).state == Subscription.State.ACTIVE
    services.subscription_cancel(user=member)
    clock.advance(dt.timedelta(days=32))
    assert subscription_current(user=member) is None
    with pytest.raises(services.BillingError, match="no current subscription"):
        services.subscription_cancel(user=member)


def test_cancelling_a_stripe_subscription_asks_stripe_and_follows_its_answer(member, plans, fake_gateway):
    now = int(time.time())
    fake_gateway.subscriptions["sub_C"] = sp.subscription(sub_id="sub_C", customer="cus_C", user_id=member.pk,
                                                          status="active", period_start=now - 60,
                                                          period_end=now + 30 * 86400)
    from reelhouse.billing.stripe_sync import subscription_sync

    subscription_sync(data=fake_gateway.subscriptions["sub_C"])
    sub = services.subscription_cancel(user=member)
    assert fake_gateway.subscriptions["sub_C"]["cancel_at_period_end"] is True
    assert sub.state == Subscription.State.CANCELED and subscription_current(user=member) is not None


def test_pause_stops_access_keeps_the_paid_time_and_resumes_by_itself(member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    end_before = subscription_current(user=member).current_period_end
    paused = services.subscription_pause(user=member, weeks=2)
    assert subscription_current(user=member) is None
    assert paused.current_period_end == end_before + dt.timedelta(weeks=2)
    clock.advance(dt.timedelta(weeks=2, seconds=1))
    assert subscription_current(user=member) == paused


def test_resuming_early_gives_back_only_the_unused_pause(member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    end_before = subscription_current(user=member).current_period_end
    services.subscription_pause(user=member, weeks=4)
    clock.advance(dt.timedelta(weeks=1))
    sub = services.subscription_unpause(user=member)
    assert sub.state == Subscription.State.ACTIVE and subscription_current(user=member) == sub
    used_pause = sub.current_period_end - end_before  # the wall clock moves on a little between calls
    assert dt.timedelta(weeks=1) <= used_pause < dt.timedelta(weeks=1, seconds=5)


@pytest.mark.parametrize("weeks", [0, 13])
def test_pauses_are_one_to_twelve_weeks(member, plans, weeks):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    with pytest.raises(services.BillingError, match=f"1 to 12 weeks \\(asked for {weeks}\\)"):
        services.subscription_pause(user=member, weeks=weeks)


def test_pause_and_resume_from_the_account_page(client, member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    page = client.post("/account/pause/", {"weeks": "3"}, follow=True)
    assert "Paused for 3 weeks" in page.content.decode() and "Paused until" in page.content.decode()
    page = client.post("/account/unpause/", follow=True)
    assert "Welcome back" in page.content.decode() and subscription_current(user=member) is not None
    page = client.post("/account/pause/", {"weeks": "lots"}, follow=True)
    assert "Choose how many weeks" in page.content.decode()
