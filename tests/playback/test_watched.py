"""When a title counts as watched: past 90% of it, or as soon as its credits start (intro/credits markers from
media), whichever comes first; the server decides from the heartbeats, so every device agrees."""


import pytest

from reelhouse.catalog.models import Episode, Film
from reelhouse.catalog.selectors import continue_watching
from reelhouse.media.markers import marker_set_by_operator
from reelhouse.playback import services
from reelhouse.playback.models import ResumePoint
from reelhouse.playback.selectors import resume_position, watched_from_s
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)
SECONDS = 10


def _published(source, clip_cache, kind: str):
    clip = clip_cache(seconds=SECONDS, size="320x240")
    if kind == "episode":
        deliver(source, "Quay Street (2020)/Season 01/Quay Street - S01E01 - Tides.mkv", clip)
    else:
        deliver(source, "Low Water (2018)/Low Water (2018).mkv", clip)
    scan_until_settled(source)
    return (Episode if kind == "episode" else Film).objects.select_related("asset").get()


@pytest.fixture
def work(licensed_source, clip_cache):
    return _published(licensed_source, clip_cache, "episode")


@pytest.fixture(params=["episode", "film"])
def any_work(request, licensed_source, clip_cache):
    return _published(licensed_source, clip_cache, request.param)


@pytest.fixture
def profile(subscriber):
    return subscriber.profiles.get()


def _beat(profile, work, position, duration=SECONDS, **kw) -> ResumePoint:
    session = services.playback_start(profile=profile, work=work, device="pytest")
    services.playback_heartbeat(session=session, position_s=position, duration_s=duration, **kw)
    services.playback_stop(session=session)
    return ResumePoint.objects.get(profile=profile, work=work)


def test_without_credits_marker_a_title_is_watched_past_90_percent(profile, any_work):
    work = any_work
    assert not work.markers.filter(kind="credits").exists()
    assert not _beat(profile, work, 0.85 * SECONDS).watched
    assert resume_position(profile=profile, work=work) == pytest.approx(0.85 * SECONDS)
    assert _beat(profile, work, 0.9 * SECONDS).watched
    assert resume_position(profile=profile, work=work) == 0.0  # finished: the next play starts at the beginning


def test_a_title_is_watched_once_playback_reaches_its_credits(profile, any_work):
    work = any_work
    marker_set_by_operator(work=work, kind="credits", start_s=7.0, end_s=SECONDS)
    assert not _beat(profile, work, 6.9).watched  # 69%, before the credits: still in progress
    assert resume_position(profile=profile, work=work) == pytest.approx(6.9)
    assert len(continue_watching(profile=profile)) == 1
    point = _beat(profile, work, 7.2)  # 72%: the credits are rolling
    assert point.watched and point.position_s == pytest.approx(7.2)
    assert resume_position(profile=profile, work=work) == 0.0
    assert continue_watching(profile=profile) == []  # off the "continue watching" row


def test_credits_marker_later_than_90_percent_does_not_delay_watched(profile, work):
    marker_set_by_operator(work=work, kind="credits", start_s=9.6, end_s=SECONDS)
    assert watched_from_s(work_id=work.pk, duration_s=SECONDS) == pytest.approx(9.0)
    assert _beat(profile, work, 9.1).watched


def test_a_credits_marker_in_the_first_half_is_ignored(profile, work):
    # A marker set by mistake at 2 s must not count a title as finished two seconds in.
    marker_set_by_operator(work=work, kind="credits", start_s=2.0, end_s=4.0)
    assert watched_from_s(work_id=work.pk, duration_s=SECONDS) == pytest.approx(9.0)
    assert not _beat(profile, work, 3.0).watched


def test_duration_unknown_the_credits_marker_alone_decides(profile, work):
    marker_set_by_operator(work=work, kind="credits", start_s=7.0, end_s=SECONDS)
    assert watched_from_s(work_id=work.pk, duration_s=0) == pytest.approx(7.0)
    assert _beat(profile, work, 7.5, duration=0).watched
    assert not _beat(profile, work, 5.0, duration=0).watched


def test_rewatching_from_the_start_makes_it_in_progress_again(profile, work):
    marker_set_by_operator(work=work, kind="credits", start_s=7.0, end_s=SECONDS)
    assert _beat(profile, work, 8.0).watched
    assert not _beat(profile, work, 3.0).watched


def test_heartbeat_endpoint_marks_watched_in_the_credits_and_the_next_play_starts_over(client, subscriber, work):
    marker_set_by_operator(work=work, kind="credits", start_s=7.0, end_s=SECONDS)
    client.force_login(subscriber)
    page = client.get(f"/watch/{work.pk}/").content.decode()
    assert 'id="skip-credits"' in page and 'data-start="7.000"' in page  # the player knows where credits start
    url = start_playing(client, work)["heartbeat_url"]
    assert client.post(url, {"position": "7.4", "duration": str(SECONDS)}).status_code == 200
    assert ResumePoint.objects.get(work=work).watched
    assert start_playing(client, work)["resume_s"] == 0
