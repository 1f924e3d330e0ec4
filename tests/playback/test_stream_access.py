"""Stream tokens open only what the session may have, tried as an attacker would against the real views: rungs
above the plan or licence, the unfiltered master, download files, path tricks, malformed tokens, dead sessions,
hostile heartbeats, and a session started by a cross-site GET."""

import datetime as dt
from pathlib import Path

import m3u8
import pytest
from django.conf import settings
from django.test import Client

from reelhouse.billing.selectors import subscription_current
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.playback import conf
from reelhouse.playback.models import Download, PlaybackSession, ResumePoint
from reelhouse.playback.selectors import download_link
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import file_body, start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def episode(licensed_source, clip_cache):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv",
            clip_cache(seconds=4, size="854x480"))
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    package = Path(settings.MEDIA_ROOT) / episode.asset.directory
    assert {"v480", "v360", "download"} <= {p.name for p in package.iterdir()}, sorted(package.iterdir())
    return episode


@pytest.fixture
def viewer(client, subscriber):
    client.force_login(subscriber)
    return client


def _plan_max_height(user, height):
    plan = subscription_current(user=user).plan
    plan.max_height = height
    plan.save(update_fields=["max_height"])


def _files(episode, rung: str) -> list[str]:
    """index.m3u8, init.mp4 and every segment of a rung, as a player would fetch them."""
    package = Path(settings.MEDIA_ROOT) / episode.asset.directory
    playlist = m3u8.load(str(package / rung / "index.m3u8"))
    return [f"{rung}/index.m3u8", f"{rung}/{playlist.segment_map[0].uri}",
            *(f"{rung}/{s.uri}" for s in playlist.segments)]


def test_a_rung_above_the_plan_is_refused_playlist_and_segments(viewer, subscriber, episode):
    _plan_max_height(subscriber, 360)
    prefix = start_playing(viewer, episode)["stream_prefix"]
    master = viewer.get(prefix + "master.m3u8").content.decode()
    assert "v360/index.m3u8" in master and "v480" not in master
    for path in _files(episode, "v480"):  # the 480p rung by its known URLs: refused, playlist and every segment
        assert viewer.get(prefix + path).status_code == 403, path
    for path in _files(episode, "v360"):
        assert viewer.get(prefix + path).status_code == 200, path


def test_a_rung_above_the_licence_is_refused_whatever_the_plan(viewer, subscriber, episode):
    _plan_max_height(subscriber, 1080)
    episode.licence.max_height = 360
    episode.licence.save(update_fields=["max_height"])
    started = start_playing(viewer, episode)
    assert PlaybackSession.objects.get().renditions[:1] == ["v360"]
    prefix = started["stream_prefix"]
    assert viewer.get(prefix + "v480/index.m3u8").status_code == 403
    assert "v480" not in viewer.get(prefix + "master.m3u8").content.decode()
    assert viewer.get(prefix + "v360/index.m3u8").status_code == 200


def test_what_a_session_may_fetch_is_decided_when_it_starts(viewer, subscriber, episode):
    _plan_max_height(subscriber, 360)
    prefix = start_playing(viewer, episode)["stream_prefix"]
    _plan_max_height(subscriber, 1080)  # an upgrade counts from the next play, not for this token
    assert viewer.get(prefix + "v480/index.m3u8").status_code == 403


@pytest.mark.parametrize("path", [
    "./master.m3u8", "v360/../master.m3u8", ".//master.m3u8", "/master.m3u8", "master.m3u8/",
    "download/480.mp4", "download/360.mp4", "v360/../download/480.mp4", "subs/../download/360.mp4",
    "trickplay/../v480/index.m3u8", "v360/./index.m3u8", "v360//index.m3u8", "v360/../v480/index.m3u8",
    "v360%2F..%2Fdownload%2F480.mp4", "v360%252F..%252Fdownload%252F480.mp4", "v360%5C..%5Cdownload%5C480.mp4",
    "%2E%2E/download/480.mp4", "v360/%2e%2e/v480/index.m3u8", "v360%00/index.m3u8",
    "..", ".", "download", "v480/", "audio/../download/480.mp4",
])
def test_path_tricks_and_download_files_are_refused_under_a_stream_token(viewer, subscriber, episode, path):
    _plan_max_height(subscriber, 360)
    prefix = start_playing(viewer, episode)["stream_prefix"]
    response = viewer.get(prefix + path)
    assert response.status_code == 403, (path, response.status_code, file_body(response)[:200])


