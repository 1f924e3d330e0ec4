"""Audio and subtitle languages per profile, kept on the server: the watch page hands them to the player, and the
player saves the viewer's choices back (a profile's choice follows it to every device, other profiles keep theirs)."""

import pytest

from reelhouse.accounts.models import Profile
from reelhouse.accounts.services import ProfileError, language_tag_clean, profile_create
from reelhouse.core.models import AuditEvent
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/watch/preferences"


@pytest.fixture
def viewer(client, subscriber):
    client.force_login(subscriber)
    return client


@pytest.fixture
def profile(subscriber):
    return subscriber.profiles.get()


@pytest.mark.parametrize("given, stored", [
    ("fr", "fr"), ("FR", "fr"), (" de ", "de"), ("pt-br", "pt-BR"), ("zh-hant", "zh-Hant"), ("es-419", "es-419"),
    ("deu", "deu"), ("", ""),
])
def test_language_tags_are_normalised(given, stored):
    assert language_tag_clean(given) == stored


@pytest.mark.parametrize("bad", ["french", "f", "en_GB", "en-GB-oxendict", "<script>", "12"])
def test_anything_but_a_language_tag_is_refused_with_the_reason(bad):
    with pytest.raises(ProfileError, match="is not a language code; use one like en, fr or pt-BR"):
        language_tag_clean(bad)


def test_player_saves_the_choice_on_the_profile(viewer, profile):
    response = viewer.post(URL, {"audio": "fr", "subtitles": "en"})
    assert response.status_code == 200 and response.json() == {"audio": "fr", "subtitles": "en"}
    profile.refresh_from_db()
    assert (profile.audio_language, profile.subtitle_language) == ("fr", "en")
    assert AuditEvent.objects.filter(action="profile.playback_preferences").count() == 1


def test_a_field_left_out_stays_and_subtitles_empty_means_off(viewer, profile):
    viewer.post(URL, {"audio": "fr", "subtitles": "en"})
    assert viewer.post(URL, {"subtitles": ""}).json() == {"audio": "fr", "subtitles": ""}
    assert viewer.post(URL, {"audio": "de"}).json() == {"audio": "de", "subtitles": ""}
    profile.refresh_from_db()
    assert (profile.audio_language, profile.subtitle_language) == ("de", "")


def test_the_same_choice_again_writes_nothing(viewer, profile):
    viewer.post(URL, {"audio": "fr"})
    viewer.post(URL, {"audio": "fr"})
    assert AuditEvent.objects.filter(action="profile.playback_preferences").count() == 1


def test_a_bad_language_is_refused_and_nothing_changes(viewer, profile):
    viewer.post(URL, {"audio": "fr"})
    response = viewer.post(URL, {"audio": "klingon!", "subtitles": "en"})
    assert response.status_code == 400
    assert response.json()["error"] == "klingon! is not a language code; use one like en, fr or pt-BR."
    profile.refresh_from_db()
    assert (profile.audio_language, profile.subtitle_language) == ("fr", "")


def test_only_the_active_profile_changes(viewer, subscriber, profile):
    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    viewer.post(f"/accounts/profiles/{kid.pk}/enter/", {"next": "/"})
    viewer.post(URL, {"subtitles": "de"})
    assert Profile.objects.get(pk=kid.pk).subtitle_language == "de"
    assert Profile.objects.get(pk=profile.pk).subtitle_language == ""


def test_signed_out_or_get_is_refused(client, viewer):
    assert viewer.get(URL).status_code == 405
    client.logout()
    response = client.post(URL, {"audio": "fr"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_watch_page_hands_the_profile_languages_to_the_player(viewer, profile, licensed_source, clip_cache):
    deliver(licensed_source, "Low Water (2018)/Low Water (2018).mkv", clip_cache(seconds=2, size="320x240"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Film

    viewer.post(URL, {"audio": "fr", "subtitles": "pt-BR"})
    page = viewer.get(f"/watch/{Film.objects.get().pk}/").content.decode()
    assert 'data-audio-lang="fr"' in page and 'data-subtitle-lang="pt-BR"' in page
    assert f'data-preferences-url="{URL}"' in page
