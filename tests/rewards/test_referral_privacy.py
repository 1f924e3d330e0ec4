"""The referrer's pages never show the referee's email address: the stamps history says "a friend who joined on
<date>", in every language, and so does the referrer's data export. Entries written before (which named the
address) are rewritten by the migration."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from reelhouse.accounts.services import user_create
from reelhouse.billing import services as billing
from reelhouse.rewards import services
from reelhouse.rewards.models import StampEntry

pytestmark = pytest.mark.django_db(transaction=True)  # payment signals are sent on commit
REFEREE = "Bob.Private+films@example.org"


@pytest.fixture
def referred(alice, plans):
    bob = user_create(email=REFEREE, password="correct horse battery")
    services.referral_record(referee=bob, code=services.stamp_account_ensure(user=alice).referral_code)
    billing.plan_purchase_record(user=bob, plan=plans["standard-1m"], currency="USD")
    assert StampEntry.objects.filter(account__user=alice, kind=StampEntry.Kind.REFERRAL).exists()
    return bob


@pytest.mark.parametrize("language, neutral", [("en", "a friend who joined on"), ("fr", "un ami inscrit le"),
                                               ("de", "ein Freund, der sich am")])
def test_the_referrers_pages_never_show_the_referees_address(alice, referred, language, neutral):
    client = Client(headers={"accept-language": language})
    client.force_login(alice)
    date = referred.date_joined.date().isoformat()
    pages = {path: client.get(path).content.decode() for path in ("/account/", "/accounts/privacy/export/")}
    for path, content in pages.items():
        assert "bob.private" not in content.lower() and "example.org" not in content, path
    assert f"{neutral} {date}" in pages["/account/"]


def test_old_referral_notes_that_named_the_address_are_rewritten(alice, referred):
    entry = StampEntry.objects.get(account__user=alice, kind=StampEntry.Kind.REFERRAL)
    own = StampEntry.objects.get(account__user=referred, kind=StampEntry.Kind.REFERRAL)
    StampEntry.objects.filter(pk__in=[entry.pk, own.pk]).update(note=f"referral of {referred.email}")  # as before
    importlib.import_module("reelhouse.rewards.migrations.0004_referral_notes_without_email").notes_neutralise(
        apps, None)
    entry.refresh_from_db(), own.refresh_from_db()
    assert entry.note == f"friend joined {referred.date_joined.date().isoformat()}"
    assert own.note == "joined with a friend's code"
    client = Client()
    client.force_login(alice)
    assert "bob.private" not in client.get("/account/").content.decode().lower()
