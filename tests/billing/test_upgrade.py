"""Upgrading now: the subscriber sees a price, accepts it, pays it, and only then gets the new plan.

Until issue 12 any subscription not billed by Stripe (trial, gift code, stamps, operator grant, prepaid) was upgraded
by a bare POST that recorded an operator payment nobody collected, issued a VAT invoice for it and paid referral
stamps. These tests perform that request and check that nothing is given away."""

import datetime as dt
import time

import pytest

from reelhouse.billing import services, upgrades
from reelhouse.billing.models import Payment, Plan, PlanPrice, Subscription, UpgradeOrder, VoucherBatch
from reelhouse.billing.selectors import subscription_current
from reelhouse.billing.stripe_sync import subscription_sync
from reelhouse.core import clock
from reelhouse.rewards import services as rewards
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)  # receipts and stamps follow the payment's commit
URL = "/billing/stripe/webhook/"


@pytest.fixture
def premium(plans):
    plan = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4,
                               max_height=2160)
    PlanPrice.objects.create(plan=plan, currency="USD", amount_minor=1599, stripe_price_id="price_premium_usd")
    return plan


@pytest.fixture
def referrer(db):
    from reelhouse.accounts.services import user_create

    return user_create(email="referrer@example.com", password="correct horse battery", display_name="Referrer")


def _gift(member, plan, months=1):
    batch = services.voucher_batch_create(name="gift", plan=plan, months=months, count=1)
    return services.voucher_redeem(user=member, code=batch.vouchers.get().code)


def _stamps_reward(client, member, plans, secret):
    from reelhouse.rewards.models import Reward

    reward = Reward.objects.filter(months__gte=1, is_active=True).order_by("cost").first()
    rewards.stamps_grant(user=member, amount=reward.cost, note="loyal viewer")
    rewards.stamps_redeem(user=member, reward=reward)


def _prepaid_by_checkout(client, member, plans, webhook_secret):
    _post(client, sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-1m", mode="payment", amount_total=999, payment_intent="pi_pre")),
        webhook_secret)


def _post(client, evt, secret) -> bytes:
    payload = sp.body(evt)
    response = client.post(URL, payload, content_type="application/json",
                           headers={"Stripe-Signature": sp.sign(payload, secret)})
    assert response.status_code == 200
    return response.content


SOURCES = {
    "gift code": lambda client, member, plans, secret: _gift(member, plans["standard-1m"]),
    "operator grant": lambda client, member, plans, secret: services.subscription_grant(
        user=member, plan=plans["standard-1m"], days=30),
    "stamps": _stamps_reward,
    "prepaid by checkout": _prepaid_by_checkout,
}


@pytest.mark.parametrize("source", SOURCES)
def test_a_bare_upgrade_post_gives_nothing_away(client, member, referrer, plans, premium, fake_gateway,
                                                webhook_secret, source):
    """The attack: POST /account/upgrade/ as the account page's old form did, on a subscription Stripe does not bill."""
    rewards.referral_record(referee=member, code=rewards.stamp_account_ensure(user=referrer).referral_code)
    SOURCES[source](client, member, plans, webhook_secret)
    payments_before = list(Payment.objects.filter(user=member).values_list("number", flat=True))
    referrer_stamps = stamps_balance(user=referrer)
    client.force_login(member)
    page = client.post("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}, follow=True).content.decode()
    assert "That upgrade price is not valid" in page
    assert subscription_current(user=member).plan.code == "standard-1m"
    assert list(Payment.objects.filter(user=member).values_list("number", flat=True)) == payments_before
    assert stamps_balance(user=referrer) == referrer_stamps
    assert not fake_gateway.checkouts and not UpgradeOrder.objects.exists()


def test_a_gift_code_upgrade_is_paid_by_checkout_and_applied_once_stripe_confirms(client, member, referrer, plans,
                                                                                  premium, fake_gateway,
                                                                                  webhook_secret):
    rewards.referral_record(referee=member, code=rewards.stamp_account_ensure(user=referrer).referral_code)
    gift = _gift(member, plans["standard-1m"])
    clock.advance((gift.current_period_end - clock.now()) - dt.timedelta(days=15))  # 15 days left
    client.force_login(member)
    page = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"})
    assert page.status_code == 200
    amount = round((1599 - 999) / 30 * 15)  # 300: half a month of the 6.00 difference
    assert page.context["quote"].amount_minor == amount and "$3.00" in page.content.decode()
    token = page.context["quote"].token
    # Accepting it sends the subscriber to Stripe Checkout; nothing is given before the money arrives.
    first = client.post("/account/upgrade/", {"quote": token})
    again = client.post("/account/upgrade/", {"quote": token})  # a double-click: the same payment page
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] and first["Location"].startswith("https://checkout.stripe.com/")
    (checkout,) = fake_gateway.checkouts
    assert (checkout["mode"], checkout["amount_minor"], checkout["currency"]) == ("payment", amount, "USD")
    assert subscription_current(user=member).plan.code == "standard-1m" and not Payment.objects.exists()
    assert stamps_balance(user=referrer) == 0
    # Stripe confirms: a receipt for the money received, the new plan for the rest of the same period, stamps.
    session = fake_gateway.checkout_session_paid()
    evt = sp.event("checkout.session.completed", session)
    assert _post(client, evt, webhook_secret) == b"applied"
    sub = subscription_current(user=member)
    assert (sub.plan, sub.current_period_end) == (premium, gift.current_period_end)
    (payment,) = Payment.objects.filter(user=member)
    assert (payment.source, payment.amount_minor, payment.months) == (Payment.Source.STRIPE, amount, 0)
    assert payment.external_id == session["payment_intent"]
    assert stamps_balance(user=referrer) == 3  # the referral pays out on the first money received
    # Replays (the same event, or Stripe sending the session again under a new event id) change nothing.
    assert _post(client, evt, webhook_secret) == b"ignored"
    assert _post(client, sp.event("checkout.session.completed", session), webhook_secret) == b"applied"
    assert Payment.objects.filter(user=member).count() == 1 and stamps_balance(user=referrer) == 3
    assert UpgradeOrder.objects.get().state == UpgradeOrder.State.APPLIED


