"""Counter-notices: forwarded to the claimant, the restoration day counted in the operator's business days (public
holidays from the `holidays` package skipped), the periodic job restoring on that day unless a court action was
reported."""

import datetime as dt

import pytest
from django.utils import timezone

from reelhouse.catalog.models import Work
from reelhouse.core import clock
from reelhouse.rights.counter_notices import (
    business_days_after,
    counter_notice_court_action,
    counter_notices_restore_due,
)
from reelhouse.rights.models import CounterNotice, Notice
from reelhouse.rights.notices import notice_decide
from tests.rights.test_notices import film, notice_data  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_restoration_counts_business_days_of_the_operators_country():
    friday = dt.date(2026, 11, 20)
    # In the US, Thanksgiving (Thursday 26 November 2026) is no business day; in France it is.
    assert business_days_after(friday, 10, country="US") == dt.date(2026, 12, 7)
    assert business_days_after(friday, 10, country="FR") == dt.date(2026, 12, 4)
    # Christmas and New Year's Day both fall on weekdays: two days later than the weekends alone would give.
    assert business_days_after(dt.date(2026, 12, 18), 10, country="FR") == dt.date(2027, 1, 5)


def counter_data(notice, **changes):
    data = {"reference": notice.reference, "name": "Uploader Films", "address": "2 Main St, Springfield",
            "email": "uploader@films.example", "phone": "", "material": "The Borrowed Reel at /films/x/",
            "mistake_statement": "on", "jurisdiction_consent": "on", "signature": "U. Ploader"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def accepted(client, film, smtp_server, settings):  # noqa: F811
    settings.REELHOUSE_OPERATOR_COUNTRY = "US"
    client.post("/legal/notice/", notice_data(film))
    notice = Notice.objects.get()
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="The claimant showed the rights.")
    smtp_server.messages.clear()
    return notice


def test_a_counter_notice_is_forwarded_and_the_work_comes_back_on_the_tenth_business_day(
        client, film, accepted, smtp_server, subscriber):  # noqa: F811
    assert Work.objects.get(pk=film.pk).published_at is None
    day = business_days_after(timezone.localdate(clock.now()), 10, country="US")
    shown = day.isoformat()
    incomplete = client.post("/legal/counter-notice/", counter_data(accepted, jurisdiction_consent=None))
    assert incomplete.status_code == 400 and "I consent to the jurisdiction" in incomplete.content.decode()
    response = client.post("/legal/counter-notice/", counter_data(accepted))
    assert response.status_code == 200 and shown in response.content.decode()
    counter = CounterNotice.objects.get()
    assert counter.restore_on == day and Notice.objects.get().state == "countered"
    recipients = sorted(to[0] for to, _ in smtp_server.messages)
    assert recipients == ["ada@claim.example", "uploader@films.example"]
    assert all(shown.encode() in raw and b"U. Ploader" in raw for _, raw in smtp_server.messages)

    assert counter_notices_restore_due(today=day - dt.timedelta(days=1)) == []
    assert Work.objects.get(pk=film.pk).published_at is None
    assert counter_notices_restore_due(today=day) == [counter]
    restored = Work.objects.get(pk=film.pk)
    assert restored.published_at == accepted.withdrawals.get().published_at_before
    assert Notice.objects.get().state == "restored" and accepted.withdrawals.get().lifted_at is not None
    client.force_login(subscriber)
    assert client.get(f"/films/{film.slug}/").status_code == 200
    assert [r["title"] for r in client.get("/search.json?q=borrowed").json()["results"]] == ["The Borrowed Reel"]
    assert counter_notices_restore_due(today=day + dt.timedelta(days=1)) == []  # once


def test_a_reported_court_action_keeps_the_work_withdrawn(client, film, accepted, smtp_server):  # noqa: F811
    client.post("/legal/counter-notice/", counter_data(accepted))
    counter = CounterNotice.objects.get()
    counter_notice_court_action(counter=counter, detail="Case 1:26-cv-0001")
    assert counter_notices_restore_due(today=counter.restore_on + dt.timedelta(days=30)) == []
    assert Work.objects.get(pk=film.pk).published_at is None and Notice.objects.get().state == "closed"


def test_only_an_accepted_notice_can_be_countered(client, film, smtp_server):  # noqa: F811
    client.post("/legal/notice/", notice_data(film))
    notice = Notice.objects.get()
    response = client.post("/legal/counter-notice/", counter_data(notice))
    assert response.status_code == 400 and "led to no withdrawal" in response.content.decode()
    response = client.post("/legal/counter-notice/", counter_data(notice, reference="RH-1999-000001"))
    assert "no notice with the reference RH-1999-000001" in response.content.decode()
    assert CounterNotice.objects.count() == 0
