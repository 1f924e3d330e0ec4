"""Revocation is active: when a subscription ends, the account signs out everywhere, a licence ends or a work is
withdrawn, a job ends the affected streams at once. Each event is performed against a running stream (started as
the player does, a segment fetched), and its very next segment request is refused while its token is still valid,
i.e. well within one token lifetime; the player's next heartbeat learns why, in words the watch page shows."""

import datetime as dt
from pathlib import Path

import m3u8
import pytest
from django.conf import settings

from reelhouse.billing.services import access_shorten
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def episode(licensed_source, clip_cache):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv",
            clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)
    return Episode.objects.get()


def _segment(episode) -> str:
    playlist = m3u8.load(str(Path(settings.MEDIA_ROOT) / episode.asset.directory / "v360" / "index.m3u8"))
    return f"v360/{playlist.segments[-1].uri}"


def _end_subscription(client, subscriber, episode):
    access_shorten(user=subscriber, months=1, reason="refunded in full")  # access ends now


def _sign_out_everywhere(client, subscriber, episode):
    assert client.post("/accounts/sign-out-everywhere/").status_code == 302  # this browser stays signed in


def _end_licence(client, subscriber, episode):
    licence = episode.licence
    licence.ends_at = clock.now()
    licence.save(update_fields=["ends_at"])


def _withdraw(client, subscriber, episode):
    episode.published_at = None
    episode.save(update_fields=["published_at"])


@pytest.mark.parametrize("event, reason, says", [
    (_end_subscription, "subscription", "Your subscription ended"),
    (_sign_out_everywhere, "signed_out", "signed out on every device"),
    (_end_licence, "territory", "licence for this title ended"),
    (_withdraw, "unavailable", "withdrawn from the service"),
])
def test_a_running_stream_is_refused_at_its_next_segment_after_the_event(client, subscriber, episode, event,
                                                                         reason, says):
    client.force_login(subscriber)
    started = start_playing(client, episode)
    prefix, segment = started["stream_prefix"], _segment(episode)
    assert client.get(prefix + segment).status_code == 200
    clock.advance(dt.timedelta(seconds=5))
    event(client, subscriber, episode)
    expires = int(prefix.split("/")[3])
    assert clock.now().timestamp() < expires  # the token itself is still good: the session is what ended
    assert client.get(prefix + segment).status_code == 403
    session = PlaybackSession.objects.get()
    assert session.ended_at is not None and session.ended_reason == reason
    heartbeat = client.post(started["heartbeat_url"], {"position": "1", "duration": "4"})
    assert heartbeat.status_code == 403 and says in heartbeat.json()["reason"]


def test_a_device_signed_out_learns_why_from_its_heartbeat(client, subscriber, episode):
    # Signed out through the sign-out page, as a browser does (its device cookie with it): another tab still playing
    # is told at its next heartbeat, whose key alone would still open the session.
    client.force_login(subscriber)
    started = start_playing(client, episode)
    assert client.post("/accounts/logout/").status_code == 302
    response = client.post(started["heartbeat_url"], {"position": "1", "duration": "4"})
    assert response.status_code == 403 and "signed out" in response.json()["reason"]
    assert PlaybackSession.objects.get().ended_reason == "signed_out_here"


def test_an_event_for_someone_else_leaves_the_stream_playing(client, subscriber, episode, licensed_source):
    from reelhouse.accounts.services import sessions_end_everywhere, user_create

    client.force_login(subscriber)
    started = start_playing(client, episode)
    sessions_end_everywhere(user=user_create(email="other@example.com", password="correct horse battery"))
    other = Episode.objects.create(series=episode.series, season=episode.season, number=2, title="Other",
                                   kind=episode.kind, licence=licensed_source.licence)
    other.save()
    assert client.get(started["stream_prefix"] + _segment(episode)).status_code == 200
    assert PlaybackSession.objects.get().ended_at is None
