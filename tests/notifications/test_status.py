"""The public status page: no sign-in, briefly cacheable, EN/FR/DE; the status monitor degrades components when a
/readyz check fails (here: a media root that cannot be written) and opens one automatic incident, then puts them
back and resolves the incident when the check passes again."""

import datetime as dt
import signal

import pytest
from django.core.management import call_command

from reelhouse.core import clock
from reelhouse.notifications.models import Incident, StatusComponent
from reelhouse.notifications.status import status_checks, status_monitor
from reelhouse.notifications.tasks import announcements_mail_due

pytestmark = pytest.mark.django_db
ALL_PASS = {"database": None, "storage": None, "scheduler": None, "job_queue": None}


def test_status_page_is_public_cacheable_and_translated(client):
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert "max-age=30" in response["Cache-Control"]
    for name in ("Streaming", "Sign-in", "Payments", "New episodes"):
        assert name in page
    german = client.get("/status/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Dienststatus" in german and "Neue Folgen" in german and "Betriebsbereit" in german


def test_a_failed_check_degrades_its_components_with_one_incident_until_it_passes(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media root should be")
    settings.MEDIA_ROOT = str(blocker / "media")
    checks = status_checks()
    assert checks["storage"]  # the real /readyz check fails
    states = status_monitor(checks | {"scheduler": None, "job_queue": None})
    assert states["streaming"] == "degraded" and states["sign-in"] == "operational"
    status_monitor(checks | {"scheduler": None, "job_queue": None})  # still failing: no second incident
    [incident] = Incident.objects.all()
    assert incident.automatic and incident.state == "investigating" and incident.check_name == "storage"
    page = client.get("/status/").content.decode()
    assert "Degraded" in page and "storage:" in page

    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media").mkdir(exist_ok=True)
    assert status_checks()["storage"] is None
    assert status_monitor(ALL_PASS)["streaming"] == "operational"
    incident.refresh_from_db()
    assert incident.state == "resolved" and incident.resolved_at is not None
    assert [u.state for u in incident.updates.all()] == ["resolved", "investigating"]


def test_an_operators_outage_is_not_overridden_by_passing_checks():
    status_monitor(ALL_PASS)
    StatusComponent.objects.filter(code="payments").update(state="outage")
    assert status_monitor(ALL_PASS)["payments"] == "outage"


@pytest.mark.django_db(transaction=True)  # the real worker below closes its connection when done
def test_a_job_queue_no_worker_takes_degrades_new_episodes_until_a_worker_runs_it(settings):
    """The job-queue check for real: a job waits in the database queue with no worker, the monitor degrades what
    depends on workers (new episodes, payments); a worker takes the queue and the incident resolves."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    announcements_mail_due.enqueue()
    assert status_checks()["job_queue"] is None  # just queued: not stale
    clock.advance(dt.timedelta(minutes=20))
    waited = status_checks()["job_queue"]
    assert waited and "20 minutes" in waited
    states = status_monitor(ALL_PASS | {"job_queue": waited})
    assert (states["new-episodes"], states["payments"], states["streaming"]) == ("degraded", "degraded", "operational")
    [incident] = Incident.objects.filter(check_name="job_queue")

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:  # django-tasks-db's real worker, in this process, until the queue is empty
        call_command("db_worker", queue_name="default", batch=True, startup_delay=False, reload=False, interval=0,
                     verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert status_checks()["job_queue"] is None
    assert status_monitor(ALL_PASS)["new-episodes"] == "operational"
    incident.refresh_from_db()
    assert incident.state == "resolved"
