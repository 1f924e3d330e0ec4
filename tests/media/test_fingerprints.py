"""The fingerprint engine on tiny real clips (real ffmpeg, real PDQ, a real FAISS index): what the transcode's tap
computes, black bars found by cropdetect, copies recognised (re-encoded, letterboxed, mirrored, cropped), distinct
content not, and the matching segments it reports."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from reelhouse.media.fingerprints import audio, library
from reelhouse.media.fingerprints.engine import VideoPrint, distances, fingerprint_file
from reelhouse.media.fingerprints.services import fingerprint_store
from reelhouse.media.models import Fingerprint
from reelhouse.media.transcode.package import package_build
from tests.conftest import make_clip


def copy_of(clip: Path, out: Path, vf: str, *args: str, af: str = "anull") -> Path:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, "-i",
                    str(clip), "-vf", vf, "-af", af, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", str(out)],
                   check=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fp")
    original = make_clip(folder / "original.mp4", seconds=6, size="640x360", pattern="mandelbrot")
    return {
        "original": original,
        "other": make_clip(folder / "other.mp4", seconds=6, size="640x360", pattern="testsrc2"),
        "letterboxed": copy_of(original, folder / "letterboxed.mp4", "scale=640:270,pad=640:360:0:45"),
        "mirrored": copy_of(original, folder / "mirrored.mp4", "hflip,scale=426:240"),
        "cropped": copy_of(original, folder / "cropped.mp4", "crop=iw*0.9:ih*0.9"),
        "second_half": copy_of(original, folder / "second_half.mp4", "null", "-ss", "3"),
    }


@pytest.fixture(scope="module")
def prints(clips):
    return {name: fingerprint_file(path) for name, path in clips.items()}


def test_a_fingerprint_is_one_compact_row_of_bytes_per_sampled_frame(prints):
    original = prints["original"]
    assert original.frames == 6 and original.rate == 1.0  # 6 s at 1 frame a second
    for hashes in (original.hashes, original.mirrored, original.zoomed):
        assert hashes.shape == (6, 32) and hashes.dtype == np.uint8
    assert (original.quality >= 50).all()
    assert len(original.audio) % 4 == 0 and len(original.audio) > 0  # chromaprint of the sine tone
    assert original.crop is None


def test_letterbox_bars_are_found_and_cropped_before_hashing(prints):
    w, h, x, y = prints["letterboxed"].crop
    assert (w, x) == (640, 0) and 266 <= h <= 274 and 42 <= y <= 48


@pytest.mark.parametrize("name, mirrored", [("letterboxed", False), ("mirrored", True), ("cropped", False),
                                            ("second_half", False)])
def test_copies_match_the_original_and_say_where(prints, name, mirrored):
    found = library.compare(prints[name], prints["original"])
    assert found.segments, f"{name}: score {found.score}"
    assert found.mirrored == mirrored
    start, _end, theirs_start, _theirs_end = found.segments[0]
    if name == "second_half":  # its first seconds are the original's last ones
        assert start == 0 and theirs_start >= 2.5


def test_distinct_content_does_not_match(prints):
    assert not library.compare(prints["other"], prints["original"]).segments
    assert distances(prints["other"].hashes, prints["original"].hashes).min() > library.FRAME_DISTANCE


def test_the_index_finds_the_original_among_others_and_survives_a_save(prints, tmp_path, settings):
    index = library.new_index()
    for pk, name in ((1, "original"), (2, "other")):
        ids, codes = library.index_rows(pk, prints[name].hashes, prints[name].zoomed, prints[name].quality, 1.0)
        index.add_with_ids(codes, ids)
    rng = np.random.default_rng(3)  # and a crowd of unrelated frames
    index.add_with_ids(rng.integers(0, 256, (5000, 32), dtype=np.uint8),
                       (np.arange(100, 5100, dtype=np.int64) << library.FRAME_BITS))
    for name in ("cropped", "mirrored", "letterboxed"):
        assert [c.fingerprint_id for c in library.candidates(index, prints[name])][:1] == [1], name
    settings.REELHOUSE_FINGERPRINT_INDEX_DIR = str(tmp_path)
    library._save(index, audio.AudioIndex(), {1, 2})
    loaded, _sound, covered = library._load()
    assert covered == {1, 2} and loaded.ntotal == index.ntotal
    assert [c.fingerprint_id for c in library.candidates(loaded, prints["cropped"])][:1] == [1]


@pytest.fixture(scope="module")
def tunes(tmp_path_factory):
    """Chromaprints of 16-s clips (chromaprint needs ~2.7 s before its first value): a tune under one picture, the
    same tune under another, another tune under the same picture, the tune 4% faster, and two different pictures
    over the same steady 440 Hz tone."""
    folder = tmp_path_factory.mktemp("tunes")
    clip = make_clip(folder / "tune.mp4", seconds=16, size="320x180", pattern="mandelbrot", tune=1)
    made = {
        "tune": clip,
        "same_tune_other_picture": make_clip(folder / "same.mp4", seconds=16, size="320x180", pattern="testsrc2",
                                             tune=1),
        "other_tune": make_clip(folder / "other.mp4", seconds=16, size="320x180", pattern="mandelbrot", tune=2),
        "faster": copy_of(clip, folder / "faster.mp4", "setpts=PTS/1.04", af="atempo=1.04"),
        "tone": make_clip(folder / "tone.mp4", seconds=16, size="320x180", pattern="mandelbrot"),
        "tone_other_picture": make_clip(folder / "tone2.mp4", seconds=16, size="320x180", pattern="testsrc2"),
    }
    return {name: audio.items(fingerprint_file(path).audio) for name, path in made.items()}


def test_the_same_sound_under_other_pictures_matches_by_its_sound(tunes):
    found = audio.compare(tunes["same_tune_other_picture"], tunes["tune"])
    assert found.segments and found.score >= audio.MATCH_SCORE
    start, end, theirs_start, theirs_end = found.segments[0]
    assert abs(start - theirs_start) <= 0.5 and abs(end - theirs_end) <= 0.5
    assert end - start >= 5  # the same stretch of both
    assert abs(found.scale - 1) < 0.005


def test_the_sound_sped_up_4_percent_still_matches(tunes):
    found = audio.compare(tunes["faster"], tunes["tune"])
    assert found.segments, found
    assert 1.02 < found.scale < 1.06  # the library's time runs 4% longer than the copy's


def test_another_sound_does_not_match_and_a_steady_tone_matches_nothing(tunes):
    assert not audio.compare(tunes["other_tune"], tunes["tune"]).segments
    # A steady tone prints one value over and over: the same under two different pictures, and still no match.
    assert len(np.unique(tunes["tone"])) <= 3
    assert not audio.compare(tunes["tone_other_picture"], tunes["tone"]).segments
    assert not audio.compare(tunes["tone"], tunes["tune"]).segments


def test_the_sound_index_finds_the_original_among_others_and_survives_a_save(tunes, tmp_path):
    index = audio.AudioIndex()
    for pk, name in ((1, "tune"), (2, "other_tune"), (3, "tone")):
        ids, values = audio.index_rows(pk, tunes[name])
        index.add_with_ids(values, ids)
    rng = np.random.default_rng(5)  # and a crowd of unrelated sounds, as seed_scale makes them
    crowd = rng.integers(0, 2**32, 200_000, dtype=np.uint32)
    index.add_with_ids(crowd, (np.int64(100) << audio.FRAME_BITS) + np.arange(len(crowd)))
    index.build()
    for name in ("same_tune_other_picture", "faster"):
        assert [c.fingerprint_id for c in audio.candidates(index, tunes[name])][:1] == [1], name
    assert audio.candidates(index, tunes["tone_other_picture"]) == []  # a steady tone proposes nothing
    index.save(tmp_path / "audio")
    loaded = audio.AudioIndex.load(tmp_path / "audio")
    assert loaded.ntotal == index.ntotal
    assert [c.fingerprint_id for c in audio.candidates(loaded, tunes["faster"])][:1] == [1]


def test_the_transcode_taps_the_fingerprint_from_its_own_decode(clips, prints, tmp_path):
    result = package_build(source=clips["original"], dest=tmp_path / "pkg", downloads=False, adaptive=False)
    tapped = result.fingerprint
    assert isinstance(tapped, VideoPrint) and tapped.frames == prints["original"].frames
    assert distances(tapped.hashes, prints["original"].hashes).diagonal().max() <= 8  # the same frames
    assert tapped.audio and not (tmp_path / "pkg" / ".fingerprint-audio.raw").exists()  # nothing left in it
    assert library.compare(prints["cropped"], tapped).segments


@pytest.mark.django_db
def test_the_library_indexes_are_checked_for_change_with_one_query(prints, settings, tmp_path,
                                                                  django_assert_num_queries):
    settings.REELHOUSE_FINGERPRINT_INDEX_DIR = str(tmp_path)
    library.library_index_forget()
    first = fingerprint_store(printed=prints["original"])
    Fingerprint.objects.filter(pk=first.pk).update(in_library=True)
    pictures, sound = (index.ntotal for index in library.library_indexes())
    assert pictures > 0 and sound == len(audio.items(prints["original"].audio))
    with django_assert_num_queries(1):  # nothing new: one aggregate, no list of every fingerprint id
        assert library.library_indexes()[0].ntotal == pictures
    second = fingerprint_store(printed=prints["other"])
    Fingerprint.objects.filter(pk=second.pk).update(in_library=True)
    grown, grown_sound = library.library_indexes()  # a publish since: brought up to date
    assert grown.ntotal > pictures and grown_sound.ntotal > sound
    library.library_index_forget()
