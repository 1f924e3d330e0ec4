"""Billing fixtures: a fake payment gateway at Stripe's boundary, a webhook secret, users."""

import pytest

from reelhouse.billing.gateway import gateway_set
from tests.billing.fakes import FakeGateway

WEBHOOK_SECRET = "whsec_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def fake_gateway():
    fake = FakeGateway()
    gateway_set(fake)
    yield fake
    gateway_set(None)


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


@pytest.fixture
def member(db):
    from reelhouse.accounts.services import user_create

    user = user_create(email="member@example.com", password="correct horse battery", display_name="Member")
    user.email_verified_at = user.date_joined  # confirmed: the free trial needs it
    user.save(update_fields=["email_verified_at"])
    return user


@pytest.fixture
def plans(db):
    from reelhouse.billing.services import plans_ensure

    return {p.code: p for p in plans_ensure()}

