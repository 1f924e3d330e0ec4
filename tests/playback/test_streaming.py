"""Signed stream URLs, entitlement at play start and at every heartbeat, resume points."""

import datetime as dt
import re

import pytest

from reelhouse.billing.models import Subscription
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.playback.models import ResumePoint
from tests.conftest import deliver, scan_until_settled

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


def _prefix(response) -> str:
    return re.search(r'data-stream-prefix="([^"]+)"', response.content.decode()).group(1)


def test_watch_page_serves_the_master_under_a_signed_prefix(viewer_client, episode):
    page = viewer_client.get(f"/watch/{episode.pk}/")
    assert page.status_code == 200
    prefix = _prefix(page)
    master = viewer_client.get(prefix + "master.m3u8")
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    body = master.content.decode()  # the master is rewritten per plan; other files stream from disk
    variant = next(line for line in body.splitlines() if line and not line.startswith("#"))
    playlist = b"".join(viewer_client.get(prefix + variant).streaming_content).decode()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
    assert 'data-next-url="/watch/' in page.content.decode()


@pytest.mark.parametrize("tamper", ["signature", "expires", "asset", "traversal"])
def test_missing_altered_or_escaping_tokens_are_refused(viewer_client, episode, tamper):
    prefix = _prefix(viewer_client.get(f"/watch/{episode.pk}/"))
    _, _, sig, expires, session, asset, _ = prefix.split("/")
    altered = {
        "signature": f"/stream/{'A' * len(sig)}/{expires}/{session}/{asset}/master.m3u8",
        "expires": f"/stream/{sig}/{int(expires) + 3600}/{session}/{asset}/master.m3u8",
        "asset": f"/stream/{sig}/{expires}/{session}/{int(asset) + 1}/master.m3u8",
        "traversal": f"{prefix}..%2F..%2Fsecret_key",
    }[tamper]
    # a forged token is refused; a path climbing out of the package finds nothing (its token is genuine)
    assert viewer_client.get(altered).status_code == (404 if tamper == "traversal" else 403)
    assert viewer_client.get(f"/stream/x/{expires}/{session}/{asset}/master.m3u8").status_code == 403
    assert viewer_client.get(f"/stream/{session}/{asset}/master.m3u8").status_code == 403  # no token at all
    assert viewer_client.get("/stream/master.m3u8").status_code == 403


def test_expired_token_is_refused(viewer_client, episode, settings):
    prefix = _prefix(viewer_client.get(f"/watch/{episode.pk}/"))
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


def test_heartbeat_records_resume_point_and_watch_page_resumes(viewer_client, subscriber, episode):
    page = viewer_client.get(f"/watch/{episode.pk}/")
    url = re.search(r'data-heartbeat-url="([^"]+)"', page.content.decode()).group(1)
    response = viewer_client.post(url, {"position": "2.5", "duration": "4.0"})
    assert response.status_code == 200 and response.json()["stream_prefix"].startswith("/stream/")
    point = ResumePoint.objects.get(profile__user=subscriber)
    assert (point.position_s, point.watched) == (2.5, False)
    again = viewer_client.get(f"/watch/{episode.pk}/")
    assert 'data-resume="2.500"' in again.content.decode()


def test_heartbeat_stops_a_stream_whose_subscription_ended(viewer_client, subscriber, episode):
    page = viewer_client.get(f"/watch/{episode.pk}/")
    url = re.search(r'data-heartbeat-url="([^"]+)"', page.content.decode()).group(1)
    prefix = _prefix(page)
    clock.advance(dt.timedelta(days=31))
    response = viewer_client.post(url, {"position": "1", "duration": "4"})
    assert response.status_code == 403 and "subscription" in response.json()["reason"]
    clock.reset()
    assert viewer_client.get(prefix + "master.m3u8").status_code == 403  # the session is over


def test_watched_past_ninety_percent_starts_from_the_beginning(viewer_client, episode):
    page = viewer_client.get(f"/watch/{episode.pk}/")
    url = re.search(r'data-heartbeat-url="([^"]+)"', page.content.decode()).group(1)
    viewer_client.post(url, {"position": "3.8", "duration": "4.0"})
    assert 'data-resume="0.000"' in viewer_client.get(f"/watch/{episode.pk}/").content.decode()


def test_the_master_offers_only_what_the_plan_includes(viewer_client, episode, subscriber):
    from reelhouse.billing.selectors import subscription_current

    plan = subscription_current(user=subscriber).plan
    plan.max_height = 360
    plan.save(update_fields=["max_height"])
    prefix = _prefix(viewer_client.get(f"/watch/{episode.pk}/"))
    body = viewer_client.get(prefix + "master.m3u8").content.decode()
    assert "RESOLUTION=640x360" in body and "RESOLUTION=854x480" not in body