def test_a_download_file_is_not_reachable_through_any_stream_url_even_with_downloads_allowed(viewer, episode):
    prefix = start_playing(viewer, episode)["stream_prefix"]
    for label in ("480", "360"):
        assert viewer.get(f"{prefix}download/{label}.mp4").status_code == 403
    assert Download.objects.count() == 0  # nothing counted against the plan's downloads either


def test_a_streaming_only_licence_gives_no_file_through_the_stream(viewer, episode):
    episode.licence.allows_downloads = False
    episode.licence.save(update_fields=["allows_downloads"])
    prefix = start_playing(viewer, episode)["stream_prefix"]
    assert viewer.get(f"{prefix}download/480.mp4").status_code == 403
    assert viewer.get(f"{prefix}master.m3u8").status_code == 200


BAD_SIGNATURES = ["%C3%A9" * 24, "é", "A" * 23, "A" * 25, "A" * 200, "!" * 24, "AAAAAAAAAAAAAAAAAAAAAA==",
                  "%00" * 24, "A+AAAAAAAAAAAAAAAAAAAAAA", "%F0%9F%8E%AC" * 6]


@pytest.mark.parametrize("sig", BAD_SIGNATURES)
def test_a_malformed_stream_signature_is_403_not_500(viewer, episode, sig):
    prefix = start_playing(viewer, episode)["stream_prefix"]
    _, _, _, expires, session, asset, _ = prefix.split("/")
    client = Client(raise_request_exception=False)
    client.force_login(PlaybackSession.objects.get().profile.user)
    assert client.get(f"/stream/{sig}/{expires}/{session}/{asset}/master.m3u8").status_code == 403


@pytest.mark.parametrize("expires", ["12ab", "-5", "1e9", "9" * 5000, "%C3%A9", "0x10"])
def test_a_non_numeric_stream_expiry_is_403_not_500(viewer, episode, expires):
    prefix = start_playing(viewer, episode)["stream_prefix"]
    _, _, sig, _, session, asset, _ = prefix.split("/")
    client = Client(raise_request_exception=False)
    assert client.get(f"/stream/{sig}/{expires}/{session}/{asset}/master.m3u8").status_code == 403


@pytest.mark.parametrize("tamper", [*BAD_SIGNATURES, "expires:12ab", "expires:" + "9" * 5000])
def test_a_malformed_download_link_is_403_not_500(viewer, episode, tamper):
    viewer.post(f"/watch/{episode.pk}/download/", {"label": ""})
    _, _, sig, expires, download_id, label = download_link(download=Download.objects.get()).split("/")
    if tamper.startswith("expires:"):
        expires = tamper.split(":", 1)[1]
    else:
        sig = tamper
    client = Client(raise_request_exception=False)
    response = client.get(f"/download/{sig}/{expires}/{download_id}/{label}")
    assert response.status_code == 403


def test_a_session_quiet_past_the_stale_interval_is_dead_for_the_stream_too(viewer, episode, settings):
    settings.REELHOUSE_STREAM_TOKEN_TTL = 3600  # a token still valid: only liveness can refuse
    prefix = start_playing(viewer, episode)["stream_prefix"]
    segment = _files(episode, "v360")[2]
    assert viewer.get(prefix + segment).status_code == 200
    clock.advance(dt.timedelta(seconds=conf.SESSION_STALE_SECONDS + 1))
    assert viewer.get(prefix + segment).status_code == 403
    # ... exactly as it no longer counts against the plan's streams
    from reelhouse.playback.selectors import sessions_live

    assert not sessions_live(user=PlaybackSession.objects.get().profile.user).exists()


def test_the_token_lives_about_two_heartbeats(settings):
    assert 1.5 * conf.HEARTBEAT_SECONDS <= settings.REELHOUSE_STREAM_TOKEN_TTL <= 3 * conf.HEARTBEAT_SECONDS


