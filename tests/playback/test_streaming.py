"""Signed stream URLs, entitlement at play start and at every heartbeat, resume points."""

import datetime as dt

import pytest

from reelhouse.billing.models import Subscription
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession, ResumePoint
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def episode(licensed_source, clip_cache):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache(seconds=4))
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E02 - Second.mkv", clip_cache(seconds=4,
                                                                                                     pattern="testsrc"))
    scan_until_settled(licensed_source)
    return Episode.objects.get(number=1)


@pytest.fixture
def viewer_client(client, subscriber):
    client.force_login(subscriber)
    return client


def _prefix(client, episode) -> str:
    return start_playing(client, episode)["stream_prefix"]


def test_watch_page_serves_the_master_under_a_signed_prefix(viewer_client, episode):
    page = viewer_client.get(f"/watch/{episode.pk}/")
    assert page.status_code == 200
    prefix = _prefix(viewer_client, episode)
    master = viewer_client.get(prefix + "master.m3u8")
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    body = master.content.decode()  # the master is rewritten per plan; other files stream from disk
    variant = next(line for line in body.splitlines() if line and not line.startswith("#"))
    playlist = b"".join(viewer_client.get(prefix + variant).streaming_content).decode()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    assert 'data-next-url="/watch/' in page.content.decode()


@pytest.mark.parametrize("tamper", ["signature", "expires", "asset", "traversal"])
def test_missing_altered_or_escaping_tokens_are_refused(viewer_client, episode, tamper):
    # Changed with issue 12: a path climbing out of the package is refused (403) before the file system is asked,
    # where it used to be looked up and not found (404).
    prefix = _prefix(viewer_client, episode)
    _, _, sig, expires, session, asset, _ = prefix.split("/")
    altered = {
        "signature": f"/stream/{'A' * len(sig)}/{expires}/{session}/{asset}/master.m3u8",
        "expires": f"/stream/{sig}/{int(expires) + 3600}/{session}/{asset}/master.m3u8",
        "asset": f"/stream/{sig}/{expires}/{session}/{int(asset) + 1}/master.m3u8",
        "traversal": f"{prefix}..%2F..%2Fsecret_key",
    }[tamper]
    # a forged token is refused; so is a path climbing out of the package (its token is genuine)
    assert viewer_client.get(altered).status_code == 403
    assert viewer_client.get(f"/stream/x/{expires}/{session}/{asset}/master.m3u8").status_code == 403
    assert viewer_client.get(f"/stream/{session}/{asset}/master.m3u8").status_code == 403  # no token at all
    assert viewer_client.get("/stream/master.m3u8").status_code == 403


def test_expired_token_is_refused(viewer_client, episode, settings):
    prefix = _prefix(viewer_client, episode)
    clock.advance(dt.timedelta(seconds=settings.REELHOUSE_STREAM_TOKEN_TTL + 1))
    assert viewer_client.get(prefix + "master.m3u8").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, episode):
    response = client.get(f"/watch/{episode.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_without_subscription_playback_is_refused_with_the_reason(viewer_client, subscriber, episode):
    Subscription.objects.filter(user=subscriber).update(state=Subscription.State.EXPIRED)
    response = viewer_client.get(f"/watch/{episode.pk}/")
    assert response.status_code == 403
    assert "subscription is not active" in response.content.decode()
    start = viewer_client.post(f"/watch/{episode.pk}/start")
    assert start.status_code == 403 and "subscription is not active" in start.json()["reason"]
    assert not PlaybackSession.objects.exists()


def test_heartbeat_records_resume_point_and_watch_page_resumes(viewer_client, subscriber, episode):
    url = start_playing(viewer_client, episode)["heartbeat_url"]
    response = viewer_client.post(url, {"position": "2.5", "duration": "4.0"})
    assert response.status_code == 200 and response.json()["stream_prefix"].startswith("/stream/")
    point = ResumePoint.objects.get(profile__user=subscriber)
    assert (point.position_s, point.watched) == (2.5, False)
    assert start_playing(viewer_client, episode)["resume_s"] == 2.5


def test_heartbeat_stops_a_stream_whose_subscription_ended(viewer_client, subscriber, episode):
    started = start_playing(viewer_client, episode)
    url, prefix = started["heartbeat_url"], started["stream_prefix"]
    clock.advance(dt.timedelta(seconds=30))
    assert viewer_client.post(url, {"position": "1", "duration": "4"}).status_code == 200
    Subscription.objects.filter(user=subscriber).update(current_period_end=clock.now())  # ends now, quietly
    response = viewer_client.post(url, {"position": "1", "duration": "4"})
    # in the words the job that ends such streams uses, whichever of the two came first
    assert response.status_code == 403 and response.json()["code"] == "subscription"
    assert response.json()["reason"].startswith("Your subscription ended, so this stream was stopped.")
    assert viewer_client.get(prefix + "master.m3u8").status_code == 403  # the session is over


def test_watched_past_ninety_percent_starts_from_the_beginning(viewer_client, episode):
    url = start_playing(viewer_client, episode)["heartbeat_url"]
    viewer_client.post(url, {"position": "3.8", "duration": "4.0"})
    assert start_playing(viewer_client, episode)["resume_s"] == 0


def test_the_master_offers_only_what_the_plan_includes(viewer_client, episode, subscriber):
    from reelhouse.billing.selectors import subscription_current

    plan = subscription_current(user=subscriber).plan
    plan.max_height = 360
    plan.save(update_fields=["max_height"])
    prefix = _prefix(viewer_client, episode)
    body = viewer_client.get(prefix + "master.m3u8").content.decode()
    assert "RESOLUTION=640x360" in body and "RESOLUTION=854x480" not in body
