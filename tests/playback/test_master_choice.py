"""The native-HLS player's quality and audio menus: the signed master, narrowed by `?quality=<height>` and
`?audio=<folder>` to the viewer's choice; and every way of abusing those parameters, as an attacker would try them
against the real view (values not on offer, above the plan, malformed, repeated, path tricks, another asset's or an
expired token)."""

import datetime as dt
import re
from pathlib import Path

import m3u8
import pytest
from django.test import Client

from reelhouse.billing.selectors import subscription_current
from reelhouse.catalog.models import Episode, Film
from reelhouse.core import clock
from tests.conftest import deliver, make_clip, scan_until_settled
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def films(licensed_source, clip_cache, tmp_path):
    """A 480p film with English and French audio, and a 480p episode with one audio track."""
    source = tmp_path / "two-audio.mkv"
    make_clip(source, seconds=4, size="854x480", dubbed=True)
    deliver(licensed_source, "Two Shores (2023)/Two Shores (2023).mkv", source)
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv",
            clip_cache(seconds=4, size="854x480"))
    scan_until_settled(licensed_source)
    return Film.objects.get(), Episode.objects.get()


@pytest.fixture
def viewer(client, subscriber):
    client.force_login(subscriber)
    return client


def master(client, url) -> m3u8.M3U8:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return m3u8.loads(response.content.decode())


def test_the_full_master_offers_both_rungs_and_both_audio_tracks(viewer, films):
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    full = master(viewer, prefix + "master.m3u8")
    assert sorted(p.stream_info.resolution[1] for p in full.playlists) == [360, 480]
    assert [(m.language, m.default) for m in full.media if m.type == "AUDIO"] == [("en", "YES"), ("fr", "NO")]


def test_a_quality_keeps_only_that_rung_with_every_audio_track_and_the_subtitles(viewer, films):
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    chosen = master(viewer, prefix + "master.m3u8?quality=360")
    assert [p.uri for p in chosen.playlists] == ["v360/index.m3u8"]
    assert [p.uri for p in chosen.iframe_playlists] == ["v360/iframes.m3u8"]
    assert [m.language for m in chosen.media if m.type == "AUDIO"] == ["en", "fr"]


def test_an_audio_choice_keeps_only_that_track_as_the_default_and_every_rung(viewer, films):
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    full = master(viewer, prefix + "master.m3u8")
    french = next(m.uri.split("/")[0] for m in full.media if m.type == "AUDIO" and m.language == "fr")
    chosen = master(viewer, f"{prefix}master.m3u8?audio={french}")
    assert [(m.language, m.default, m.uri) for m in chosen.media if m.type == "AUDIO"] == \
        [("fr", "YES", f"{french}/index.m3u8")]
    assert len(chosen.playlists) == 2
    both = master(viewer, f"{prefix}master.m3u8?quality=480&audio={french}")
    assert [p.uri for p in both.playlists] == ["v480/index.m3u8"]
    assert [m.language for m in both.media if m.type == "AUDIO"] == ["fr"]


def test_a_rung_above_the_plan_cannot_be_chosen(viewer, subscriber, films):
    plan = subscription_current(user=subscriber).plan
    plan.max_height = 360
    plan.save(update_fields=["max_height"])
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    response = viewer.get(prefix + "master.m3u8?quality=480")
    assert response.status_code == 404 and b"v480" not in response.content
    assert [p.uri for p in master(viewer, prefix + "master.m3u8?quality=360").playlists] == ["v360/index.m3u8"]


HOSTILE = [
    "quality=720", "quality=0360", "quality=360.0", "quality=-360", "quality=", "quality=360&quality=480",
    "quality=%33%36%30%00", "quality=9" * 3, "quality=" + "9" * 5000, "audio=audio9", "audio=", "audio=v480",
    "audio=download", "audio=subs", "audio=trickplay", "audio=../download", "audio=audio%2F..%2Fdownload",
    "audio=AUDIO", "audio=audio&audio=audio2", "audio=%C3%A9", "audio=audio%00", "variant=v480", "foo=1",
    "quality=360&foo=1", "quality=360&audio=nope",
]


def test_a_choice_not_on_offer_or_malformed_is_404_and_leaks_nothing(viewer, films):
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    client = Client(raise_request_exception=False)  # a 500 would be a status here, not an exception
    client.force_login(_user(viewer))
    answers = {query: client.get(f"{prefix}master.m3u8?{query}") for query in HOSTILE}
    assert {q: r.status_code for q, r in answers.items() if r.status_code != 404} == {}
    assert [q for q, r in answers.items() if b"#EXT" in r.content] == []


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_the_choice_on_another_asset_or_under_a_forged_or_expired_token_is_refused(viewer, settings, films):
    film, episode = films
    prefix = start_playing(viewer, film)["stream_prefix"]
    _, _, sig, expires, session, asset, _ = prefix.split("/")
    other_asset = episode.asset_id
    assert other_asset != int(asset)
    for url in (f"/stream/{sig}/{expires}/{session}/{other_asset}/master.m3u8?quality=360",
                f"/stream/{'A' * len(sig)}/{expires}/{session}/{asset}/master.m3u8?quality=360",
                f"/stream/{sig}/{int(expires) + 3600}/{session}/{asset}/master.m3u8?audio=audio",
                f"{prefix}..%2F..%2Fmaster.m3u8?quality=360"):
        assert viewer.get(url).status_code == 403, url
    clock.advance(dt.timedelta(seconds=settings.REELHOUSE_STREAM_TOKEN_TTL + 1))
    assert viewer.get(prefix + "master.m3u8?quality=360").status_code == 403


def test_a_choice_on_a_media_file_changes_nothing(viewer, films, settings):
    prefix = start_playing(viewer, films[0])["stream_prefix"]
    plain = viewer.get(prefix + "v360/index.m3u8")
    asked = viewer.get(prefix + "v360/index.m3u8?quality=480&audio=audio2")
    body = b"".join(plain.streaming_content) if plain.streaming else plain.content
    other = b"".join(asked.streaming_content) if asked.streaming else asked.content
    assert plain.status_code == asked.status_code == 200 and body == other
    assert Path(settings.MEDIA_ROOT).is_dir()


def _menus_shown(viewer, work) -> dict[str, bool]:
    """The watch page's player menus as the server renders them: shown (True) or hidden."""
    html = viewer.get(f"/watch/{work.pk}/").content.decode()
    return {name: not hidden for hidden, name in re.findall(r'<label( hidden)?>[^<]*<select id="(\w+)"', html)}


def test_the_watch_page_shows_from_the_start_only_the_menus_its_stream_offers_a_choice_in(viewer, films, subscriber):
    """Rendered by the server from the session's own master, so nothing under the video moves when the player fills
    them: the dubbed film offers two rungs and two audio tracks, the episode two rungs and one audio track, and a
    plan limited to the smallest rung leaves no quality to choose."""
    film, episode = films
    assert _menus_shown(viewer, film) == {"quality": True, "audio": True, "subtitles": False}
    assert _menus_shown(viewer, episode) == {"quality": True, "audio": False, "subtitles": False}
    plan = subscription_current(user=subscriber).plan
    plan.max_height = 360
    plan.save(update_fields=["max_height"])
    assert _menus_shown(viewer, film) == {"quality": False, "audio": True, "subtitles": False}
