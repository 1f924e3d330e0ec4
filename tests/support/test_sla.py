"""Service levels: business time (hours, working days, public holidays, the desk's time zone) and timers that
pause while a request waits on the subscriber."""

import datetime as dt

import pytest

from reelhouse.support import services, sla
from reelhouse.support.models import Ticket

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _hours(settings):
    settings.REELHOUSE_SUPPORT_HOURS, settings.REELHOUSE_SUPPORT_DAYS = "09:00-17:00", "0-4"
    settings.REELHOUSE_SUPPORT_TIMEZONE, settings.REELHOUSE_OPERATOR_COUNTRY = "UTC", "US"


@pytest.mark.parametrize("start, end, hours", [
    (dt.datetime(2026, 12, 7, 10, tzinfo=UTC), dt.datetime(2026, 12, 7, 12, tzinfo=UTC), 2),  # Monday morning
    (dt.datetime(2026, 12, 7, 16, tzinfo=UTC), dt.datetime(2026, 12, 8, 10, tzinfo=UTC), 2),  # over the night
    (dt.datetime(2026, 12, 4, 16, tzinfo=UTC), dt.datetime(2026, 12, 7, 10, tzinfo=UTC), 2),  # over the weekend
    (dt.datetime(2026, 12, 24, 16, tzinfo=UTC), dt.datetime(2026, 12, 28, 10, tzinfo=UTC), 2),  # Christmas (US)
    (dt.datetime(2026, 12, 5, 10, tzinfo=UTC), dt.datetime(2026, 12, 6, 12, tzinfo=UTC), 0),  # Saturday to Sunday
    (dt.datetime(2026, 12, 7, 12, tzinfo=UTC), dt.datetime(2026, 12, 7, 10, tzinfo=UTC), 0),  # backwards
])
def test_business_seconds(start, end, hours):
    assert sla.business_seconds(start, end) == hours * 3600


def test_business_hours_follow_the_desks_time_zone(settings):
    settings.REELHOUSE_SUPPORT_TIMEZONE = "Europe/Berlin"  # 09:00-17:00 in Berlin is 08:00-16:00 UTC in December
    start, end = dt.datetime(2026, 12, 7, 7, tzinfo=UTC), dt.datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert sla.business_seconds(start, end) == 3600


@pytest.mark.django_db
def test_waiting_on_the_subscriber_pauses_the_resolution_timer_not_the_first_response(subscriber, monkeypatch):
    from reelhouse.core import clock

    monday = dt.datetime(2026, 12, 7, 9, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: now[0])
    now = [monday]
    ticket = services.ticket_open(user=subscriber, email=subscriber.email, subject="x", body="y", acknowledge=False)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=monday)  # model defaults hold the unpatched clock
    ticket.refresh_from_db()
    now[0] = monday + dt.timedelta(hours=2)
    services.agent_reply(ticket=ticket, agent=None, body="Try again?")
    now[0] = monday + dt.timedelta(hours=7)  # five hours waiting on the subscriber
    timers = sla.timers(ticket)
    assert (timers.first_response_s, timers.resolution_s, timers.paused) == (2 * 3600, 2 * 3600, True)
    services.requester_message_add(ticket=ticket, body="Still broken.")
    now[0] = monday + dt.timedelta(hours=8)
    ticket.refresh_from_db()
    timers = sla.timers(ticket)
    assert (timers.resolution_s, timers.paused) == (3 * 3600, False)
    assert not timers.breached  # normal priority: 8 h first response, 40 h resolution
    ticket.priority = Ticket.Priority.URGENT  # urgent: 1 h first response
    assert sla.timers(ticket).first_response_breached


@pytest.mark.django_db
def test_the_service_level_page_plots_response_times_and_lists_breaches(agent_client, subscriber, agent, client):
    from reelhouse.core import clock
    from reelhouse.support import sla_report

    now = clock.now()
    late = services.ticket_open(user=subscriber, email=subscriber.email, subject="Old and urgent", body="y",
                                acknowledge=False)
    Ticket.objects.filter(pk=late.pk).update(created_at=now - dt.timedelta(days=10), priority="urgent")
    answered = services.ticket_open(user=subscriber, email=subscriber.email, subject="Answered", body="y",
                                    acknowledge=False)
    services.agent_reply(ticket=answered, agent=agent, body="Done", resolve=True)
    rows = sla_report.weekly_rows(now=now)
    assert len(rows) == sla_report.WEEKS and sum(r["opened"] for r in rows) == 2
    assert rows[-1]["answered"] == 1 and sum(r["breached"] for r in rows) >= 1
    page = agent_client.get("/support/desk/sla/").content.decode()
    assert "/support/desk/sla.svg" in page and late.reference in page and answered.reference not in page
    svg = agent_client.get("/support/desk/sla.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert b"Support response times per week" in svg.content
    csv = agent_client.get("/support/desk/sla.csv").content.decode()
    assert csv.splitlines()[0].startswith("week,opened,answered")
    client.force_login(subscriber)
    assert client.get("/support/desk/sla.svg").status_code == 403
