"""TV sign-in with a code (RFC 8628) through the real views: the TV asks for a code, a phone approves it at
/activate, the TV polls; pending, slow_down, denied, expired, single use, guessing codes rate-limited, revocation."""

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from reelhouse.accounts import devicegrant
from reelhouse.accounts.models import Device, DeviceAuthorization
from reelhouse.accounts.services import profile_create, user_create
from reelhouse.core import clock

pytestmark = pytest.mark.django_db
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PASSWORD = "correct horse battery"


def ask_code(client) -> dict:
    response = client.post("/device/code")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.json()


def poll(client, device_code: str):
    return client.post("/device/token", {"grant_type": GRANT, "device_code": device_code})


def approve(phone, user_code: str, profile, decision: str = "approve"):
    return phone.post("/activate", {"code": user_code, "profile": profile.pk, "decision": decision})


@pytest.fixture
def phone(subscriber):
    client = Client()
    client.force_login(subscriber)
    return client


def test_device_authorization_response_has_the_rfc_fields(client):
    grant = ask_code(client)
    assert set(grant) == {"device_code", "user_code", "verification_uri", "verification_uri_complete",
                          "expires_in", "interval"}
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", grant["user_code"])
    assert len(grant["device_code"]) >= 40
    assert grant["verification_uri"].endswith("/activate")
    assert grant["verification_uri_complete"] == f"{grant['verification_uri']}?code={grant['user_code']}"
    assert (grant["expires_in"], grant["interval"]) == (600, 5)
    stored = DeviceAuthorization.objects.get()
    assert grant["device_code"] not in stored.device_code_hash  # kept as a digest only
    assert grant["user_code"].replace("-", "") not in stored.user_code_hash


def test_pending_then_slow_down_when_polling_too_fast(client):
    grant = ask_code(client)
    assert poll(client, grant["device_code"]).json()["error"] == "authorization_pending"
    answer = poll(client, grant["device_code"])  # at once: sooner than the interval
    assert (answer.status_code, answer.json()["error"]) == (400, "slow_down")
    assert DeviceAuthorization.objects.get().interval_s == 10
    clock.advance(dt.timedelta(seconds=10))
    assert poll(client, grant["device_code"]).json()["error"] == "authorization_pending"


