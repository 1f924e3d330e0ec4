"""Subscribers and plans shared by the stamps tests."""

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.billing import services as billing


@pytest.fixture
def plans(db):
    return {p.code: p for p in billing.plans_ensure()}


@pytest.fixture
def alice(db):
    return user_create(email="alice@example.com", password="correct horse battery", display_name="Alice")


@pytest.fixture
def bob(db):
    return user_create(email="bob@example.com", password="correct horse battery", display_name="Bob")
