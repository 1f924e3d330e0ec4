"""The attack: an account with no country (or a nonsense one) tries to get at a title licensed for one territory only.
Playback used to skip the territory check for an empty country while the catalog did not; rights.rule now gives a
viewer with no country worldwide titles only, everywhere: the watch page, starting a stream, renewing a running
stream's token (the heartbeat), a browser download and an app download are all refused, and a held download's file
stops opening."""

from pathlib import Path

import m3u8
import pytest
from django.conf import settings

from reelhouse.accounts.models import User
from reelhouse.catalog.models import Episode
from reelhouse.playback.models import Download
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def french_episode(licensed_source, clip_cache):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv",
            clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)
    licence = licensed_source.licence
    licence.territories = "FR"
    licence.save(update_fields=["territories"])
    return Episode.objects.select_related("asset").get()


def _country(user, code: str) -> None:
    User.objects.filter(pk=user.pk).update(country=code)


def _segment(episode) -> str:
    playlist = m3u8.load(str(Path(settings.MEDIA_ROOT) / episode.asset.directory / "v360" / "index.m3u8"))
    return f"v360/{playlist.segments[-1].uri}"


@pytest.mark.parametrize("country", ["", "1'"])
def test_no_country_cannot_start_or_download_a_territory_limited_title(client, subscriber, french_episode,
                                                                          country):
    _country(subscriber, country)
    client.force_login(subscriber)
    page = client.get(f"/watch/{french_episode.pk}/").content.decode()
    assert "without a country on your account" in page
    refused = start_playing(client, french_episode, expect=403)
    assert refused["code"] == "territory" and "without a country" in refused["reason"]
    browser = client.post(f"/watch/{french_episode.pk}/download/", {"label": ""})
    assert browser.status_code == 302 and browser["Location"].endswith("#downloads")
    app = client.post(f"/watch/{french_episode.pk}/download/app", {"label": ""})
    assert app.status_code == 403 and app.json()["error"] == "territory"
    assert not Download.objects.exists()


def test_a_running_stream_and_a_download_stop_when_the_country_is_cleared(client, subscriber, french_episode):
    _country(subscriber, "FR")
    client.force_login(subscriber)
    started = start_playing(client, french_episode)
    assert client.get(started["stream_prefix"] + _segment(french_episode)).status_code == 200
    kept = client.post(f"/watch/{french_episode.pk}/download/", {"label": ""})
    assert kept.status_code == 302 and kept["Location"].startswith("/download/")
    download = Download.objects.get()
    _country(subscriber, "")
    renewal = client.post(started["heartbeat_url"], {"position": "1", "duration": "4"})
    assert renewal.status_code == 403 and renewal.json()["code"] == "territory"
    assert client.get(f"/account/downloads/{download.id}/").status_code == 403  # no fresh link to the file
    assert client.get(kept["Location"]).status_code == 403  # nor through the link already handed out
