"""Refunds and disputes that Stripe delivers before the payment they are about are kept and applied once that payment
is recorded: exactly once, whatever the order, however often Stripe redelivers (before issue 12 they were dropped)."""

import datetime as dt
import itertools

import pytest

from reelhouse.billing.models import Dispute, Payment, PendingStripeEvent
from reelhouse.core import clock
from reelhouse.core.models import AuditEvent
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)  # payment signals (stamps) are sent on commit
URL = "/billing/stripe/webhook/"
PRICE_6M = 5399


def post(client, evt, secret) -> bytes:
    payload = sp.body(evt)
    response = client.post(URL, payload, content_type="application/json",
                           headers={"Stripe-Signature": sp.sign(payload, secret)})
    assert response.status_code == 200
    return response.content


def _paid(member):
    return sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-6m", mode="payment", amount_total=PRICE_6M, payment_intent="pi_6m"))


# Every order of the payment, a refund and a redelivery of the refund (the same event id).
@pytest.mark.parametrize("order", list(itertools.permutations(["paid", "refund", "refund again"])))
def test_a_refund_that_arrives_before_its_payment_is_applied_once_the_payment_is_recorded(client, member, plans,
                                                                                          webhook_secret, order):
    refund = sp.event("charge.refunded", sp.charge_refunded(payment_intent="pi_6m", amount=PRICE_6M,
                                                            amount_refunded=2700))
    events = {"paid": _paid(member), "refund": refund, "refund again": refund}
    for name in order:
        post(client, events[name], webhook_secret)
    payment = Payment.objects.get(user=member)
    assert (payment.state, payment.refunded_minor) == (Payment.State.PAID, 2700)
    assert AuditEvent.objects.filter(action="payment.refunded").count() == 1
    assert stamps_balance(user=member) == 8 - 4  # half the money back: half the 8 stamps of a 6-month payment
    assert not PendingStripeEvent.objects.exists()


def test_a_full_refund_before_the_payment_takes_the_access_back(client, member, plans, webhook_secret):
    from reelhouse.billing.selectors import subscription_current

    assert post(client, sp.event("charge.refunded", sp.charge_refunded(
        payment_intent="pi_6m", amount=PRICE_6M, amount_refunded=PRICE_6M)), webhook_secret) == b"applied"
    assert PendingStripeEvent.objects.get().payment_intent_id == "pi_6m"
    post(client, _paid(member), webhook_secret)
    assert Payment.objects.get(user=member).state == Payment.State.REFUNDED
    clock.advance(dt.timedelta(seconds=2))  # a refund never ends access before the instant it was bought
    assert subscription_current(user=member) is None and stamps_balance(user=member) == 0


DISPUTE_STEPS = ["paid", "created", "created again", "lost"]


@pytest.mark.parametrize("order", [o for o in itertools.permutations(DISPUTE_STEPS)
                                   if o.index("created") < o.index("created again")])
def test_a_dispute_that_overtakes_its_payment_is_withdrawn_once_in_any_order(client, member, plans, webhook_secret,
                                                                             order):
    opened = sp.dispute(payment_intent="pi_6m", amount=PRICE_6M)
    created = sp.event("charge.dispute.created", opened)
    events = {"paid": _paid(member), "created": created, "created again": created,
              "lost": sp.event("charge.dispute.closed", sp.dispute_as(opened, status="lost"))}
    for name in order:
        post(client, events[name], webhook_secret)
    payment = Payment.objects.get(user=member)
    dispute = Dispute.objects.get()
    assert dispute.status == Dispute.Status.LOST and dispute.payment == payment
    if order.index("lost") < order.index("created"):  # the outcome came first: the late creation withdraws nothing
        assert (payment.state, payment.refunded_minor, dispute.withdrawn_minor) == (Payment.State.PAID, 0, 0)
    else:
        assert (payment.state, payment.refunded_minor) == (Payment.State.DISPUTED, PRICE_6M)
        assert AuditEvent.objects.filter(action="payment.charged_back").count() == 1
        assert stamps_balance(user=member) == 0
    assert AuditEvent.objects.filter(action="dispute.closed").count() == 1
    assert not PendingStripeEvent.objects.exists()


def test_an_event_for_a_payment_that_never_comes_stays_pending_and_touches_nothing(client, member, plans,
                                                                                   webhook_secret):
    post(client, _paid(member), webhook_secret)
    stranger = sp.dispute(payment_intent="pi_not_ours", amount=1000)
    post(client, sp.event("charge.dispute.created", stranger), webhook_secret)
    post(client, sp.event("checkout.session.completed", sp.checkout_session(
        user_id=member.pk, plan_code="standard-1m", mode="payment", amount_total=999, payment_intent="pi_other")),
        webhook_secret)
    assert PendingStripeEvent.objects.get().event_id.startswith("evt_") and not Dispute.objects.exists()
    assert set(Payment.objects.values_list("state", flat=True)) == {Payment.State.PAID}
