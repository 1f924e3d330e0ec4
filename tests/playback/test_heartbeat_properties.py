"""Property test (Hypothesis): a heartbeat carries whatever the player (or anyone holding the session's key) posts.
Any position, duration and ended values, numbers or not, finite or not, give 200, 400 naming the fields or 403
with the refusal, never an error page, and never store a resume point that is not a finite number of seconds."""

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reelhouse.playback.models import ResumePoint
from reelhouse.playback.services import playback_start
from tests.playback.playing import published_film, session_url

pytestmark = pytest.mark.django_db

NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                    st.text(max_size=12), st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "-0", "0x10",
                                                           "1_000", " 12 ", "١٢", "", "12abc"]))


@pytest.fixture
def heartbeat(client, subscriber, licensed_source):
    film = published_film(licence=licensed_source.licence)
    session = playback_start(profile=subscriber.profiles.get(), work=film, device="test")
    client.force_login(subscriber)
    return client, session_url(session), film


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.one_of(st.none(), NUMBERS), duration=st.one_of(st.none(), NUMBERS),
       ended=st.one_of(st.none(), st.text(max_size=3)))
@example(position="nan", duration="600", ended=None)
@example(position="inf", duration="inf", ended="1")
@example(position="1e400", duration="-1e400", ended=None)
def test_any_heartbeat_is_answered_and_stores_only_finite_positions(heartbeat, position, duration, ended):
    client, url, film = heartbeat
    data = {k: v for k, v in {"position": position, "duration": duration, "ended": ended}.items() if v is not None}
    response = client.post(url, data)
    assert response.status_code in (200, 400, 403), response.status_code
    if response.status_code == 400:
        assert response.json()["error"].startswith(("position", "duration"))
    for point in ResumePoint.objects.filter(work=film):
        assert math.isfinite(point.position_s) and math.isfinite(point.duration_s)
        assert point.position_s >= 0 and point.duration_s >= 0
