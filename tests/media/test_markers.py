"""Intro and credits markers: found by matching audio fingerprints across a season's episodes, kept on the work,
and never overwritten where an operator corrected them."""

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from reelhouse.media.markers import (
    ITEM_S,
    ITEM_SPAN_S,
    MarkerError,
    fingerprint,
    marker_set_by_operator,
    season_markers_detect,
    shared_segments,
)
from reelhouse.media.models import Marker
from tests.conftest import deliver, scan_until_settled
from tests.media.conftest import FFMPEG

INTRO_S = 6
CREDITS_S = 6
CONTENT_S = 10
COLD_OPENS = [3, 3, 4]  # the third episode's intro starts a second later: detection must align, not assume
# A theme tune and a credits tune every episode shares: chords whose notes step several times a second.
JINGLE = ("aevalsrc='0.4*sin(2*PI*(440+110*floor(mod(2*t,8)))*t)+0.3*sin(2*PI*(660+55*floor(mod(3*t,5)))*t)'"
          f":s=22050:d={INTRO_S}")
CREDITS = ("aevalsrc='0.4*sin(2*PI*(300+70*floor(mod(4*t,6)))*t)+0.2*sin(2*PI*(1200-90*floor(mod(1.5*t,7)))*t)'"
           f":s=22050:d={CREDITS_S}")


def melody(n: int, seconds: float, salt: int) -> str:
    """Music only episode n has (cold open or story), different for every n and salt."""
    base, step, rate, notes = 200 + 97 * n + 31 * salt, 37 + 11 * n + 7 * salt, 1.3 + 0.7 * n + salt, 5 + n + salt
    return f"aevalsrc='0.4*sin(2*PI*({base}+{step}*floor(mod({rate}*t,{notes})))*t)':s=22050:d={seconds}"


def make_episode(path: Path, n: int, cold_open_s: float) -> Path:
    """A tiny episode: its own cold open, the shared intro, its own story, the shared credits."""
    total = cold_open_s + INTRO_S + CONTENT_S + CREDITS_S
    parts = [melody(n, cold_open_s, 0), JINGLE, melody(n, CONTENT_S, 1), CREDITS]
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
    for part in parts:
        cmd += ["-f", "lavfi", "-i", part]
    cmd += ["-f", "lavfi", "-i", f"color=c=0x203040:s=160x90:r=10:d={total}",
            "-filter_complex", "[0][1][2][3]concat=n=4:v=0:a=1[a]", "-map", "4:v", "-map", "[a]",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(path)]
    subprocess.run(cmd, check=True, timeout=120)
    return path


def intro_of(n: int) -> tuple[float, float]:
    start = COLD_OPENS[n - 1]
    return start, start + INTRO_S


def credits_of(n: int) -> tuple[float, float]:
    start = COLD_OPENS[n - 1] + INTRO_S + CONTENT_S
    return start, start + CREDITS_S


@pytest.fixture(scope="session")
def episode_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("season")
    return [make_episode(folder / f"e{n}.mp4", n, cold) for n, cold in enumerate(COLD_OPENS, start=1)]


@pytest.fixture
def short_markers(settings):
    settings.REELHOUSE_MARKER_MIN_S = 4  # the generated intro is 6 s; real ones are longer than the default 8 s


def assert_near(found: tuple[float, float], expected: tuple[float, float], what: str) -> None:
    assert abs(found[0] - expected[0]) <= 1 and abs(found[1] - expected[1]) <= 1, (
        f"{what}: found {found[0]:.2f}-{found[1]:.2f} s, expected {expected[0]}-{expected[1]} s (±1 s)")


def test_fingerprint_has_about_eight_words_a_second(episode_files):
    words = fingerprint(episode_files[0], duration_s=10)
    # One word every ITEM_S once the first ITEM_SPAN_S of audio has been heard.
    assert abs(len(words) - (1 + (10 - ITEM_SPAN_S) / ITEM_S)) <= 2 and len(set(words)) > 20


def test_shared_intro_and_credits_found_within_a_second_in_every_episode(episode_files):
    durations = [cold + INTRO_S + CONTENT_S + CREDITS_S for cold in COLD_OPENS]
    heads = [(fingerprint(f, duration_s=d / 2), 0.0) for f, d in zip(episode_files, durations, strict=True)]
    tails = [(fingerprint(f, start_s=d / 2), d / 2) for f, d in zip(episode_files, durations, strict=True)]
    intros = shared_segments(heads, min_s=4)
    credits = shared_segments(tails, min_s=4)
    for n in (1, 2, 3):
        assert_near((intros[n - 1].start_s, intros[n - 1].end_s), intro_of(n), f"intro of episode {n}")
        assert_near((credits[n - 1].start_s, credits[n - 1].end_s), credits_of(n), f"credits of episode {n}")
        assert intros[n - 1].confidence > 0.8


def test_different_episodes_share_nothing_longer_than_the_minimum(episode_files):
    # The first 3 s of each episode is its own cold open: nothing in common there.
    heads = [(fingerprint(f, duration_s=3), 0.0) for f in episode_files]
    assert shared_segments(heads, min_s=2) == [None, None, None]


def publish_season(source, files: list[Path], numbers: list[int]) -> None:
    for n in numbers:
        deliver(source, f"Night Ferry (2021)/Season 01/Night Ferry - S01E0{n} - Crossing {n}.mkv", files[n - 1])
    scan_until_settled(source)


