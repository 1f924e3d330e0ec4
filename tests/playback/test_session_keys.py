"""A playback session's key (playback.signing.session_key) opens its heartbeat and leaving beacon by itself, without
the cookie: each attack on it runs against the real views and must be refused and write nothing. What it is bound to
(the account's password, the account being active) and what ends the session instead (signing out in this browser)
are checked here too; the query budget it buys is tests/playback/test_heartbeat_queries.py's."""

import datetime as dt

import pytest
from django.test import Client

from reelhouse.accounts.services import user_create
from reelhouse.billing.services import subscription_grant
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.playback.services import playback_start
from reelhouse.playback.signing import download_signature, session_key, stream_prefix
from tests.playback.playing import published_film, session_url, start_playing

pytestmark = pytest.mark.django_db
BEAT = {"position": "42", "duration": "600"}


@pytest.fixture
def film(licensed_source):
    return published_film(licence=licensed_source.licence)


def _start(user, film, device_id: str = "") -> PlaybackSession:
    session = playback_start(profile=user.profiles.get(), work=film, device="Firefox", device_id=device_id)
    clock.advance(dt.timedelta(seconds=5))  # a heartbeat that got through would move last_heartbeat_at
    return session


def _untouched(session: PlaybackSession) -> bool:
    after = PlaybackSession.objects.get(pk=session.pk)
    return (after.ended_at is None and after.last_heartbeat_at == session.last_heartbeat_at
            and not ResumePoint.objects.filter(work=session.work).exists())


def _signed_out(response) -> bool:
    return response.status_code == 403 and response.json()["code"] == "signed_out"


def test_the_key_alone_keeps_its_session_alive_and_records_the_position(subscriber, film):
    session = _start(subscriber, film)
    response = Client().post(session_url(session), BEAT)  # no session cookie at all: the key decides
    assert response.status_code == 200 and response.json()["stream_prefix"].startswith("/stream/")
    assert PlaybackSession.objects.get(pk=session.pk).last_heartbeat_at > session.last_heartbeat_at
    assert ResumePoint.objects.get(work=film).position_s == 42
    assert Client().post(session_url(session, "leave"), BEAT).status_code == 204
    assert PlaybackSession.objects.get(pk=session.pk).ended_reason == "left"


def test_the_start_answer_gives_its_page_the_keyed_urls_of_its_own_session(client, subscriber, film):
    client.force_login(subscriber)
    started = start_playing(client, film)  # the real watch page and start view
    key = session_key(session_id=started["session"], user=subscriber)
    assert started["heartbeat_url"] == f"/watch/session/{started['session']}/{key}/heartbeat"
    assert started["leave_url"] == f"/watch/session/{started['session']}/{key}/leave"
    other = _start(subscriber, published_film(licence=film.licence, title="Another", directory="packages/y"))
    assert session_key(session_id=str(other.id), user=subscriber) != key  # one key per session
    assert Client().post(started["heartbeat_url"], BEAT).status_code == 200


@pytest.mark.parametrize("forge", [
    "made up", "one character changed", "truncated", "padded", "too long", "not ascii", "another session's key",
    "the session's stream token", "a download signature", "an empty key"])
@pytest.mark.parametrize("action", ["heartbeat", "leave"])
def test_a_key_that_does_not_open_the_session_is_refused_and_writes_nothing(client, subscriber, film, forge, action):
    session = _start(subscriber, film)
    other = _start(subscriber, published_film(licence=film.licence, title="Another", directory="packages/y"))
    good = session_key(session_id=str(session.id), user=subscriber)
    key = {
        "made up": "A" * 24,
        "one character changed": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "truncated": good[:-1],
        "padded": good + "==",
        "too long": good * 400,
        "not ascii": good[:-1] + "é",
        "another session's key": session_key(session_id=str(other.id), user=subscriber),
        "the session's stream token": stream_prefix(session_id=str(session.id), asset_id=film.asset_id).split("/")[2],
        "a download signature": download_signature(expires=2_000_000_000, download_id=str(session.id), label="480"),
        "an empty key": "",
    }[forge]
    client.force_login(subscriber)  # the account's own cookie does not open a session its key does not
    response = client.post(f"/watch/session/{session.id}/{key}/{action}", BEAT)
    if forge == "an empty key":
        assert response.status_code == 404  # /watch/session/<id>//heartbeat is no URL
    else:
        assert _signed_out(response), (forge, response.status_code)
    assert _untouched(session)


def test_a_password_change_stops_the_key_at_once(subscriber, film):
    session = _start(subscriber, film)
    url = session_url(session)
    subscriber.set_password("a brand new horse battery")
    subscriber.save()
    assert _signed_out(Client().post(url, BEAT))
    assert _untouched(session)


def test_a_deactivated_account_is_refused(subscriber, film):
    session = _start(subscriber, film)
    url = session_url(session)
    subscriber.is_active = False
    subscriber.save(update_fields=["is_active"])
    assert _signed_out(Client().post(url, BEAT))
    assert _untouched(session)


def test_signing_out_in_one_browser_ends_its_streams_only(subscriber, film):
    here = _start(subscriber, film, device_id="h" * 22)
    there = _start(subscriber, published_film(licence=film.licence, title="Another", directory="packages/y"),
                   device_id="t" * 22)
    browser = Client()
    browser.force_login(subscriber)
    browser.cookies["rh_device"] = "h" * 22
    assert browser.post("/accounts/logout/").status_code == 302
    response = Client().post(session_url(here), BEAT)
    assert response.status_code == 403 and response.json()["code"] == "signed_out_here"
    assert "signed out in this browser" in response.json()["reason"]
    assert Client().post(session_url(there), BEAT).status_code == 200  # the other browser plays on


@pytest.mark.parametrize("cookie", ["", "h" * 15, "h" * 65, "h" * 9_600, "hhhhhhhhhhhhhhhhhhhh hh", "h" * 21 + "%",
                                    "hhhhhhhhhhhhhhhhhhhh\u00e9h", "hhhhhhhhhhhhhhhhhhhh';--"])
def test_signing_out_with_a_device_cookie_not_of_this_app_ends_no_stream(subscriber, film, cookie):
    # the device cookie is outside input: only a value of the shape this app sets names a device (devices.py), so
    # a forged one signs out as usual and ends nothing, even a session recorded under that very value
    session = _start(subscriber, film, device_id=cookie)
    browser = Client()
    browser.force_login(subscriber)
    browser.cookies["rh_device"] = cookie
    assert browser.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in browser.session  # signed out all the same
    assert PlaybackSession.objects.get(pk=session.pk).ended_at is None
    assert Client().post(session_url(session), BEAT).status_code == 200


def test_a_key_of_another_account_opens_nothing_of_this_one(subscriber, film):
    stranger = user_create(email="stranger@example.com", password="another horse battery", display_name="Stranger")
    subscription_grant(user=stranger, days=30)
    session = _start(subscriber, film)
    # the stranger's key for this session id (as if they could compute one): keyed to their password, not the owner's
    forged = session_key(session_id=str(session.id), user=stranger)
    assert _signed_out(Client().post(f"/watch/session/{session.id}/{forged}/heartbeat", BEAT))
    assert _untouched(session)
