"""The public status page: no sign-in, briefly cacheable, EN/FR/DE; the status monitor degrades components when a
/readyz check fails (here: a media root that cannot be written) and opens one automatic incident, then puts them
back and resolves the incident when the check passes again."""

import pytest

from reelhouse.notifications.models import Incident, StatusComponent
from reelhouse.notifications.status import status_checks, status_monitor

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
