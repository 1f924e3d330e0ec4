"""Trickplay sprites come out of the ladder's own ffmpeg pass with a WebVTT thumbnails track; downloads are
faststart MP4s remuxed from the rungs without re-encoding."""

import av
import m3u8
import pytest
from PIL import Image

from reelhouse.media.transcode.downloads import pick_rungs
from reelhouse.media.transcode.package import package_build
from reelhouse.media.transcode.trickplay import Trickplay
from tests.media.conftest import audio_in, ffmpeg_make, video_in, x264

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


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
    assert sorted(p.name for p in (package.directory / "trickplay").iterdir()) == [
        "images.m3u8", "sprite_001.jpg", "thumbnails.vtt"]


def test_master_offers_the_sprites_as_an_image_media_playlist(package):
    """Roku-style trick play: EXT-X-IMAGE-STREAM-INF in the master, an EXT-X-IMAGES-ONLY playlist of the sheets."""
    master = m3u8.load(str(package.directory / "master.m3u8"))
    [entry] = master.image_playlists
    info = entry.image_stream_info
    assert entry.uri == "trickplay/images.m3u8" and info.codecs == "jpeg" and info.resolution == (240, 136)
    sheet = package.directory / "trickplay" / "sprite_001.jpg"
    assert info.bandwidth == round(sheet.stat().st_size * 8 / 25.0)
    playlist = m3u8.load(str(package.directory / entry.uri))
    assert playlist.is_images_only and playlist.is_endlist and playlist.playlist_type == "vod"
    assert [(s.uri, s.duration) for s in playlist.segments] == [("sprite_001.jpg", 25.0)]
    assert playlist.data["tiles"] == [{"resolution": "240x136", "layout": "3x1", "duration": 10.0}]
    assert all((package.directory / "trickplay" / s.uri).is_file() for s in playlist.segments)


def test_image_playlist_spans_sheets(tmp_path):
    tp = Trickplay(width=160, height=90, columns=10, rows=10)
    sheets = []
    for n in (1, 2):
        sheets.append(tmp_path / f"sprite_00{n}.jpg")
        Image.new("RGB", (1600, 900 if n == 1 else 90)).save(sheets[-1])
    text, peak = tp.image_playlist(sheets, 1010.0)
    playlist = m3u8.loads(text)
    assert [(s.uri, s.duration) for s in playlist.segments] == [("sprite_001.jpg", 1000.0), ("sprite_002.jpg", 10.0)]
    assert playlist.target_duration == 1000
    assert peak == max(round(p.stat().st_size * 8 / d) for p, d in zip(sheets, (1000.0, 10.0), strict=True))


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
