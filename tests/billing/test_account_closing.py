"""Closing an account ends its billing: the Stripe subscription is cancelled through the gateway, the Stripe customer
and our link to it go, the billing profile goes; the payments and their invoices stay for the tax records."""

import time

import pytest

from reelhouse.accounts.models import User
from reelhouse.billing import services
from reelhouse.billing.models import BillingProfile, Customer, Payment, Subscription
from reelhouse.billing.selectors import invoice_of
from reelhouse.billing.stripe_sync import subscription_sync
from tests.billing import stripe_payloads as sp

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def card_subscriber(member, plans, fake_gateway):
    """A member paying monthly by card: a Stripe subscription and customer, billing details, one invoice."""
    services.billing_profile_update(user=member, name="Ada Member", address="1 Rue de la Paix\n75002 Paris",
                                    country="FR", vat_id="")
    now = int(time.time())
    fake_gateway.subscriptions["sub_C"] = sp.subscription(sub_id="sub_C", customer="cus_C", user_id=member.pk,
                                                          status="active", period_start=now - 60,
                                                          period_end=now + 30 * 86400)
    Customer.objects.create(user=member, stripe_customer_id="cus_C")
    subscription_sync(data=fake_gateway.subscriptions["sub_C"])
    services.payment_record(user=member, plan=plans["standard-1m"], amount_minor=999, currency="EUR",
                            source=Payment.Source.STRIPE, external_id="in_C1", extend_access=False)
    return member


def test_closing_the_account_cancels_the_stripe_subscription_and_removes_billing_details(client, card_subscriber,
                                                                                         fake_gateway):
    client.force_login(card_subscriber)
    page = client.post("/accounts/privacy/", {"password": PASSWORD})
    assert b"Account closed" in page.content
    assert ("subscription_cancel_now", "sub_C") in fake_gateway.calls
    assert fake_gateway.subscriptions["sub_C"]["status"] == "canceled"  # nothing renews at Stripe
    assert fake_gateway.deleted_customers == ["cus_C"]  # the cards stored at Stripe go with the customer
    sub = Subscription.objects.get(stripe_subscription_id="sub_C")
    assert sub.state == Subscription.State.EXPIRED
    assert not Customer.objects.filter(user=card_subscriber).exists()
    assert not BillingProfile.objects.filter(user=card_subscriber).exists()
    # The invoice is kept, as issued, for the tax records.
    (payment,) = Payment.objects.filter(user=card_subscriber)
    assert invoice_of(payment=payment).buyer_lines[:3] == ["Ada Member", "1 Rue de la Paix", "75002 Paris"]
    assert User.objects.get(pk=card_subscriber.pk).email == f"deleted-{card_subscriber.pk}@invalid"


def test_when_stripe_cannot_cancel_the_account_stays_open_and_says_so(client, card_subscriber, fake_gateway):
    def unreachable(**kwargs):
        raise ConnectionError("api.stripe.com unreachable")

    fake_gateway.subscription_cancel_now = unreachable
    client.force_login(card_subscriber)
    page = client.post("/accounts/privacy/", {"password": PASSWORD})
    assert page.status_code == 400
    assert "could not be cancelled at the payment provider just now" in page.content.decode()
    user = User.objects.get(pk=card_subscriber.pk)
    assert user.is_active and user.email == "member@example.com" and user.profiles.exists()
    assert Customer.objects.filter(user=user).exists() and BillingProfile.objects.filter(user=user).exists()
    assert Subscription.objects.get(stripe_subscription_id="sub_C").state == Subscription.State.ACTIVE


def test_closing_ends_a_prepaid_subscription_without_the_payment_provider(client, member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-6m"], currency="USD")
    client.force_login(member)
    assert b"Account closed" in client.post("/accounts/privacy/", {"password": PASSWORD}).content
    sub = Subscription.objects.get(user=member)
    assert sub.state == Subscription.State.EXPIRED
    assert Payment.objects.filter(user=member).count() == 1


def test_a_closed_account_leaves_no_address_behind_and_its_trial_still_counts(client, member, plans):
    from reelhouse.accounts.services import user_create
    from reelhouse.billing.models import TrialUse
    from reelhouse.core import clock

    member.email_verified_at = clock.now()
    member.save(update_fields=["email_verified_at"])
    services.trial_start(user=member)
    client.force_login(member)
    assert b"Account closed" in client.post("/accounts/privacy/", {"password": PASSWORD}).content
    (use,) = TrialUse.objects.all()
    assert "member" not in use.person_key and "@" not in use.person_key  # a keyed digest, not the address
    again = user_create(email="Member+again@example.com", password=PASSWORD)  # the same mailbox signs up again
    again.email_verified_at = clock.now()
    again.save(update_fields=["email_verified_at"])
    with pytest.raises(services.TrialError, match="already been used with this email address"):
        services.trial_start(user=again)
