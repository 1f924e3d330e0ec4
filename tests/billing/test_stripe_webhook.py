"""The Stripe webhook: signature checks, each event applied once, order-independence through the gateway."""

import datetime as dt
import time

import pytest

from reelhouse.billing.models import Customer, Payment, ProcessedEvent, Subscription
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/billing/stripe/webhook/"


def post(client, evt, secret, *, header=None):
    payload = sp.body(evt)
    return client.post(URL, payload, content_type="application/json",
                       headers={"Stripe-Signature": header if header is not None else sp.sign(payload, secret)})


def test_unsigned_or_wrongly_signed_events_get_400_and_change_nothing(client, member, plans, webhook_secret):
    evt = sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-3m", mode="payment", amount_total=2799, payment_intent="pi_1"))
    assert post(client, evt, webhook_secret, header="").status_code == 400
    assert post(client, evt, "whsec_someone_else").status_code == 400
    stale = sp.sign(sp.body(evt), webhook_secret, timestamp=int(time.time()) - 3600)
    assert post(client, evt, webhook_secret, header=stale).status_code == 400
    tampered = sp.sign(sp.body(evt), webhook_secret)
    evt["data"]["object"]["amount_total"] = 1
    assert post(client, evt, webhook_secret, header=tampered).status_code == 400
    assert client.post(URL, "not json", content_type="application/json",
                       headers={"Stripe-Signature": sp.sign("not json", webhook_secret)}).status_code == 400
    assert not Payment.objects.exists() and not ProcessedEvent.objects.exists()


def test_prepaid_checkout_records_the_payment_once_and_earns_stamps(client, member, plans, webhook_secret):
    evt = sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-3m", mode="payment", amount_total=2799, payment_intent="pi_3m"))
    first = post(client, evt, webhook_secret)
    replays = [post(client, evt, webhook_secret) for _ in range(3)]
    assert first.status_code == 200 and first.content == b"applied"
    assert all(r.status_code == 200 and r.content == b"ignored" for r in replays)
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.currency, payment.months, payment.external_id) == (2799, "USD", 3, "pi_3m")
    assert subscription_current(user=member).current_period_end > clock.now() + dt.timedelta(days=85)
    assert stamps_balance(user=member) == 3 + 1  # 1 per month + the 3-month prepaid bonus
    assert Customer.objects.get(user=member).stripe_customer_id.startswith("cus_")


def _subscription_world(fake_gateway, member, status="active", **kw):
    now = int(time.time())
    sub = sp.subscription(sub_id="sub_1Qx", customer="cus_1Qx", user_id=member.pk, status=status,
                          period_start=now - 60, period_end=now + 30 * 86400, **kw)
    fake_gateway.subscriptions["sub_1Qx"] = sub
    return sub


def test_monthly_subscription_events_in_any_order(client, member, plans, webhook_secret, fake_gateway):
    _subscription_world(fake_gateway, member)
    paid = sp.event("invoice.paid", sp.invoice(sub_id="sub_1Qx", customer="cus_1Qx", amount=999))
    completed = sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-1m", mode="subscription", amount_total=999, customer="cus_1Qx",
        subscription="sub_1Qx"))
    # Stripe does not promise order: the invoice arrives before the checkout that created the customer.
    assert post(client, paid, webhook_secret).content == b"applied"
    assert post(client, completed, webhook_secret).content == b"applied"
    sub = Subscription.objects.get(stripe_subscription_id="sub_1Qx")
    assert sub.user == member and sub.state == Subscription.State.ACTIVE and subscription_current(user=member) == sub
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.months, payment.external_id) == (999, 1, paid["data"]["object"]["id"])
    assert stamps_balance(user=member) == 1


def test_failed_renewal_keeps_access_through_the_grace_period_then_stops(client, member, plans, webhook_secret,
                                                                         fake_gateway):
    sub = _subscription_world(fake_gateway, member)
    post(client, sp.event("customer.subscription.updated", sub), webhook_secret)
    fake_gateway.subscriptions["sub_1Qx"]["status"] = "past_due"
    failed = sp.invoice(sub_id="sub_1Qx", customer="cus_1Qx", amount=999, paid=False,
                        billing_reason="subscription_cycle")
    assert post(client, sp.event("invoice.payment_failed", failed), webhook_secret).status_code == 200
    local = Subscription.objects.get()
    assert local.state == Subscription.State.PAST_DUE and local.grace_until is not None
    assert subscription_current(user=member) == local
    clock.advance(dt.timedelta(days=8))
    assert subscription_current(user=member, at=clock.now()) is None


def test_a_stale_event_does_not_undo_a_later_cancellation(client, member, plans, webhook_secret, fake_gateway):
    stale = _subscription_world(fake_gateway, member)  # the event body says "active"...
    now = int(time.time())
    fake_gateway.subscriptions["sub_1Qx"].update(status="canceled", ended_at=now)  # ...but Stripe says canceled
    post(client, sp.event("customer.subscription.updated", stale), webhook_secret)
    local = Subscription.objects.get()
    assert local.state == Subscription.State.EXPIRED and subscription_current(user=member) is None
    assert ("subscription_retrieve", "sub_1Qx") in fake_gateway.calls


def test_cancel_at_period_end_keeps_access_until_then(client, member, plans, webhook_secret, fake_gateway):
    sub = _subscription_world(fake_gateway, member, cancel_at_period_end=True)
    post(client, sp.event("customer.subscription.updated", sub), webhook_secret)
    assert subscription_current(user=member).state == Subscription.State.CANCELED
    fake_gateway.subscriptions["sub_1Qx"].update(status="canceled", ended_at=int(time.time()))
    post(client, sp.event("customer.subscription.deleted", fake_gateway.subscriptions["sub_1Qx"]), webhook_secret)
    assert subscription_current(user=member) is None


def test_refund_marks_the_payment_shortens_access_and_claws_back_stamps(client, member, plans, webhook_secret):
    post(client, sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-6m", mode="payment", amount_total=5399, payment_intent="pi_6m")),
        webhook_secret)
    assert stamps_balance(user=member) == 6 + 2
    partial = sp.event("charge.refunded", sp.charge_refunded(payment_intent="pi_6m", amount=5399, amount_refunded=2700))
    post(client, partial, webhook_secret)
    assert stamps_balance(user=member) == 8 - 4  # half the money back: half the stamps
    full = sp.event("charge.refunded", sp.charge_refunded(payment_intent="pi_6m", amount=5399, amount_refunded=5399))
    post(client, full, webhook_secret)
    post(client, full, webhook_secret)  # a duplicate delivery
    payment = Payment.objects.get()
    assert (payment.state, payment.refunded_minor) == (Payment.State.REFUNDED, 5399)
    assert stamps_balance(user=member) == 0
    assert subscription_current(user=member, at=clock.now() + dt.timedelta(minutes=1)) is None


def test_events_of_other_types_are_acknowledged_and_ignored(client, webhook_secret, db):
    evt = sp.event("customer.created", {"id": "cus_x", "object": "customer"})
    response = post(client, evt, webhook_secret)
    assert response.status_code == 200 and response.content == b"ignored" and not ProcessedEvent.objects.exists()
