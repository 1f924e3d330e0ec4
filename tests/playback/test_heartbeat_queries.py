"""The heartbeat's query budget (every viewer posts one every 30 s: it is the app's load per viewer): the whole request
through the middleware, with the entitlement, licence, withdrawal and stream-limit checks still asked every time."""

import pytest

from reelhouse.media.markers import marker_set_by_operator
from reelhouse.playback.models import ResumePoint
from reelhouse.playback.services import playback_start
from tests.playback.playing import published_film, session_url

pytestmark = pytest.mark.django_db

SECONDS = 600
# the playback session with its profile, user, work, licence and asset (its key opens it: no session, user or profile
# read for the cookie); the plan's limits with the count of the other live streams (one statement); standing
# withdrawals; then, each a statement on its own (no transaction, no account lock: playback_heartbeat says why), the
# session's UPDATE on condition it is still alive (the state is read again, under the lock, only when it is not) and
# the resume point's UPDATE.
BUDGET = 5


@pytest.fixture
def playing(client, subscriber, licensed_source):
    film = published_film(licence=licensed_source.licence, duration_s=SECONDS)
    session = playback_start(profile=subscriber.profiles.get(), work=film, device="test")
    client.force_login(subscriber)
    url = session_url(session)
    assert client.post(url, {"position": "1", "duration": str(SECONDS)}).status_code == 200  # the resume point exists
    return client, url, film


def test_a_heartbeat_stays_within_its_query_budget(playing, django_assert_max_num_queries):
    client, url, film = playing
    with django_assert_max_num_queries(BUDGET):
        response = client.post(url, {"position": "120", "duration": str(SECONDS)})
    assert response.status_code == 200 and response.json()["stream_prefix"].startswith("/stream/")
    assert ResumePoint.objects.get(work=film).position_s == 120


def test_past_half_the_title_the_credits_marker_is_read_once_more(playing, django_assert_max_num_queries):
    client, url, film = playing
    marker_set_by_operator(work=film, kind="credits", start_s=500.0, end_s=SECONDS)
    with django_assert_max_num_queries(BUDGET + 1):  # the credits marker decides "watched" from half the title on
        assert client.post(url, {"position": "510", "duration": str(SECONDS)}).status_code == 200
    assert ResumePoint.objects.get(work=film).watched


def test_before_half_the_title_no_marker_makes_it_watched(playing):
    client, url, film = playing
    marker_set_by_operator(work=film, kind="credits", start_s=200.0, end_s=SECONDS)  # a mistaken early marker
    assert client.post(url, {"position": "250", "duration": str(SECONDS)}).status_code == 200
    assert not ResumePoint.objects.get(work=film).watched
