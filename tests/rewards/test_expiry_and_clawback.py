"""Stamps expiry (FIFO, idempotent), claw-back of earned and referral stamps on refunds and chargebacks."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command

from reelhouse.billing import services as billing
from reelhouse.billing.models import Payment
from reelhouse.core import clock
from reelhouse.rewards import services
from reelhouse.rewards.models import Referral, StampEntry
from reelhouse.rewards.selectors import stamps_balance
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)  # payment signals are sent on commit


@pytest.fixture
def expire_after_12_months(settings):
    settings.REELHOUSE_STAMPS_EXPIRE_MONTHS = 12


def _advance(**kw) -> None:
    clock.advance(clock.now() + relativedelta(**kw) - clock.now())


def _pay(user, plans, code="standard-1m"):
    return billing.plan_purchase_record(user=user, plan=plans[code], currency="USD")


def test_stamps_do_not_expire_unless_the_operator_says_so(alice, admin_user, capsys):
    services.stamps_grant(user=alice, amount=5, note="welcome", actor=admin_user)
    clock.advance(dt.timedelta(days=3650))
    assert services.stamps_expire() == 0
    call_command("stamps", "expire")
    assert "do not expire here" in capsys.readouterr().out and stamps_balance(user=alice) == 5


def test_expiry_takes_the_oldest_unspent_stamps_once(alice, admin_user, plans, expire_after_12_months, capsys):
    services.stamps_grant(user=alice, amount=10, note="old", actor=admin_user)  # lot 1: 10
    _advance(months=6)
    services.stamps_grant(user=alice, amount=8, note="newer", actor=admin_user)  # lot 2: 8
    services.stamps_grant(user=alice, amount=-4, note="correction", actor=admin_user)  # spends lot 1 first: 6 left
    _advance(months=6, days=1)  # lot 1 is past 12 months, lot 2 is not
    call_command("stamps", "expire")
    call_command("stamps", "expire")  # a second run (or a second machine) expires nothing more
    assert capsys.readouterr().out.splitlines() == ["6 stamp(s) expired", "0 stamp(s) expired"]
    assert stamps_balance(user=alice) == 8
    (expired,) = StampEntry.objects.filter(kind=StampEntry.Kind.EXPIRE)
    assert (expired.delta, expired.note) == (-6, f"earned {(clock.now() - relativedelta(months=12, days=1)):%Y-%m-%d}")
    _advance(months=6)
    assert services.stamps_expire() == 8 and stamps_balance(user=alice) == 0
    assert services.stamps_expire() == 0 and stamps_balance(user=alice) == 0


def test_expired_stamps_cannot_be_spent_even_before_the_job_runs(alice, admin_user, expire_after_12_months):
    reward = services.rewards_ensure()[0]
    services.stamps_grant(user=alice, amount=12, note="old", actor=admin_user)
    _advance(months=12, days=1)
    services.stamps_grant(user=alice, amount=5, note="new", actor=admin_user)
    with pytest.raises(services.RewardsError, match="costs 12 stamps and you have 5"):
        services.stamps_redeem(user=alice, reward=reward)
    assert stamps_balance(user=alice) == 5


def test_a_spent_lot_leaves_nothing_to_expire_and_the_balance_never_goes_negative(alice, plans, admin_user,
                                                                                   expire_after_12_months):
    reward = services.rewards_ensure()[0]
    _pay(alice, plans, "standard-12m")  # 16 stamps
    services.stamps_redeem(user=alice, reward=reward)  # 4 left, of the same lot
    _advance(months=13)
    assert services.stamps_expire() == 4 and stamps_balance(user=alice) == 0
    assert services.stamps_expire() == 0 and stamps_balance(user=alice) == 0


def test_the_expiry_setting_must_be_a_whole_non_negative_number(settings, alice):
    settings.REELHOUSE_STAMPS_EXPIRE_MONTHS = "a year"
    with pytest.raises(ValueError, match="must be a whole number of months \\(got 'a year'\\)"):
        services.stamps_expire()


def _refer(alice, bob):
    services.referral_record(referee=bob, code=services.stamp_account_ensure(user=alice).referral_code)


def test_refunding_the_referees_first_payment_claws_back_both_sides_referral_stamps(alice, bob, plans):
    _refer(alice, bob)
    first = _pay(bob, plans, "standard-3m")  # bob: 3 + 1 bonus + 3 referral; alice: 3 referral
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (3, 7)
    assert Referral.objects.get().payment == first
    billing.payment_refund_record(payment=first, refunded_minor=first.amount_minor)
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (0, 0)
    notes = set(StampEntry.objects.filter(kind=StampEntry.Kind.CLAWBACK).values_list("note", flat=True))
    assert notes == {f"refund of {first.number}"}
    billing.payment_refund_record(payment=first, refunded_minor=first.amount_minor)  # recorded again: no change
    assert StampEntry.objects.filter(kind=StampEntry.Kind.CLAWBACK).count() == 3


def test_a_later_refund_leaves_the_referral_alone_and_spent_stamps_are_not_taken_twice(alice, bob, plans):
    _refer(alice, bob)
    _pay(bob, plans)
    second = _pay(bob, plans)
    billing.payment_refund_record(payment=second, refunded_minor=second.amount_minor)
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (3, 1 + 3)
    services.stamps_grant(user=alice, amount=-3, note="spent elsewhere")
    first = Payment.objects.filter(user=bob).order_by("id").first()
    billing.payment_refund_record(payment=first, refunded_minor=first.amount_minor)
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (0, 0)


def test_a_stripe_chargeback_claws_back_stamps_and_takes_back_access(client, alice, bob, plans, settings):
    from reelhouse.billing.selectors import subscription_current

    settings.STRIPE_WEBHOOK_SECRET = secret = "whsec_test_disputes"
    _refer(alice, bob)

    def post(evt):
        payload = sp.body(evt)
        return client.post("/billing/stripe/webhook/", payload, content_type="application/json",
                           headers={"Stripe-Signature": sp.sign(payload, secret)})

    post(sp.event("checkout.session.completed", sp.checkout_session(
        user_id=bob.pk, plan_code="standard-6m", mode="payment", amount_total=5399, payment_intent="pi_cb")))
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (3, 6 + 2 + 3)
    evt = sp.event("charge.dispute.created", sp.dispute(payment_intent="pi_cb", amount=5399))
    assert post(evt).content == b"applied"
    assert post(evt).content == b"ignored"  # Stripe delivers it again
    payment = Payment.objects.get(user=bob)
    assert (payment.state, payment.refunded_minor) == (Payment.State.DISPUTED, 5399)
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (0, 0)
    assert StampEntry.objects.filter(note=f"chargeback of {payment.number}").count() == 3
    assert subscription_current(user=bob, at=clock.now() + dt.timedelta(minutes=1)) is None


def test_the_operator_records_a_refund_in_the_admin_and_the_stamps_follow(admin_client, alice, bob, plans):
    _refer(alice, bob)
    first = _pay(bob, plans)
    response = admin_client.post("/admin/billing/payment/", {"action": "record_full_refund",
                                                             "_selected_action": [first.pk]}, follow=True)
    assert "1 payment(s) marked refunded." in response.content.decode()
    first.refresh_from_db()
    assert first.state == Payment.State.REFUNDED
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (0, 0)


def test_self_referral_is_refused_from_the_account_page(client, alice):
    own = services.stamp_account_ensure(user=alice).referral_code
    client.force_login(alice)
    page = client.post("/account/referral/", {"code": own}, follow=True).content.decode()
    assert "You cannot refer yourself." in page and not Referral.objects.exists()


def test_the_account_page_says_which_stamps_expire_when(client, alice, admin_user, expire_after_12_months):
    from django.utils import formats

    services.stamps_grant(user=alice, amount=4, note="first", actor=admin_user)
    earned = StampEntry.objects.get().at
    _advance(months=1)
    services.stamps_grant(user=alice, amount=2, note="second", actor=admin_user)
    client.force_login(alice)
    page = client.get("/account/").content.decode()
    date = formats.date_format(earned + relativedelta(months=12), "DATE_FORMAT")
    assert f'<span id="stamps-expiry">4 stamps expire on {date}.</span>' in page
