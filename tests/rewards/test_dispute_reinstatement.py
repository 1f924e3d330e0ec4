"""Stamps after a won dispute: what the chargeback clawed back comes back once, as a compensating ledger entry."""

import pytest
from dateutil.relativedelta import relativedelta

from reelhouse.billing import services as billing
from reelhouse.billing.models import Dispute
from reelhouse.core import clock
from reelhouse.rewards import services
from reelhouse.rewards.models import StampEntry
from reelhouse.rewards.selectors import stamps_balance

pytestmark = pytest.mark.django_db(transaction=True)  # payment signals are sent on commit


def _pay(user, plans, code):
    return billing.plan_purchase_record(user=user, plan=plans[code], currency="USD")


def _charged_back(payment, dispute_id="du_test_1") -> Dispute:
    dispute = billing.dispute_record(payment=payment, stripe_dispute_id=dispute_id, amount_minor=payment.amount_minor)
    return billing.dispute_withdraw(dispute=dispute)


def _advance(**kw) -> None:
    clock.advance(clock.now() + relativedelta(**kw) - clock.now())


def test_a_refund_after_a_won_dispute_claws_back_again(alice, plans):
    payment = _pay(alice, plans, "standard-3m")  # 3 + 1 bonus
    billing.dispute_close(dispute=_charged_back(payment), status=Dispute.Status.WON)
    assert stamps_balance(user=alice) == 4
    # The same refunded level as the chargeback's: the claw-back still happens (its entry gets a new name).
    billing.payment_refund_record(payment=payment, refunded_minor=payment.amount_minor)
    assert stamps_balance(user=alice) == 0
    assert sorted(StampEntry.objects.filter(kind=StampEntry.Kind.CLAWBACK).values_list("source", flat=True)) == [
        f"payment:{payment.pk}:{payment.amount_minor}", f"payment:{payment.pk}:{payment.amount_minor}:1"]


def test_only_what_the_chargeback_took_comes_back_when_stamps_were_spent(alice, plans):
    payment = _pay(alice, plans, "standard-12m")  # 12 + 4 bonus
    services.stamps_redeem(user=alice, reward=services.rewards_ensure()[0])  # 12 spent, 4 left
    dispute = _charged_back(payment)
    assert stamps_balance(user=alice) == 0  # the claw-back could take only the 4 left
    billing.dispute_close(dispute=dispute, status=Dispute.Status.WON)
    assert stamps_balance(user=alice) == 4
    (entry,) = StampEntry.objects.filter(kind=StampEntry.Kind.REINSTATE)
    assert (entry.delta, entry.source, entry.note) == (4, f"payment:{payment.pk}:dispute:{dispute.pk}",
                                                       f"dispute won on {payment.number}")


def test_reinstating_the_same_dispute_again_adds_nothing(alice, bob, plans):
    services.referral_record(referee=bob, code=services.stamp_account_ensure(user=alice).referral_code)
    payment = _pay(bob, plans, "standard-1m")  # bob: 1 + 3 referral; alice: 3 referral
    dispute = billing.dispute_close(dispute=_charged_back(payment), status=Dispute.Status.WON)
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (3, 4)
    assert services.stamps_reinstate_for_dispute(payment=payment, dispute=dispute) == []
    assert (stamps_balance(user=alice), stamps_balance(user=bob)) == (3, 4)
    assert StampEntry.objects.filter(kind=StampEntry.Kind.REINSTATE).count() == 3


def test_reinstated_stamps_expire_counting_from_the_day_they_came_back(alice, plans, settings):
    settings.REELHOUSE_STAMPS_EXPIRE_MONTHS = 12
    payment = _pay(alice, plans, "standard-3m")  # 4 stamps
    dispute = _charged_back(payment)
    _advance(months=11)
    billing.dispute_close(dispute=dispute, status=Dispute.Status.WON)
    _advance(months=2)  # 13 months after they were earned, 2 after they came back
    assert services.stamps_expire() == 0 and stamps_balance(user=alice) == 4
    _advance(months=10, days=1)
    assert services.stamps_expire() == 4 and stamps_balance(user=alice) == 0
