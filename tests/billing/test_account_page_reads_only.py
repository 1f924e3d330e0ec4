"""The account page only reads (issue 14): its assembly is a selector, and the stamp account and referral code it
shows exist from the account's creation, so a GET writes nothing to the database."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelhouse.billing import services
from reelhouse.rewards.models import StampAccount


def test_a_new_account_has_its_referral_code_before_any_page_is_read(member):
    assert StampAccount.objects.get(user=member).referral_code


def test_reading_the_account_page_writes_nothing(client, member, plans):
    services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    client.force_login(member)
    code = StampAccount.objects.get(user=member).referral_code
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/account/")
    assert page.status_code == 200 and code in page.content.decode()
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
