"""A file in a licensed watch folder travels scan -> identify -> licence -> transcode -> published."""

import datetime as dt
from pathlib import Path

import m3u8
import pytest
from django.conf import settings

from reelhouse.catalog.models import Episode, Film
from reelhouse.ingest.models import Delivery
from reelhouse.media.models import TranscodeJob
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_episode_in_watch_folder_is_published_with_a_ladder(licensed_source, clip_cache):
    clip = clip_cache(seconds=4)
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E02 - The Second.mkv", clip)
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    episode = Episode.objects.get()
    assert (episode.series.title, episode.series.year, episode.season.number, episode.number) == (
        "Test Show", 2020, 1, 2)
    assert episode.is_published and episode.licence == licensed_source.licence
    job = TranscodeJob.objects.get()
    assert job.state == TranscodeJob.State.DONE and job.progress == 1.0
    master = m3u8.load(str(Path(settings.MEDIA_ROOT) / episode.asset.directory / "master.m3u8"))
    heights = sorted(p.stream_info.resolution[1] for p in master.playlists)
    assert len(heights) >= 2 and max(heights) <= 480
    assert episode.asset.renditions.count() == len(heights)


def test_absolutely_numbered_files_land_on_the_episode_the_catalog_knows_by_that_number(licensed_source, clip_cache):
    from reelhouse.catalog.services import episode_expect, series_for_guide

    series = series_for_guide(title="Harbour Saga")
    known = episode_expect(series=series, season_number=21, number=5, title="The Long Tide", absolute_number=1043,
                           licence=licensed_source.licence)
    clip = clip_cache(seconds=4)
    deliver(licensed_source, "[Group] Harbour Saga - 1043 [1080p].mkv", clip)  # placed by the guide: S21E05
    deliver(licensed_source, "[Group] Harbour Saga - 1044 [1080p].mkv", clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.PUBLISHED}
    known.refresh_from_db()
    assert known.is_published and (known.season.number, known.number, known.title) == (21, 5, "The Long Tide")
    unplaced = Episode.objects.exclude(pk=known.pk).get()  # nobody placed 1044 yet: season 1, episode 1044
    assert (unplaced.season.number, unplaced.number, unplaced.absolute_number) == (1, 1044, 1044)


def test_film_with_nfo_takes_the_nfo_title(licensed_source, clip_cache):
    clip = clip_cache(seconds=4)
    deliver(licensed_source, "Quiet Hours (2018)/Quiet Hours (2018).mp4", clip)
    (Path(licensed_source.path) / "Quiet Hours (2018)/movie.nfo").write_text(
        "<movie><title>Quiet Hours</title><year>2018</year><plot>A radio host.</plot></movie>")
    scan_until_settled(licensed_source)
    film = Film.objects.get()
    assert (film.title, film.year, film.synopsis) == ("Quiet Hours", 2018, "A radio host.")
    assert film.is_published


def test_delivery_without_current_licence_is_quarantined_and_kept(licensed_source, clip_cache):
    licence = licensed_source.licence
    licence.ends_at = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    licence.save()
    path = deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache())
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert "no current licence" in delivery.reason and "ended 2021-01-01" in delivery.reason
    assert "(window 2020-01-01 to 2021-01-01, territories WW)" in delivery.reason  # which licence, what it lacks
    assert "attach a licence whose window includes now" in delivery.reason
    assert not Episode.objects.filter(published_at__isnull=False).exists()
    assert path.exists()


def test_delivery_to_a_source_without_a_licence_says_what_licence_is_missing(licensed_source, clip_cache):
    licensed_source.licence = None
    licensed_source.save(update_fields=["licence"])
    deliver(licensed_source, "Quiet Hours (2018)/Quiet Hours (2018).mkv", clip_cache())
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert f"source '{licensed_source.name}' has no licence attached" in delivery.reason
    assert "covers this work (its series, season, episode or film)" in delivery.reason
    assert "the territories to show it in and a window including now" in delivery.reason


@pytest.mark.parametrize("name, content, expected", [
    ("notes.txt", b"not a video at all\n", "not a video file"),
    ("Show (2020)/Season 01/Show - S01E03 - Empty.mkv", b"", "empty file (0 bytes)"),
    ("Show (2020)/Season 01/Show - S01E04 - Text.mkv", b"hello, I am text pretending to be video\n" * 40,
     "not a media file"),
])
def test_bad_files_are_quarantined_with_a_specific_reason(licensed_source, name, content, expected):
    path = Path(licensed_source.path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert expected in delivery.reason
    assert path.read_bytes() == content  # nothing in the folder is deleted or changed


def test_truncated_mp4_is_quarantined(licensed_source, clip_cache):
    whole = clip_cache(seconds=4).read_bytes()
    path = Path(licensed_source.path) / "Show (2020)/Season 01/Show - S01E05 - Cut.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(whole[: len(whole) // 2])  # moov sits at the end: half a file has none
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert "moov atom not found" in delivery.reason
    assert path.stat().st_size == len(whole) // 2


def test_file_still_being_written_waits(licensed_source, clip_cache, settings):
    settings.REELHOUSE_STABLE_SECONDS = 3600
    deliver(licensed_source, "Show (2020)/Season 01/Show - S01E01 - Pilot.mkv", clip_cache())
    scan_until_settled(licensed_source, rounds=3)
    assert Delivery.objects.get().state == Delivery.State.WAITING


def test_sidecars_are_not_deliveries_and_rescans_hash_nothing(licensed_source, clip_cache, monkeypatch):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache())
    (Path(licensed_source.path) / "Test Show (2020)/tvshow.nfo").write_text("<tvshow><title>Test Show</title></tvshow>")
    scan_until_settled(licensed_source)
    assert Delivery.objects.count() == 1

    from reelhouse.ingest import scan

    monkeypatch.setattr(scan, "sha256_fd", lambda fd, **kw: pytest.fail(f"re-hashed unchanged file (fd {fd})"))
    scan_until_settled(licensed_source)
    assert Delivery.objects.count() == 1


def test_same_file_delivered_twice_is_a_duplicate(licensed_source, clip_cache):
    clip = clip_cache()
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip)
    scan_until_settled(licensed_source)
    deliver(licensed_source, "incoming/Test Show - S01E01 - Pilot.mkv", clip)
    scan_until_settled(licensed_source)
    states = sorted(Delivery.objects.values_list("state", flat=True))
    assert states == [Delivery.State.DUPLICATE, Delivery.State.PUBLISHED]
    assert TranscodeJob.objects.count() == 1


def test_sidecar_subtitles_reach_the_package(licensed_source, clip_cache):
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E03 - Subtitled.mkv", clip_cache(seconds=4))
    folder = Path(licensed_source.path) / "Test Show (2020)/Season 01"
    (folder / "Test Show - S01E03 - Subtitled.fr.srt").write_bytes(
        "1\n00:00:00,500 --> 00:00:02,000\nÇa commence, déjà.\n".encode("cp1252"))
    (folder / "Test Show - S01E03 - Subtitled.en.sdh.srt").write_text(
        "1\n00:00:00,500 --> 00:00:02,000\n[door creaks]\n", encoding="utf-8")
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    package = Path(settings.MEDIA_ROOT) / episode.asset.directory
    master = m3u8.load(str(package / "master.m3u8"))
    subtitles = {(m.language, m.characteristics is not None) for m in master.media if m.type == "SUBTITLES"}
    assert subtitles == {("fr", False), ("en", True)}
    french = next(package.glob("subs/fr*.vtt")).read_text(encoding="utf-8")
    assert "Ça commence, déjà." in french
