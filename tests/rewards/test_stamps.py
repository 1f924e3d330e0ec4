"""The stamps ledger: earning, operator grants, redemption, referrals, claw-back on refund."""

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing import services as billing
from reelhouse.billing.selectors import subscription_current
from reelhouse.core import clock
from reelhouse.rewards import services
from reelhouse.rewards.models import Referral, StampEntry
from reelhouse.rewards.selectors import stamps_balance, stamps_history

pytestmark = pytest.mark.django_db(transaction=True)  # payment signals are sent on commit


def _pay(user, plans, code="standard-1m"):
    return billing.plan_purchase_record(user=user, plan=plans[code], currency="USD")


@pytest.mark.parametrize("code, stamps", [("standard-1m", 1), ("standard-3m", 4), ("standard-6m", 8),
                                          ("standard-12m", 16)])
def test_each_paid_month_earns_a_stamp_and_prepaid_terms_earn_a_bonus(alice, plans, code, stamps):
    payment = _pay(alice, plans, code)
    assert stamps_balance(user=alice) == stamps
    services.stamps_earn_for_payment(payment=payment)  # a retried signal earns nothing more
    assert stamps_balance(user=alice) == stamps


def test_twelve_stamps_buy_a_free_month(alice, plans):
    reward = services.rewards_ensure()[0]
    _pay(alice, plans, "standard-12m")
    end_before = subscription_current(user=alice).current_period_end
    services.stamps_redeem(user=alice, reward=reward)
    assert stamps_balance(user=alice) == 16 - 12
    end_after = subscription_current(user=alice).current_period_end
    assert (end_after.year * 12 + end_after.month) - (end_before.year * 12 + end_before.month) == 1
    with pytest.raises(services.RewardsError, match="costs 12 stamps and you have 4"):
        services.stamps_redeem(user=alice, reward=reward)
    kinds = [e.kind for e in stamps_history(user=alice)]
    assert kinds == [StampEntry.Kind.REDEEM, StampEntry.Kind.PREPAID_BONUS, StampEntry.Kind.PAYMENT]


def test_operator_grants_and_corrections_never_go_below_zero(alice, admin_user):
    services.stamps_grant(user=alice, amount=5, note="apology for the outage", actor=admin_user)
    services.stamps_grant(user=alice, amount=-2, note="correction", actor=admin_user)
    assert stamps_balance(user=alice) == 3
    with pytest.raises(services.RewardsError, match="has 3 stamps; cannot remove 4"):
        services.stamps_grant(user=alice, amount=-4, note="too much", actor=admin_user)


def test_the_ledger_is_append_only(alice, admin_user):
    entry = services.stamps_grant(user=alice, amount=5, note="gift", actor=admin_user)
    entry.delta = 500
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert stamps_balance(user=alice) == 5


def test_referral_rewards_both_sides_after_the_first_payment_only(alice, bob, plans):
    code = services.stamp_account_ensure(user=alice).referral_code
    services.referral_record(referee=bob, code=code.lower())
    assert stamps_balance(user=alice) == 0
    _pay(bob, plans)
    _pay(bob, plans)
    assert stamps_balance(user=alice) == 3
    assert stamps_balance(user=bob) == 3 + 2
    assert Referral.objects.get().rewarded_at is not None


def test_self_referral_and_late_referral_are_refused(alice, bob, plans):
    own = services.stamp_account_ensure(user=alice).referral_code
    with pytest.raises(services.RewardsError, match="cannot refer yourself"):
        services.referral_record(referee=alice, code=own)
    alias = user_create(email="Alice+second@example.com", password="correct horse battery")
    with pytest.raises(services.RewardsError, match="cannot refer yourself"):
        services.referral_record(referee=alias, code=own)
    _pay(bob, plans)
    with pytest.raises(services.RewardsError, match="before their first payment"):
        services.referral_record(referee=bob, code=own)
    with pytest.raises(services.RewardsError, match="no referral code 'NOPE'"):
        services.referral_record(referee=alias, code="NOPE")


def test_refund_claws_back_only_what_is_left(alice, plans):
    payment = _pay(alice, plans, "standard-12m")
    services.stamps_redeem(user=alice, reward=services.rewards_ensure()[0])  # 16 - 12 = 4 left
    billing.payment_refund_record(payment=payment, refunded_minor=payment.amount_minor)
    assert stamps_balance(user=alice) == 0
    assert StampEntry.objects.filter(kind=StampEntry.Kind.CLAWBACK).get().delta == -4


def test_account_page_shows_balance_history_and_redeems(client, alice, plans):
    services.rewards_ensure()
    _pay(alice, plans, "standard-12m")
    client.force_login(alice)
    text = client.get("/account/").content.decode()
    assert "You have 16 stamps." in text and "Prepaid bonus" in text and "One free month" in text
    page = client.post("/account/stamps/free-month/redeem/", follow=True)
    assert "Redeemed: One free month." in page.content.decode() and "You have 4 stamps." in page.content.decode()
    assert clock.now() < subscription_current(user=alice).current_period_end
