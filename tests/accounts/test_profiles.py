"""Profiles: at most five, kids limits, PIN locks with lockout, language per profile, the picker."""

import pytest
from django.core.cache import cache

from reelhouse.accounts.models import Profile
from reelhouse.accounts.services import ProfileError, profile_create, profile_delete, profile_update

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def viewer_client(client, subscriber):
    client.force_login(subscriber)
    return client


def test_five_profiles_at_most_with_clear_reasons(subscriber):
    for name in ["Ann", "Bo", "Cy", "Di"]:
        profile_create(user=subscriber, name=name)
    with pytest.raises(ProfileError, match="at most 5 profiles"):
        profile_create(user=subscriber, name="Ed")
    with pytest.raises(ProfileError, match="already a profile called ann"):
        profile_update(profile=subscriber.profiles.get(name="Bo"), name="ann")


def test_kids_profile_defaults_to_seven_plus_and_pins_are_four_digits(subscriber):
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    assert kid.max_maturity == Profile.Maturity.SEVEN and not kid.is_locked
    with pytest.raises(ProfileError, match="exactly 4 digits"):
        profile_update(profile=kid, pin="12a4")
    profile_update(profile=kid, pin="1234")
    kid.refresh_from_db()
    assert kid.is_locked and "1234" not in kid.pin_hash


def test_the_last_profile_cannot_be_deleted(subscriber):
    with pytest.raises(ProfileError, match="at least one profile"):
        profile_delete(profile=subscriber.profiles.get())


def test_sign_in_with_one_profile_goes_straight_home(client, subscriber):
    response = client.post("/accounts/login/", {"username": subscriber.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"


def test_picker_lists_profiles_and_entering_one_switches(viewer_client, subscriber):
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    page = viewer_client.get("/accounts/profiles/")
    assert page.status_code == 200 and b"Who is watching?" in page.content and b"Kid" in page.content
    response = viewer_client.post(f"/accounts/profiles/{kid.pk}/enter/", {"next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert viewer_client.get("/").wsgi_request.profile == kid


def test_locked_profile_needs_its_pin_and_locks_out_guessing(viewer_client, subscriber):
    locked = profile_create(user=subscriber, name="Parent", pin="4321")
    url = f"/accounts/profiles/{locked.pk}/enter/"
    assert viewer_client.post(url, {"pin": "0000"}).status_code == 403
    assert viewer_client.get("/").wsgi_request.profile != locked
    response = viewer_client.post(url, {"pin": "4321", "next": "/"})
    assert response.status_code == 302 and viewer_client.get("/").wsgi_request.profile == locked
    for _ in range(5):
        viewer_client.post(url, {"pin": "1111"})
    response = viewer_client.post(url, {"pin": "4321"})
    assert response.status_code == 403 and b"Too many wrong PINs" in response.content


def test_open_redirects_are_refused(viewer_client, subscriber):
    kid = profile_create(user=subscriber, name="Kid")
    response = viewer_client.post(f"/accounts/profiles/{kid.pk}/enter/", {"next": "https://evil.example/"})
    assert response.url == "/"


def test_when_every_profile_is_locked_pages_ask_who_is_watching(viewer_client, subscriber):
    profile_update(profile=subscriber.profiles.get(), pin="1234")
    response = viewer_client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/profiles/?next=")


def test_profile_language_wins_over_the_browser(viewer_client, subscriber):
    profile_update(profile=subscriber.profiles.get(), language="fr")
    page = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert b'<html lang="fr">' in page.content


def test_other_accounts_profiles_are_out_of_reach(viewer_client, subscriber, django_user_model):
    from reelhouse.accounts.services import user_create

    other = user_create(email="other@example.com", password=PASSWORD)
    theirs = other.profiles.get()
    assert viewer_client.post(f"/accounts/profiles/{theirs.pk}/enter/").status_code == 404
    assert viewer_client.get(f"/accounts/profiles/{theirs.pk}/edit/").status_code == 404


def test_add_and_edit_through_the_pages(viewer_client, subscriber):
    response = viewer_client.post("/accounts/profiles/new/", {"name": "Kid", "is_kids": "on", "max_maturity": "7",
                                                             "language": "de", "pin": ""})
    assert response.status_code == 302
    kid = subscriber.profiles.get(name="Kid")
    assert (kid.is_kids, kid.max_maturity, kid.language) == (True, 7, "de")
    page = viewer_client.post(f"/accounts/profiles/{kid.pk}/edit/", {"name": "", "max_maturity": "7"})
    assert page.status_code == 200 and b"This field is required" in page.content
    page = viewer_client.post("/accounts/profiles/new/", {"name": "X", "max_maturity": "18", "pin": "12"})
    assert b"exactly 4 digits" in page.content


def test_audio_and_subtitle_languages_on_the_profile_pages(viewer_client, subscriber):
    response = viewer_client.post("/accounts/profiles/new/", {"name": "Lea", "max_maturity": "18", "pin": "",
                                                             "audio_language": "fr", "subtitle_language": "de"})
    assert response.status_code == 302
    lea = subscriber.profiles.get(name="Lea")
    assert (lea.audio_language, lea.subtitle_language) == ("fr", "de")

    # A language chosen in the player that the interface does not offer stays chosen when the page is saved.
    lea.subtitle_language = "es"
    lea.save()
    page = viewer_client.get(f"/accounts/profiles/{lea.pk}/edit/").content.decode()
    assert '<option value="es" selected>es</option>' in page and '<option value="fr" selected>' in page
    viewer_client.post(f"/accounts/profiles/{lea.pk}/edit/", {"name": "Lea", "max_maturity": "18",
                                                             "audio_language": "", "subtitle_language": "es"})
    lea.refresh_from_db()
    assert (lea.audio_language, lea.subtitle_language) == ("", "es")
    page = viewer_client.post(f"/accounts/profiles/{lea.pk}/edit/", {"name": "Lea", "max_maturity": "18",
                                                                    "subtitle_language": "xx-forged"})
    assert page.status_code == 200 and b"Select a valid choice" in page.content
