"""Profiles are a boundary: only the account owner's profile (or another adult profile after the owner confirmed with
the account password or the owner's PIN, for a short while) manages profiles, billing, privacy and security; a kids
profile never does; a heartbeat writes only the progress of the profile whose page started the session. Each
attack runs against the real views."""

import datetime as dt
import importlib
import uuid

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver

from reelhouse.accounts.access import OWNER_CONFIRM_SECONDS
from reelhouse.accounts.models import Profile
from reelhouse.accounts.services import ProfileError, profile_create, profile_delete, profile_update
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.playback.services import playback_start
from reelhouse.playback.signing import stream_prefix
from tests.playback.playing import published_film, session_url

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
OWNER_PIN = "2468"

# Every owner-only page and action: (method, path with {other} = another profile's id, {uuid}, {int} = any id).
PROTECTED = {
    "accounts:profiles_manage": ("get", "/accounts/profiles/manage/"),
    "accounts:profile_new": ("post", "/accounts/profiles/new/"),
    "accounts:profile_edit": ("post", "/accounts/profiles/{other}/edit/"),
    "accounts:profile_delete": ("post", "/accounts/profiles/{other}/delete/"),
    "accounts:security": ("get", "/accounts/security/"),
    "accounts:privacy": ("get", "/accounts/privacy/"),
    "accounts:export": ("get", "/accounts/privacy/export/"),
    "accounts:sign_out_everywhere": ("post", "/accounts/sign-out-everywhere/"),
    "accounts:password_change": ("get", "/accounts/password/"),
    "accounts:devices": ("get", "/accounts/devices/"),
    "accounts:device_revoke": ("post", "/accounts/devices/{int}/revoke/"),
    "billing:account": ("get", "/account/"),
    "billing:redeem": ("post", "/account/redeem/"),
    "billing:trial": ("post", "/account/trial/"),
    "billing:cancel": ("post", "/account/cancel/"),
    "billing:pause": ("post", "/account/pause/"),
    "billing:unpause": ("post", "/account/unpause/"),
    "billing:upgrade": ("post", "/account/upgrade/"),
    "billing:change": ("post", "/account/plan-change/"),
    "billing:change_cancel": ("post", "/account/plan-change/cancel/"),
    "billing:portal": ("post", "/account/payment-method/"),
    "billing:details": ("post", "/account/billing-details/"),
    "billing:referral": ("post", "/account/referral/"),
    "billing:stamps_redeem": ("post", "/account/stamps/one-month/redeem/"),
    "billing:receipt": ("get", "/account/receipts/RH-2026-000001/"),
    "billing:checkout": ("post", "/billing/checkout/"),
    "playback:download_again": ("get", "/account/downloads/{uuid}/"),
    "playback:download_revoke": ("post", "/account/downloads/{uuid}/revoke/"),
}
# Account-area URLs any profile may use, and why.
OPEN = {
    "billing:stream_stop": "frees a stream slot for whoever is refused; it changes no profile, plan or payment",
    "billing:report_csv": "a permanent redirect to /ops/dashboard/<name>.csv, which is for operators only (staff)",
    "billing:stripe_webhook": "Stripe, signed",
    "accounts:login": "", "accounts:login_2fa": "", "accounts:logout": "", "accounts:signup": "",
    "accounts:verify": "", "accounts:verify_resend": "", "accounts:password_reset": "",
    "accounts:password_reset_done": "", "accounts:password_reset_confirm": "", "accounts:password_changed": "",
    "accounts:profiles": "choosing who watches", "accounts:profile_enter": "entering a profile (PIN when locked)",
    "accounts:owner_confirm": "the confirmation step itself",
    "accounts:enrol": "an operator's one-time enrolment link (no session yet)",
    "accounts:enrol_confirm": "the code that ends an enrolment (no session yet)",
}


def _names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def household(subscriber):
    owner = subscriber.profiles.get()
    profile_update(profile=owner, pin=OWNER_PIN)
    partner = profile_create(user=subscriber, name="Partner")
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    return {"owner": owner, "partner": partner, "kid": kid}


def _as(client, subscriber, profile, pin=""):
    client.force_login(subscriber)
    response = client.post(f"/accounts/profiles/{profile.pk}/enter/", {"pin": pin, "next": "/"})
    assert response.status_code == 302
    return client


def _request(client, name, household, as_profile):
    method, path = PROTECTED[name]
    other = household["kid"] if as_profile != "kid" else household["partner"]
    return getattr(client, method)(path.format(other=other.pk, uuid=uuid.uuid4(), int=987654))


def test_every_account_area_url_is_classified_owner_only_or_open():
    names = {n for n in _names(get_resolver().url_patterns) if n.split(":")[0] in ("accounts", "billing")
             or (n.startswith("playback:download_") and n != "playback:download_start")}
    names.discard("playback:download_file")  # a signed link, checked per request
    assert names - set(PROTECTED) - set(OPEN) == set()


