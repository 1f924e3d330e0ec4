"""Trickplay sprites come out of the ladder's own ffmpeg pass with a WebVTT thumbnails track; downloads are
faststart MP4s remuxed from the rungs without re-encoding."""

import av
import pytest
from PIL import Image

from reelhouse.media.transcode.downloads import pick_rungs
from reelhouse.media.transcode.package import package_build
from reelhouse.media.transcode.trickplay import Trickplay
from tests.media.conftest import audio_in, ffmpeg_make, video_in, x264


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    root = tmp_path_factory.mktemp("extras")
    clip = ffmpeg_make(root / "film.mp4", *video_in(size="640x360", seconds=25), *audio_in(seconds=25), *x264(),
                       "-c:a", "aac")
    return package_build(source=clip, dest=root / "pkg", preset="ultrafast")


def test_trickplay_sprites_and_thumbnail_track(package):
    tp = package.trickplay
    assert (tp["width"], tp["height"], tp["count"], tp["columns"], tp["rows"]) == (240, 136, 3, 3, 1)
    with Image.open(package.directory / "trickplay" / "sprite_001.jpg") as sheet:
        assert sheet.size == (3 * 240, 136)
        right = sheet.crop((480, 0, 720, 136)).convert("L")
        assert right.getextrema()[1] > 50  # the third tile holds a picture, not padding
    vtt = (package.directory / tp["vtt"]).read_text()
    assert vtt.splitlines()[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:10.000", "sprite_001.jpg#xywh=0,0,240,136"]
    assert "00:00:20.000 --> 00:00:25.000\nsprite_001.jpg#xywh=480,0,240,136" in vtt


def test_thumbnails_are_written_as_they_come_so_progress_is_not_held_back(package, tmp_path):
    """A `tile` filter would hold its output until a sheet of 100 fills, and ffmpeg reports the progress of its
    slowest output: so single thumbnails stream out and are packed afterwards, leaving only the sheets behind."""
    tp = Trickplay(width=160, height=90, columns=10, rows=10)
    assert "tile=" not in tp.filter("in", "out") and "thumb_%05d.jpg" in tp.output_args(tmp_path, "out")[-1]
    assert sorted(p.name for p in (package.directory / "trickplay").iterdir()) == ["sprite_001.jpg", "thumbnails.vtt"]


def test_vtt_addresses_tiles_across_sheets():
    tp = Trickplay(width=160, height=90, columns=10, rows=10)
    lines = tp.vtt(1010.0).splitlines()
    assert lines[-1] == "sprite_002.jpg#xywh=0,0,160,90"  # the 101st thumbnail opens the second sheet
    assert lines[-2] == "00:16:40.000 --> 00:16:50.000"
    assert "sprite_001.jpg#xywh=1440,810,160,90" in lines


def test_downloads_are_faststart_remuxes_of_the_rungs(package):
    assert [(d["name"], d["uri"]) for d in package.downloads] == [("v360", "download/360.mp4")]
    mp4 = package.directory / "download" / "360.mp4"
    data = mp4.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: the index comes first
    with av.open(str(mp4)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height, audio.codec_context.channels) == (640, 360, 2)
        assert float(container.duration / av.time_base) == pytest.approx(25.0, abs=0.1)
        download_bytes = sum(p.size for p in container.demux(video) if p.size)
    rung = package.directory / "v360"
    with av.open(str(rung / "index.m3u8")) as container:
        rung_bytes = sum(p.size for p in container.demux(container.streams.video[0]) if p.size)
    assert download_bytes == rung_bytes  # the same pictures, not a new encode


@pytest.mark.parametrize("heights, expected", [
    ([1080, 720, 540, 360], ["v720", "v540"]),
    ([720, 540, 360], ["v720", "v540"]),
    ([480, 360], ["v480"]),
    ([240], ["v240"]),
])
def test_download_rungs_are_the_nearest_to_720_and_480(heights, expected):
    rungs = [{"name": f"v{h}", "width": round(h * 16 / 9), "height": h} for h in heights]
    assert [r["name"] for r in pick_rungs(rungs)] == expected


def test_downloads_and_trickplay_can_be_left_out(tmp_path, clip_cache):
    result = package_build(source=clip_cache(seconds=4), dest=tmp_path / "pkg", preset="ultrafast", downloads=False,
                           trickplay=False)
    assert result.downloads == [] and result.trickplay is None
    assert not (tmp_path / "pkg" / "download").exists() and not (tmp_path / "pkg" / "trickplay").exists()