@pytest.mark.django_db(transaction=True)
def test_markers_detected_after_publish_and_operator_correction_survives(licensed_source, episode_files,
                                                                         short_markers, capsys):
    from reelhouse.catalog.models import Episode
    from reelhouse.media.selectors import skip_segments

    publish_season(licensed_source, episode_files, [1, 2, 3])
    episodes = list(Episode.objects.filter(asset__isnull=False).order_by("number"))
    assert [e.number for e in episodes] == [1, 2, 3]

    # Publishing the second and third episodes ran the detection; every episode has both markers.
    for n, episode in enumerate(episodes, start=1):
        intro = Marker.objects.get(work=episode, kind=Marker.Kind.INTRO)
        credits = Marker.objects.get(work=episode, kind=Marker.Kind.CREDITS)
        assert intro.source == Marker.Source.AUTO and intro.asset_id == episode.asset_id
        assert_near((intro.start_s, intro.end_s), intro_of(n), f"intro of published episode {n}")
        assert_near((credits.start_s, credits.end_s), credits_of(n), f"credits of published episode {n}")

    # An operator moves the intro of episode 2; detection running again keeps it and refreshes the others.
    marker_set_by_operator(work=episodes[1], kind=Marker.Kind.INTRO, start_s=2.5, end_s=9.5)
    result = season_markers_detect(season=episodes[0].season)
    assert (result.episodes, result.intros, result.credits) == (3, 3, 3)
    corrected = Marker.objects.get(work=episodes[1], kind=Marker.Kind.INTRO)
    assert (corrected.start_s, corrected.end_s, corrected.source, corrected.confidence) == \
        (2.5, 9.5, Marker.Source.OPERATOR, None)
    assert Marker.objects.get(work=episodes[0], kind=Marker.Kind.INTRO).source == Marker.Source.AUTO

    # The player reads them through the selector; the command lists them.
    segments = skip_segments(work_id=episodes[1].pk)
    assert (segments["intro"].start_s, segments["intro"].end_s) == (2.5, 9.5) and "credits" in segments
    call_command("markers", "list", "--season-id", str(episodes[0].season_id))
    listing = capsys.readouterr().out
    assert listing.count("intro") == 3 and "set by an operator" in listing


@pytest.mark.django_db(transaction=True)
def test_a_season_with_one_episode_gets_no_markers(licensed_source, episode_files, short_markers, capsys):
    from reelhouse.catalog.models import Episode

    publish_season(licensed_source, episode_files, [1])
    episode = Episode.objects.get(asset__isnull=False)
    assert not Marker.objects.exists()
    result = season_markers_detect(season=episode.season)
    assert (result.episodes, result.intros, result.credits) == (0, 0, 0)
    call_command("markers", "detect", "--season-id", str(episode.season_id))
    assert "at least two are needed" in capsys.readouterr().out
    assert not Marker.objects.exists()


@pytest.mark.django_db
def test_operator_marker_outside_the_video_is_refused_with_the_reason():
    from reelhouse.catalog.models import Film

    film = Film.objects.create(kind="film", title="Harbour", slug="harbour")
    with pytest.raises(MarkerError, match="start 30 s must be at least 0 and before end 20 s"):
        marker_set_by_operator(work=film, kind="intro", start_s=30, end_s=20)
    with pytest.raises(MarkerError, match="'recap' is not one of intro, credits"):
        marker_set_by_operator(work=film, kind="recap", start_s=0, end_s=20)
    marker = marker_set_by_operator(work=film, kind="credits", start_s=0, end_s=20)
    assert marker.source == Marker.Source.OPERATOR


@pytest.mark.django_db
def test_admin_form_reports_a_marker_past_the_end_of_the_video():
    from reelhouse.catalog.models import Film
    from reelhouse.media.admin import MarkerForm
    from reelhouse.media.models import Asset

    film = Film.objects.create(kind="film", title="Harbour", slug="harbour")
    film.asset = Asset.objects.create(work=film, source_sha256="ab" * 32, directory="packages/x", duration_s=60,
                                      width=160, height=90)
    film.save(update_fields=["asset"])
    form = MarkerForm(data={"work": film.pk, "kind": "credits", "start_s": 50, "end_s": 75})
    assert not form.is_valid()
    assert "end 75 s is after the end of the video (60.0 s)" in str(form.errors)


@pytest.mark.django_db(transaction=True)
def test_markers_are_detected_from_packages_on_object_storage(s3_media, licensed_source, episode_files,
                                                             short_markers, settings):
    """Detection reads each package with ffmpeg by path: on object storage from a scratch copy it removes again."""
    from reelhouse.catalog.models import Episode

    publish_season(licensed_source, episode_files, [1, 2])
    episodes = list(Episode.objects.filter(asset__isnull=False).order_by("number"))
    assert [e.number for e in episodes] == [1, 2] and not list(Path(settings.MEDIA_ROOT).rglob("*.m4s"))
    for n, episode in enumerate(episodes, start=1):
        intro = Marker.objects.get(work=episode, kind=Marker.Kind.INTRO)
        assert_near((intro.start_s, intro.end_s), intro_of(n), f"intro of episode {n} read from the bucket")