@pytest.mark.parametrize("name", PROTECTED)
def test_a_kids_profile_is_refused_everywhere(client, subscriber, household, name):
    response = _request(_as(client, subscriber, household["kid"]), name, household, "kid")
    assert response.status_code == 403, name
    assert b"kids profile cannot" in response.content


@pytest.mark.parametrize("name", PROTECTED)
def test_another_adult_profile_must_confirm_first(client, subscriber, household, name):
    response = _request(_as(client, subscriber, household["partner"]), name, household, "partner")
    if PROTECTED[name][0] == "get":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/owner/?next="), name
    else:
        assert response.status_code == 403, name
        assert b"/accounts/owner/?next=" in response.content


@pytest.mark.parametrize("name", PROTECTED)
def test_the_owner_profile_is_let_through(client, subscriber, household, name):
    response = _request(_as(client, subscriber, household["owner"], pin=OWNER_PIN), name, household, "owner")
    assert response.status_code != 403, name
    assert not response.get("Location", "").startswith(("/accounts/owner/", "/accounts/login/")), name


def test_a_kid_cannot_lift_its_own_age_limit_remove_the_owner_pin_or_delete_a_profile(client, subscriber, household):
    kid, owner, partner = household["kid"], household["owner"], household["partner"]
    client = _as(client, subscriber, kid)
    lift = {"name": "Kid", "max_maturity": "18", "language": "", "audio_language": "", "subtitle_language": ""}
    assert client.post(f"/accounts/profiles/{kid.pk}/edit/", lift).status_code == 403
    assert client.post(f"/accounts/profiles/{owner.pk}/edit/", {**lift, "name": owner.name,
                                                                "remove_pin": "on"}).status_code == 403
    assert client.post(f"/accounts/profiles/{partner.pk}/delete/").status_code == 403
    # Even with the account password typed in, a kids profile does not get the owner's pages.
    assert client.post("/accounts/owner/", {"password": PASSWORD, "next": "/account/"}).status_code == 403
    assert client.get("/account/").status_code == 403
    kid.refresh_from_db(), owner.refresh_from_db()
    assert kid.is_kids and kid.max_maturity == Profile.Maturity.SEVEN
    assert check_password(OWNER_PIN, owner.pin_hash) and Profile.objects.filter(pk=partner.pk).exists()


