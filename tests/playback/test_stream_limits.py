"""Entitlement and concurrent streams: the plan's limit, heartbeats, stopping another device, closed tabs."""

import datetime as dt

import pytest

from reelhouse.billing import services as billing
from reelhouse.billing.models import Plan
from reelhouse.catalog.models import Work
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.playback import conf
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.selectors import device_label, entitlement_check
from reelhouse.playback.services import PlaybackRefused, playback_heartbeat, playback_start

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")


@pytest.fixture
def work(licensed_source):
    film = Work.objects.create(kind=Work.Kind.FILM, title="The Long Take", licence=licensed_source.licence,
                               published_at=clock.now())
    asset = Asset.objects.create(work=film, source_sha256="ab" * 32, directory="packages/x", duration_s=4,
                                 width=854, height=480)
    film.asset = asset
    film.save(update_fields=["asset"])
    return film


@pytest.fixture
def profile(subscriber):
    return subscriber.profiles.get()


@pytest.mark.parametrize("agent, label", [(FIREFOX, "Firefox on Linux"), (IPAD, "Safari on iPad"),
                                          (CHROME_WIN, "Chrome on Windows"), ("", "an unnamed device"),
                                          ("VLC/3.0.20 LibVLC/3.0.20", "VLC")])
def test_devices_get_names_people_recognise(agent, label):
    assert device_label(agent) == label


def test_the_stream_over_the_plan_limit_is_refused_naming_the_other_devices(profile, work):
    assert Plan.objects.get(code="standard-1m").max_streams == 2
    playback_start(profile=profile, work=work, device=FIREFOX)
    playback_start(profile=profile, work=work, device=IPAD)
    with pytest.raises(PlaybackRefused) as refused:
        playback_start(profile=profile, work=work, device=CHROME_WIN)
    message = str(refused.value)
    assert refused.value.code == "streams" and len(refused.value.other_sessions) == 2
    assert "allows 2 stream(s)" in message and "Firefox on Linux" in message and "Safari on iPad" in message
    assert "The Long Take" in message and "account page" in message


def test_a_closed_tab_frees_its_slot_within_ninety_seconds(profile, work):
    playback_start(profile=profile, work=work, device=FIREFOX)
    kept = playback_start(profile=profile, work=work, device=IPAD)
    clock.advance(dt.timedelta(seconds=60))
    playback_heartbeat(session=kept, position_s=60, duration_s=600)  # the iPad keeps playing; Firefox went quiet
    clock.advance(dt.timedelta(seconds=conf.SESSION_STALE_SECONDS - 60 - 1))
    with pytest.raises(PlaybackRefused):
        playback_start(profile=profile, work=work, device=CHROME_WIN)
    clock.advance(dt.timedelta(seconds=2))
    assert playback_start(profile=profile, work=work, device=CHROME_WIN).device == CHROME_WIN


def test_a_stream_back_from_sleep_is_refused_when_others_took_the_slots(profile, work):
    sleeper = playback_start(profile=profile, work=work, device=FIREFOX)
    clock.advance(dt.timedelta(seconds=conf.SESSION_STALE_SECONDS + 5))
    playback_start(profile=profile, work=work, device=IPAD)
    playback_start(profile=profile, work=work, device=CHROME_WIN)
    # Changed with issue 12 (one liveness rule): a session quiet for longer than the stale interval is dead, also for
    # its own heartbeats (it used to be revived when a slot was free); the player starts a new one, which is refused
    # while the others hold the slots.
    with pytest.raises(PlaybackRefused) as refused:
        playback_heartbeat(session=sleeper, position_s=10, duration_s=600)
    assert refused.value.code == "stale"
    sleeper.refresh_from_db()
    assert sleeper.ended_at is not None and sleeper.ended_reason == "stale"
    with pytest.raises(PlaybackRefused) as again:
        playback_start(profile=profile, work=work, device=FIREFOX, device_id="firefox-device-0001")
    assert again.value.code == "streams"


def test_a_quiet_session_is_dead_even_with_slots_free(profile, work):
    sleeper = playback_start(profile=profile, work=work, device=FIREFOX)
    clock.advance(dt.timedelta(seconds=conf.SESSION_STALE_SECONDS + 1))
    with pytest.raises(PlaybackRefused) as refused:
        playback_heartbeat(session=sleeper, position_s=10, duration_s=600)
    assert refused.value.code == "stale"