def test_approved_code_gives_a_profile_scoped_token_once(client, phone, subscriber):
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    grant = ask_code(client)
    page = phone.post("/activate", {"code": grant["user_code"].lower().replace("-", "")})  # case and dash optional
    assert page.status_code == 200 and b"Who will watch on the TV?" in page.content
    assert approve(phone, grant["user_code"], kid).status_code == 200
    answer = poll(client, grant["device_code"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["profile_id"] == kid.pk
    device = devicegrant.device_for_token(body["access_token"])
    assert device is not None and device.profile == kid and device.user == subscriber
    clock.advance(dt.timedelta(seconds=6))
    again = poll(client, grant["device_code"])  # single use: the code is spent
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert Device.objects.count() == 1
    devicegrant.device_revoke(device=device, actor=subscriber)
    assert devicegrant.device_for_token(body["access_token"]) is None


def test_denied_code_answers_access_denied(client, phone, subscriber):
    grant = ask_code(client)
    approve(phone, grant["user_code"], subscriber.profiles.get(), decision="deny")
    answer = poll(client, grant["device_code"])
    assert (answer.status_code, answer.json()["error"]) == (400, "access_denied")
    assert not Device.objects.exists()


def test_expired_code_is_refused_to_the_tv_and_the_phone(client, phone, subscriber):
    grant = ask_code(client)
    clock.advance(dt.timedelta(minutes=10, seconds=1))
    page = approve(phone, grant["user_code"], subscriber.profiles.get())
    assert page.status_code == 400
    assert DeviceAuthorization.objects.get().state == "pending"
    assert poll(client, grant["device_code"]).json()["error"] == "expired_token"


def test_a_kids_profile_cannot_sign_a_tv_in_as_the_owner(client, subscriber):
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    phone = Client()
    phone.force_login(subscriber)
    phone.post(f"/accounts/profiles/{kid.pk}/enter/")
    grant = ask_code(client)
    owner = subscriber.profiles.get(is_owner=True)
    assert approve(phone, grant["user_code"], owner).status_code == 400  # the owner's profile is not offered
    assert DeviceAuthorization.objects.get().state == "pending"


def test_guessing_codes_is_slowed_per_account(client, phone, subscriber, settings):
    """The attack: walk through user codes from one signed-in account until one hits."""
    grant = ask_code(client)
    settings.REELHOUSE_DEVICE_CODE_ATTEMPTS = 5
    for _ in range(5):
        assert phone.post("/activate", {"code": "BBBB-BBBB"}).status_code == 400
    blocked = phone.post("/activate", {"code": grant["user_code"]})  # even the right code is not looked at now
    assert blocked.status_code == 429 and b"Too many codes tried" in blocked.content
    assert approve(phone, grant["user_code"], subscriber.profiles.get()).status_code == 429
    assert DeviceAuthorization.objects.get().state == "pending"


def test_guessing_codes_is_slowed_per_address_across_accounts(client, settings):
    settings.REELHOUSE_DEVICE_CODE_ATTEMPTS_PER_CLIENT = 4
    guessers = []
    for n in range(3):
        user = user_create(email=f"guesser{n}@example.com", password=PASSWORD)
        guesser = Client()
        guesser.force_login(user)
        guessers.append(guesser)
    codes = [guessers[n % 3].post("/activate", {"code": "CCCC-CCCC"}).status_code for n in range(5)]
    assert codes == [400, 400, 400, 400, 429]


def test_a_device_code_from_the_web_tv_page_signs_in_only_that_browser(phone, subscriber):
    """The attack: collect (or push) the sign-in of a code another browser's TV page asked for."""
    tv = Client()
    page = tv.get("/tv/")
    device_code = re.search(rb'data-device-code="([^"]+)"', page.content).group(1).decode()
    user_code = re.search(rb'id="tv-code">([A-Z-]+)<', page.content).group(1).decode()
    assert b"<svg" in page.content  # the QR code, drawn on the server
    approve(phone, user_code, subscriber.profiles.get())
    thief = Client()
    stolen = poll(thief, device_code)
    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")
    assert "_auth_user_id" not in thief.session
    answer = poll(tv, device_code)
    assert answer.json() == {"signed_in": True, "next": "/"}
    assert "access_token" not in answer.json()
    assert tv.get("/").status_code == 200 and int(tv.session["_auth_user_id"]) == subscriber.pk
    device = Device.objects.get()
    assert device.session_key == tv.session.session_key


def test_revoking_a_device_ends_its_session(phone, subscriber):
    tv = Client()
    page = tv.get("/device/")
    device_code = re.search(rb'data-device-code="([^"]+)"', page.content).group(1).decode()
    user_code = re.search(rb'id="tv-code">([A-Z-]+)<', page.content).group(1).decode()
    approve(phone, user_code, subscriber.profiles.get())
    poll(tv, device_code)
    device = Device.objects.get()
    listing = phone.get("/accounts/devices/")
    assert listing.status_code == 200 and b"Sign out this device" in listing.content
    assert phone.post(f"/accounts/devices/{device.pk}/revoke/").status_code == 302
    assert not Session.objects.filter(session_key=device.session_key).exists()
    assert tv.get("/").status_code == 302  # signed out: the home page sends it to sign in
    assert b"Sign out this device" not in phone.get("/accounts/devices/").content


def test_another_account_cannot_revoke_my_device(client, phone, subscriber):
    grant = ask_code(client)
    approve(phone, grant["user_code"], subscriber.profiles.get())
    token = poll(client, grant["device_code"]).json()["access_token"]
    device = Device.objects.get()
    other = Client()
    other.force_login(user_create(email="other@example.com", password=PASSWORD))
    assert other.post(f"/accounts/devices/{device.pk}/revoke/").status_code == 404
    assert devicegrant.device_for_token(token) is not None


def test_wrong_grant_type_is_named(client):
    answer = client.post("/device/token", {"grant_type": "password", "device_code": "x"})
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("language, words", [("fr", "scannez le code"), ("de", "scannen Sie den Code")])
def test_tv_page_speaks_the_browser_language(language, words):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/tv/")
    assert words in page.content.decode()


def test_expired_codes_are_purged_by_the_scheduler(client):
    from reelhouse.core import scheduler

    ask_code(client)
    purge = next(job for job in scheduler.periodic_jobs() if job.name == "accounts.device_authorizations_purge")
    assert purge.run() == 0  # still alive
    clock.advance(dt.timedelta(minutes=71))
    assert purge.run() == 1 and not DeviceAuthorization.objects.exists()


def test_signing_out_everywhere_revokes_device_tokens(client, phone, subscriber):
    from reelhouse.accounts.services import sessions_end_everywhere

    grant = ask_code(client)
    approve(phone, grant["user_code"], subscriber.profiles.get())
    token = poll(client, grant["device_code"]).json()["access_token"]
    sessions_end_everywhere(user=subscriber)
    assert devicegrant.device_for_token(token) is None
