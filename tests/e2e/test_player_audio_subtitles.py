"""In a real browser: the player starts a title in the profile's audio and subtitle languages (kept on the server),
and what the viewer picks in the menus becomes the profile's choice, for the next title and the next device. Through
Chromium's native HLS (the master narrowed to the chosen audio, <track> subtitles) and through hls.js (Firefox)."""


import pytest

from reelhouse.accounts.models import Profile
from reelhouse.accounts.services import profile_create, profile_playback_preferences_set
from reelhouse.catalog.models import Film
from tests.conftest import deliver, make_clip, scan_until_settled
from tests.e2e.conftest import hlsjs_only, screenshot
from tests.e2e.test_player import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SRT = "1\n00:00:00,200 --> 00:00:30,000\n{line}\n"


@pytest.fixture
def bilingual_film(licensed_source, tmp_path):
    """A film with English and French audio and English and French subtitle sidecars, delivered as a licensor
    would, through the real pipeline."""
    source = tmp_path / "bilingual.mkv"
    make_clip(source, seconds=12, size="640x360", dubbed=True)
    folder = "Two Shores (2023)"
    deliver(licensed_source, f"{folder}/Two Shores (2023).mkv", source)
    for lang, line in (("en", "The tide is turning."), ("fr", "La marée tourne.")):
        (tmp_path / "watch" / folder / f"Two Shores (2023).{lang}.srt").write_text(SRT.format(line=line))
    scan_until_settled(licensed_source)
    return Film.objects.get(title="Two Shores")


# The film's audio renditions in the package, in the source's order (media/transcode: audio, audio2...).
AUDIO_FOLDERS = {"audio": "en", "audio2": "fr"}
SHOWING = "Array.from(document.getElementById('video').textTracks).find(t => t.mode === 'showing')"


def tracks(page) -> dict:
    """What the viewer gets: the audio language playing, the subtitles' and whether they are on screen. Through
    hls.js, as hls.js has them; natively, the audio rendition the element fetched its latest segment from and the
    text track showing."""
    if page.evaluate("!!window.reelhouseHls"):
        return page.evaluate("""(() => { const h = window.reelhouseHls;
          return {audio: h.audioTrack >= 0 ? h.audioTracks[h.audioTrack].lang : null,
                  subtitles: h.subtitleTrack >= 0 ? h.subtitleTracks[h.subtitleTrack].lang : null,
                  display: h.subtitleDisplay}; })()""")
    folder = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                           ".filter(u => /\\/audio\\d*\\/seg_/.test(u)).pop().split('/').slice(-2)[0]")
    showing = page.evaluate(f"(t => t ? t.language : null)({SHOWING})")
    return {"audio": AUDIO_FOLDERS[folder], "subtitles": showing, "display": showing is not None}


@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_player_starts_in_the_profile_languages_and_saves_the_viewer_choice(page, live_server, subscriber,
                                                                              bilingual_film, player):
    if player == "hls.js":
        hlsjs_only(page)
    profile = subscriber.profiles.get()
    profile_playback_preferences_set(profile=profile, audio_language="fr", subtitle_language="fr")
    other = profile_create(user=subscriber, name="Sam")  # keeps its own (none)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(subscriber.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=profile.name).click()  # two profiles: who is watching?
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/watch/{bilingual_film.pk}/")
    page.wait_for_function("document.getElementById('video').currentTime > 1", timeout=30_000)
    page.wait_for_function(f"!!{SHOWING}")
    assert page.evaluate("!!window.Hls") == (player == "hls.js")  # hls.js is fetched only where it plays
    assert tracks(page) == {"audio": "fr", "subtitles": "fr", "display": True}
    assert page.locator("#audio").is_visible() and page.locator("#subtitles").is_visible()
    assert page.locator("#audio option:checked").inner_text() == "French"
    assert page.locator("#subtitles option:checked").inner_text() == "French"
    page.wait_for_function("(() => { const t = Array.from(document.getElementById('video').textTracks)"
                           ".find(t => t.mode === 'showing'); return t && t.activeCues && t.activeCues.length &&"
                           " t.activeCues[0].text.includes('La marée tourne'); })()", timeout=15_000)
    screenshot(page, "player-profile-languages")

    # The viewer switches to English audio and turns subtitles off: the profile keeps both.
    at = page.evaluate("document.getElementById('video').currentTime")
    with page.expect_response("**/watch/preferences") as saved:
        page.select_option("#audio", label="English")
    assert saved.value.json()["audio"] == "en"
    page.wait_for_function("(() => { const v = document.getElementById('video'); return !v.paused && "
                           f"v.currentTime > {at} + 0.5; }})()", timeout=30_000)  # on from there, not from 0
    page.wait_for_function(f"(() => {{ const t = {SHOWING}; return t && t.activeCues && t.activeCues.length; }})()")
    assert tracks(page) == {"audio": "en", "subtitles": "fr", "display": True}
    with page.expect_response("**/watch/preferences") as saved:
        page.select_option("#subtitles", label="Off")
    assert saved.value.json() == {"audio": "en", "subtitles": ""}
    profile.refresh_from_db()
    assert (profile.audio_language, profile.subtitle_language) == ("en", "")
    assert (Profile.objects.get(pk=other.pk).audio_language, Profile.objects.get(pk=other.pk).subtitle_language) \
        == ("", "")

    # Next time (any device), the title starts that way; "c" turns on subtitles in the interface language.
    page.reload()
    page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=30_000)
    assert tracks(page) == {"audio": "en", "subtitles": None, "display": False}
    with page.expect_response("**/watch/preferences"):
        page.locator("body").press("c")
    assert tracks(page)["subtitles"] == "en"
    profile.refresh_from_db()
    assert profile.subtitle_language == "en"