def test_a_confirmation_with_the_password_or_owner_pin_opens_the_pages_for_a_while(client, subscriber, household):
    client = _as(client, subscriber, household["partner"])
    response = client.post("/accounts/owner/", {"password": "wrong", "next": "/account/"})
    assert response.status_code == 403 and client.get("/account/").status_code == 302
    response = client.post("/accounts/owner/", {"password": PASSWORD, "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    clock.advance(dt.timedelta(seconds=OWNER_CONFIRM_SECONDS + 1))
    assert client.get("/account/").status_code == 302  # lapsed: confirm again
    assert client.post("/accounts/owner/", {"pin": OWNER_PIN, "next": "/account/"}).status_code == 302
    assert client.get("/accounts/profiles/manage/").status_code == 200
    # Switching to another profile and back forgets the confirmation.
    client.post(f"/accounts/profiles/{household['kid'].pk}/enter/", {"next": "/"})
    client.post(f"/accounts/profiles/{household['partner'].pk}/enter/", {"next": "/"})
    assert client.get("/accounts/profiles/manage/").status_code == 302


def test_guessing_the_owner_pin_is_locked_out(client, subscriber, household):
    client = _as(client, subscriber, household["partner"])
    for guess in ("0000", "1111", "2222", "3333", "4444"):
        assert client.post("/accounts/owner/", {"pin": guess}).status_code == 403
    response = client.post("/accounts/owner/", {"pin": OWNER_PIN, "next": "/account/"})
    assert response.status_code == 403 and b"Too many wrong attempts" in response.content
    assert client.get("/account/").status_code == 302


def test_the_owner_profile_cannot_become_a_kids_profile_or_be_deleted(household):
    with pytest.raises(ProfileError, match="owner's profile cannot be a kids profile"):
        profile_update(profile=household["owner"], is_kids=True)
    with pytest.raises(ProfileError, match="owner's profile cannot be deleted"):
        profile_delete(profile=household["owner"])


def _foreign_urls(session, own_session, action: str) -> dict[str, str]:
    """What someone who did not start `session` can post to instead of its keyed URL: no key, a made-up key, the key
    of their own session, and the session's own stream token (a segment's address can be seen)."""
    own_key = session_url(own_session).split("/")[4]
    token = stream_prefix(session_id=str(session.id), asset_id=session.asset_id).split("/")[2]
    base = f"/watch/session/{session.id}"
    return {"no key": f"{base}/{action}", "made up": f"{base}/{'A' * 24}/{action}",
            "their own session's": f"{base}/{own_key}/{action}", "the stream token": f"{base}/{token}/{action}"}


def _refused(response) -> bool:
    # 404 without a key (no such URL); with a key that does not open the session, the player's signed-out answer
    return response.status_code == 404 or (response.status_code == 403 and response.json()["code"] == "signed_out")


def test_a_heartbeat_for_another_profiles_session_is_refused_and_writes_nothing(client, subscriber, household,
                                                                                licensed_source):
    work = published_film(licence=licensed_source.licence, title="Their Film", duration_s=60, directory="packages/z",
                          sha256="ef" * 32)
    session = playback_start(profile=household["partner"], work=work, device="Firefox")
    # the kid's own session (of a rated title it may watch; its key is all that matters here)
    kids_own = PlaybackSession.objects.create(profile=household["kid"], work=work, asset=work.asset, device="Chromium")
    client = _as(client, subscriber, household["kid"])
    for what, url in _foreign_urls(session, kids_own, "heartbeat").items():
        assert _refused(client.post(url, {"position": "42", "duration": "60"})), what
    assert not ResumePoint.objects.filter(work=work, profile=household["partner"]).exists()
    assert PlaybackSession.objects.get(pk=session.pk).last_heartbeat_at == session.last_heartbeat_at
    response = client.post(session_url(session), {"position": "42", "duration": "60"})  # the partner's own page
    assert response.status_code == 200
    assert ResumePoint.objects.get(work=work).profile == household["partner"]


@pytest.mark.parametrize("action", ["heartbeat", "leave"])
def test_a_heartbeat_or_beacon_for_another_accounts_session_is_refused_and_writes_nothing(client, subscriber, action,
                                                                                        licensed_source):
    # Only the session's own key opens it: a session id of another account, however it was learnt, with any key the
    # attacker can make or has seen, is refused and changes nothing there.
    from reelhouse.accounts.services import user_create
    from reelhouse.billing.services import subscription_grant

    stranger = user_create(email="stranger@example.com", password="another horse battery", display_name="Stranger")
    subscription_grant(user=stranger, days=30)
    work = published_film(licence=licensed_source.licence, title="Their Film", duration_s=60, directory="packages/s",
                          sha256="fe" * 32)
    session = playback_start(profile=stranger.profiles.get(), work=work, device="Firefox")
    own = playback_start(profile=subscriber.profiles.get(), work=work, device="Chromium")
    client = _as(client, subscriber, subscriber.profiles.get())
    for what, url in _foreign_urls(session, own, action).items():
        assert _refused(client.post(url, {"position": "42", "duration": "60"})), what
    after = PlaybackSession.objects.get(pk=session.pk)
    assert after.ended_at is None and after.last_heartbeat_at == session.last_heartbeat_at
    assert not ResumePoint.objects.filter(work=work).exists()


def test_existing_accounts_get_their_oldest_adult_profile_as_owner(subscriber):
    from django.apps import apps

    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    adult = profile_create(user=subscriber, name="Later adult")
    Profile.objects.filter(user=subscriber).update(is_owner=False)
    Profile.objects.filter(pk=subscriber.profiles.order_by("created_at", "id").first().pk).update(is_kids=True)
    migration = importlib.import_module("reelhouse.accounts.migrations.0006_profile_owner")
    migration.owners_mark(apps, None)
    assert list(Profile.objects.filter(user=subscriber, is_owner=True)) == [adult]
    assert Profile.objects.get(pk=kid.pk).is_owner is False


def test_the_manage_page_marks_the_owner_and_warns_while_its_profile_is_unlocked(client, subscriber, household):
    client = _as(client, subscriber, household["owner"], pin=OWNER_PIN)
    page = client.get("/accounts/profiles/manage/").content.decode()
    assert "Account owner" in page and 'id="owner-unlocked"' not in page
    assert f"/accounts/profiles/{household['owner'].pk}/delete/" not in page
    profile_update(profile=household["owner"], pin="")
    page = client.get("/accounts/profiles/manage/").content.decode()
    assert 'id="owner-unlocked"' in page and "Lock Viewer with a PIN" in page


def test_preferences_change_only_the_active_profile_whatever_profile_the_request_names(client, subscriber, household):
    client = _as(client, subscriber, household["kid"])
    for field in ("profile", "profile_id"):
        response = client.post("/watch/preferences", {"audio": "fr", "subtitles": "de", field: household["partner"].pk})
        assert response.status_code == 200
    household["partner"].refresh_from_db(), household["kid"].refresh_from_db()
    assert (household["partner"].audio_language, household["partner"].subtitle_language) == ("", "")
    assert (household["kid"].audio_language, household["kid"].subtitle_language) == ("fr", "de")
