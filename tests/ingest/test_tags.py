"""Embedded container tags as the last resort of identification: real files tagged by ffmpeg (MP4 iTunes atoms,
Matroska tags), read back with PyAV, and a delivery whose name says nothing published from its tags."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from reelhouse.ingest.models import Delivery
from reelhouse.ingest.tags import identity_from_tags
from tests.conftest import deliver, scan_until_settled


def tagged(clip: Path, out: Path, **tags: str) -> Path:
    """A copy of the clip with global tags (stream copy: no re-encode)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-i", str(clip), "-map", "0",
                    "-c", "copy", *meta, str(out)], check=True)
    return out


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_show_season_and_episode_tags_make_an_episode(clip_cache, tmp_path, suffix):
    path = tagged(clip_cache(seconds=1), tmp_path / f"x{suffix}", show="Night Desk", season_number="1",
                  episode_sort="7", title="Copy")
    ident = identity_from_tags(path)
    assert (ident.kind, ident.series, ident.season, ident.episodes, ident.title) == (
        "episode", "Night Desk", 1, (7,), "Copy")


@pytest.mark.parametrize("tags, expected", [
    ({"show": "Harbour", "episode_id": "S02E03"}, ("episode", "Harbour", None, 2, (3,))),
    ({"title": "Morning Quays", "date": "2021-06-30"}, ("film", None, "Morning Quays", None, ())),
    ({"title": "final_master_v3"}, None),  # a lone working title is not enough
    ({"show": "Harbour", "season_number": "1"}, None),  # no episode number
    ({}, None),
])
def test_what_the_tags_are_enough_for(clip_cache, tmp_path, tags, expected):
    ident = identity_from_tags(tagged(clip_cache(seconds=1), tmp_path / "x.mp4", **tags))
    if expected is None:
        assert ident is None
    else:
        assert (ident.kind, ident.series, ident.title if ident.kind == "film" else None, ident.season,
                ident.episodes) == expected


def test_a_file_that_is_not_media_has_no_tags(tmp_path):
    (tmp_path / "x.mkv").write_bytes(b"not a video\n" * 100)
    assert identity_from_tags(tmp_path / "x.mkv") is None


@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_name_says_nothing_is_published_from_its_tags(licensed_source, clip_cache, tmp_path):
    clip = tagged(clip_cache(seconds=2), tmp_path / "tagged.mp4", show="Night Desk", season_number="1",
                  episode_sort="7", title="Copy")
    deliver(licensed_source, "dump/take_final.mp4", clip)
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    episode = delivery.work.episode
    assert (episode.series.title, episode.season.number, episode.number, episode.title) == ("Night Desk", 1, 7,
                                                                                            "Copy")
    assert any(d["step"] == "identify" and d["outcome"].startswith("from embedded tags (")
               for d in delivery.decisions)
