"""Back-office fixtures: an operator, a paying clientele made through billing's services, a published film."""

import pytest
from django.test import Client

from reelhouse.accounts.services import user_create
from tests.conftest import with_role


@pytest.fixture
def plans(db):
    from reelhouse.billing.services import plans_ensure

    return {p.code: p for p in plans_ensure()}


@pytest.fixture
def operator(db):
    return with_role(user_create(email="operator@example.com", password="correct horse battery",
                                 display_name="Operator", is_staff=True), "finance")


@pytest.fixture
def operator_client(operator):
    staff = Client()
    staff.force_login(operator)
    return staff


def seed_customers(plans) -> list:
    """Four people: monthly (USD), 12 months prepaid (USD), 3 months prepaid (EUR), and a free trial."""
    from reelhouse.billing import services

    users = [user_create(email=f"c{i}@example.com", password="correct horse battery") for i in range(4)]
    services.plan_purchase_record(user=users[0], plan=plans["standard-1m"], currency="USD")
    services.plan_purchase_record(user=users[1], plan=plans["standard-12m"], currency="USD")
    services.plan_purchase_record(user=users[2], plan=plans["standard-3m"], currency="EUR")
    users[3].email_verified_at = users[3].date_joined  # a trial needs a confirmed address
    users[3].save(update_fields=["email_verified_at"])
    services.trial_start(user=users[3])
    return users


@pytest.fixture
def customers(plans):
    return seed_customers(plans)


@pytest.fixture
def published_film(licensed_source, clip_cache, django_capture_on_commit_callbacks):
    """A real delivery through scan, licence, transcode (real ffmpeg, 1 s clip) and publish."""
    from reelhouse.catalog.models import Film
    from reelhouse.ingest.models import Delivery
    from tests.conftest import deliver, scan_until_settled

    deliver(licensed_source, "Quiet Hours (2018)/Quiet Hours (2018).mp4", clip_cache(seconds=1, size="320x180"))
    with django_capture_on_commit_callbacks(execute=True):  # the transcode is queued on commit
        scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    return Film.objects.get()