def test_a_trial_is_never_upgraded(client, member, plans, premium, fake_gateway):
    services.trial_start(user=member)
    client.force_login(member)
    page = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}, follow=True).content.decode()
    assert "A free trial cannot be upgraded. Buy a plan" in page
    with pytest.raises(services.BillingError, match="free trial cannot be upgraded"):
        upgrades.upgrade_quote(user=member, plan=premium, currency="USD")
    assert subscription_current(user=member).state == Subscription.State.TRIALING and not fake_gateway.checkouts


def test_an_upgrade_across_terms_needs_the_quote_the_subscriber_accepted(client, member, plans, fake_gateway,
                                                                         webhook_secret):
    yearly = _gift(member, plans["standard-12m"], months=12)
    premium_monthly = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4,
                                          max_height=2160)
    PlanPrice.objects.create(plan=premium_monthly, currency="USD", amount_minor=1599)
    client.force_login(member)
    page = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"})
    quote = page.context["quote"]
    assert quote.across_terms and 'id="upgrade-term"' in page.content.decode()
    # Another subscriber's quote, a tampered one, or none at all is refused.
    tampered = quote.token[:-3] + ("AAA" if not quote.token.endswith("AAA") else "BBB")
    for token in ("", tampered):
        assert "not valid" in client.post("/account/upgrade/", {"quote": token}, follow=True).content.decode()
    assert not fake_gateway.checkouts
    client.post("/account/upgrade/", {"quote": quote.token})
    assert fake_gateway.checkouts[0]["amount_minor"] == quote.amount_minor
    _post(client, sp.event("checkout.session.completed", fake_gateway.checkout_session_paid()), webhook_secret)
    sub = subscription_current(user=member)
    assert (sub.plan, sub.current_period_end) == (premium_monthly, yearly.current_period_end)


def test_a_quote_for_a_subscription_that_changed_is_refused(client, member, plans, premium, fake_gateway):
    _gift(member, plans["standard-1m"])
    client.force_login(member)
    token = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}).context["quote"].token
    _gift(member, plans["standard-1m"])  # another month: the quoted price no longer fits the period
    page = client.post("/account/upgrade/", {"quote": token}, follow=True)
    assert "Your subscription changed since that price was quoted" in page.content.decode()
    assert page.context["quote"].amount_minor > 0  # and here is the new price to accept
    clock.advance(dt.timedelta(minutes=31))
    token = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}).context["quote"].token
    clock.advance(dt.timedelta(minutes=31))
    page = client.post("/account/upgrade/", {"quote": token}, follow=True)
    assert "quoted more than 30 minutes ago" in page.content.decode() and not fake_gateway.checkouts