def test_the_plan_limit_applies_per_plan(profile, work):
    Plan.objects.filter(code="standard-1m").update(max_streams=1)
    playback_start(profile=profile, work=work, device=FIREFOX)
    with pytest.raises(PlaybackRefused, match="allows 1 stream"):
        playback_start(profile=profile, work=work, device=IPAD)


def test_stopping_another_device_from_the_account_page_frees_its_slot(client, subscriber, profile, work):
    first = playback_start(profile=profile, work=work, device=FIREFOX)
    playback_start(profile=profile, work=work, device=IPAD)
    client.force_login(subscriber)
    page = client.get("/account/")
    assert "Firefox on Linux" in page.content.decode() and f"/account/streams/{first.pk}/stop/" in page.content.decode()
    client.post(f"/account/streams/{first.pk}/stop/")
    assert playback_start(profile=profile, work=work, device=CHROME_WIN)
    with pytest.raises(PlaybackRefused) as refused:  # the stopped device learns at its next heartbeat
        playback_heartbeat(session=first, position_s=5, duration_s=600)
    assert refused.value.code == "stopped"


def test_nobody_can_stop_someone_elses_stream(client, profile, work):
    from reelhouse.accounts.services import user_create

    session = playback_start(profile=profile, work=work, device=FIREFOX)
    client.force_login(user_create(email="stranger@example.com", password="correct horse battery"))
    assert client.post(f"/account/streams/{session.pk}/stop/").status_code == 404
    assert PlaybackSession.objects.get(pk=session.pk).ended_at is None


def test_entitlement_covers_subscription_availability_and_territory(subscriber, profile, work):
    assert entitlement_check(profile=profile, work=work) is None
    subscriber.country = "FR"
    subscriber.save()
    licence = work.licence
    licence.territories = "US,CA"
    licence.save()
    assert entitlement_check(profile=profile, work=work).code == "territory"
    licence.territories = "WW"
    licence.save()
    Work.objects.filter(pk=work.pk).update(published_at=None)
    work.refresh_from_db()
    assert entitlement_check(profile=profile, work=work).code == "unavailable"
    clock.advance(dt.timedelta(days=31))
    assert entitlement_check(profile=profile, work=work).code == "subscription"


def test_a_stream_stops_at_the_first_heartbeat_after_the_subscription_ends(subscriber, profile, work):
    billing.access_extend(user=subscriber, days=1, reason="test")  # 31 days in all
    session = playback_start(profile=profile, work=work, device=FIREFOX)
    clock.advance(dt.timedelta(days=30, hours=23))
    PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=clock.now())  # heartbeats all along
    playback_heartbeat(session=session, position_s=30, duration_s=600)
    clock.advance(dt.timedelta(seconds=30))
    PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=clock.now() + dt.timedelta(hours=2))
    clock.advance(dt.timedelta(hours=2))
    with pytest.raises(PlaybackRefused, match="Your subscription ended, so this stream was stopped"):
        playback_heartbeat(session=session, position_s=60, duration_s=600)


def test_a_title_rated_above_the_profile_limit_is_refused(profile, work):
    work.maturity = 16  # an age rating, as the catalog records it
    profile.max_maturity = 12
    refusal = entitlement_check(profile=profile, work=work)
    assert refusal.code == "maturity" and profile.name in refusal.message
    profile.max_maturity = 18
    assert entitlement_check(profile=profile, work=work) is None


def test_the_refusal_page_names_the_other_devices_and_stops_one(client, subscriber, profile, work):
    first = playback_start(profile=profile, work=work, device=FIREFOX)
    playback_start(profile=profile, work=work, device=IPAD)
    client.force_login(subscriber)
    page = client.get(f"/watch/{work.pk}/", HTTP_USER_AGENT=CHROME_WIN)
    html = page.content.decode()
    assert page.status_code == 403 and "Firefox on Linux" in html and "Safari on iPad" in html
    assert f"/account/streams/{first.pk}/stop/" in html
    client.post(f"/account/streams/{first.pk}/stop/", {"next": f"/watch/{work.pk}/"})
    assert client.get(f"/watch/{work.pk}/", HTTP_USER_AGENT=CHROME_WIN).status_code == 200
