"""The operator's back office lists deliveries with state and reason, transcode jobs with progress, the catalog."""

from pathlib import Path

import pytest

from reelhouse.accounts.services import user_create
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator_client(client):
    client.force_login(user_create(email="operator@example.com", password="x" * 16, is_staff=True,
                                   is_superuser=True))
    return client


def test_back_office_shows_deliveries_jobs_and_catalog(operator_client, licensed_source, clip_cache):
    deliver(licensed_source, "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Arrival.mkv",
            clip_cache(seconds=2, size="640x360"))
    (Path(licensed_source.path) / "readme.txt").write_text("not a video")
    scan_until_settled(licensed_source)

    deliveries = operator_client.get("/admin/ingest/delivery/").content.decode()
    assert "published" in deliveries.lower() and "Quarantined" in deliveries and "not a video file" in deliveries
    jobs = operator_client.get("/admin/media/transcodejob/").content.decode()
    assert '<progress value="100"' in jobs
    assert "Arrival" in operator_client.get("/admin/catalog/episode/").content.decode()
    assert "Harbour Lights" in operator_client.get("/admin/catalog/series/").content.decode()


def test_subscribers_cannot_open_the_back_office(client, subscriber):
    client.force_login(subscriber)
    assert client.get("/admin/ingest/delivery/").status_code == 302