def test_a_quote_is_refused_to_another_account(client, member, referrer, plans, premium, fake_gateway):
    _gift(member, plans["standard-1m"])
    _gift(referrer, plans["standard-1m"])
    token = upgrades.upgrade_quote(user=member, plan=premium, currency="USD").token
    client.force_login(referrer)
    assert "not valid" in client.post("/account/upgrade/", {"quote": token}, follow=True).content.decode()
    assert not fake_gateway.checkouts


def test_without_card_payments_an_upgrade_is_refused_with_what_to_do(client, member, plans, premium):
    _gift(member, plans["standard-1m"])
    client.force_login(member)
    page = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}, follow=True).content.decode()
    assert "card payments are not set up on this server" in page
    assert subscription_current(user=member).plan.code == "standard-1m" and not Payment.objects.exists()


def test_a_payment_for_a_superseded_quote_is_recorded_but_changes_no_plan(client, member, plans, premium,
                                                                          fake_gateway, webhook_secret):
    _gift(member, plans["standard-1m"])
    client.force_login(member)
    token = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}).context["quote"].token
    client.post("/account/upgrade/", {"quote": token})
    services.subscription_pause(user=member, weeks=1)  # the period moves before the payment arrives
    _post(client, sp.event("checkout.session.completed", fake_gateway.checkout_session_paid()), webhook_secret)
    assert UpgradeOrder.objects.get().state == UpgradeOrder.State.SUPERSEDED
    assert Payment.objects.filter(user=member).count() == 1  # money received is on record, for a refund
    assert Subscription.objects.get(user=member).plan.code == "standard-1m"


def test_upgrade_halfway_through_the_month_costs_half_the_difference(member, plans, premium):
    sub = _gift(member, plans["standard-1m"])
    clock.advance((sub.current_period_end - clock.now()) - dt.timedelta(days=15))
    assert upgrades.upgrade_amount(sub=subscription_current(user=member), plan=premium, currency="USD") == 300


def test_a_downgrade_is_not_an_upgrade(member, plans, premium, fake_gateway):
    batch = VoucherBatch.objects.create(name="p", plan=premium, months=1)
    services.voucher_redeem(user=member, code=batch.vouchers.create(code="PREM-IUMX-XXXX-XXXX").code)
    with pytest.raises(services.BillingError, match="not an upgrade from Premium monthly"):
        upgrades.upgrade_quote(user=member, plan=plans["standard-1m"], currency="USD")


def _card_subscription(fake_gateway, member):
    now = int(time.time())
    fake_gateway.subscriptions["sub_U"] = sp.subscription(sub_id="sub_U", customer="cus_U", user_id=member.pk,
                                                          status="active", period_start=now - 60,
                                                          period_end=now + 30 * 86400)
    return subscription_sync(data=fake_gateway.subscriptions["sub_U"])


def test_a_card_subscription_is_upgraded_by_stripe_when_the_card_pays(client, member, plans, premium, fake_gateway):
    _card_subscription(fake_gateway, member)
    client.force_login(member)
    page = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"})
    assert "charged now to your card on file" in page.content.decode()
    page = client.post("/account/upgrade/", {"quote": page.context["quote"].token}, follow=True)
    assert "Upgraded to Premium monthly" in page.content.decode()
    assert ("subscription_plan_change", "sub_U") in fake_gateway.calls and not fake_gateway.checkouts
    assert subscription_current(user=member).plan == premium and not Payment.objects.exists()  # invoice.paid will


def test_a_declined_card_leaves_a_card_subscription_on_its_plan(client, member, plans, premium, fake_gateway):
    _card_subscription(fake_gateway, member)
    fake_gateway.card_declines = True
    client.force_login(member)
    token = client.get("/account/upgrade/", {"plan": "premium-1m", "currency": "USD"}).context["quote"].token
    page = client.post("/account/upgrade/", {"quote": token}, follow=True).content.decode()
    assert "Your card was not charged, so your plan has not changed" in page
    assert subscription_current(user=member).plan.code == "standard-1m"
    assert fake_gateway.subscriptions["sub_U"]["pending_update"]["subscription_items"][0]["price"]["id"] == \
        "price_premium_usd"


def test_the_account_page_offers_the_upgrade_as_a_price_to_see_first(client, member, plans, premium, fake_gateway):
    _gift(member, plans["standard-1m"])
    client.force_login(member)
    page = client.get("/account/").content.decode()
    assert "Upgrade now" in page and 'method="get" action="/account/upgrade/"' in page