@pytest.mark.parametrize("field, value", [
    ("position", "nan"), ("position", "NaN"), ("position", "inf"), ("position", "-inf"), ("position", "1e309"),
    ("position", "-1"), ("position", "-0.5"), ("position", "100000"), ("position", "abc"), ("position", ""),
    ("position", "7.0"), ("duration", "nan"), ("duration", "inf"), ("duration", "1e309"), ("duration", "-4"),
    ("duration", "86400"),
])
def test_hostile_heartbeat_values_are_400_and_store_nothing(viewer, episode, field, value):
    started = start_playing(viewer, episode)
    session = PlaybackSession.objects.get()
    before = session.last_heartbeat_at
    clock.advance(dt.timedelta(seconds=10))
    values = {"position": "1.5", "duration": "4.0"} | {field: value}
    response = viewer.post(started["heartbeat_url"], values)
    assert response.status_code == 400 and field in response.json()["error"]
    assert not ResumePoint.objects.exists()
    session.refresh_from_db()
    assert session.last_heartbeat_at == before and session.ended_at is None
    leave = viewer.post(started["leave_url"], values)  # the leaving beacon is held to the same rule
    assert leave.status_code == 400 and not ResumePoint.objects.exists()


def test_a_heartbeat_a_little_past_the_probed_length_is_accepted(viewer, episode):
    started = start_playing(viewer, episode)
    length = episode.asset.duration_s
    response = viewer.post(started["heartbeat_url"], {"position": str(length + 0.5), "duration": str(length + 0.5)})
    assert response.status_code == 200


def test_the_watch_page_get_starts_no_session(viewer, episode):
    page = viewer.get(f"/watch/{episode.pk}/")
    assert page.status_code == 200 and f'data-start-url="/watch/{episode.pk}/start"' in page.content.decode()
    assert not PlaybackSession.objects.exists()
    assert viewer.get(f"/watch/{episode.pk}/start").status_code == 405  # only a POST starts


def test_a_cross_site_post_cannot_start_a_session(subscriber, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    assert client.post(f"/watch/{episode.pk}/start").status_code == 403
    assert not PlaybackSession.objects.exists()
    page = client.get(f"/watch/{episode.pk}/")  # the player's own POST carries the page's CSRF token
    token = page.context["csrf_token"]
    assert client.post(f"/watch/{episode.pk}/start", {"csrfmiddlewaretoken": str(token)}).status_code == 200
    assert PlaybackSession.objects.count() == 1


def _device(subscriber, cookie: str | None = None, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(subscriber)
    if cookie:
        client.cookies[conf.DEVICE_COOKIE] = cookie
    return client


def test_a_device_playing_again_takes_over_its_own_session_and_is_never_counted_against_itself(subscriber, episode):
    plan = subscription_current(user=subscriber).plan
    plan.max_streams = 1
    plan.save(update_fields=["max_streams"])
    laptop = _device(subscriber)
    first = start_playing(laptop, episode)
    assert laptop.cookies[conf.DEVICE_COOKIE].value  # the device id the start gave this browser
    assert laptop.get(f"/watch/{episode.pk}/").status_code == 200  # its own stream does not refuse it
    second = start_playing(laptop, episode)  # a reload: takes over
    old = PlaybackSession.objects.get(pk=first["session"])
    assert old.ended_reason == "takeover" and viewer_get(laptop, first["stream_prefix"] + "master.m3u8") == 403
    assert viewer_get(laptop, second["stream_prefix"] + "master.m3u8") == 200

    phone = _device(subscriber, "another-device-id-0001")  # a second device is refused, naming the laptop's stream
    refused = phone.get(f"/watch/{episode.pk}/")
    assert refused.status_code == 403 and "allows 1 stream(s)" in refused.content.decode()
    assert phone.post(f"/watch/{episode.pk}/start").status_code == 403
    # the refused device took nothing over: the laptop still holds the one slot
    assert PlaybackSession.objects.filter(ended_at__isnull=True).count() == 1


def viewer_get(client, url) -> int:
    return client.get(url).status_code


def test_the_leaving_beacon_needs_the_csrf_token_and_ends_the_session_with_its_position(subscriber, episode):
    browser = _device(subscriber, csrf=True)
    token = str(browser.get(f"/watch/{episode.pk}/").context["csrf_token"])
    started = browser.post(f"/watch/{episode.pk}/start", {"csrfmiddlewaretoken": token}).json()
    forged = browser.post(started["leave_url"], {"position": "3", "duration": "4"})  # a cross-site form
    assert forged.status_code == 403 and PlaybackSession.objects.get().ended_at is None
    beacon = browser.post(started["leave_url"], {"position": "3", "duration": "4", "csrfmiddlewaretoken": token})
    assert beacon.status_code == 204
    session = PlaybackSession.objects.get()
    assert session.ended_reason == "left" and ResumePoint.objects.get().position_s == 3.0
    again = browser.post(f"/watch/{episode.pk}/start", {"csrfmiddlewaretoken": token}).json()
    assert again["resume_s"] == 3.0  # read after the beacon's position was stored
