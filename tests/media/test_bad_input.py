"""Awkward sources, each a tiny generated file: every one ends published (maybe with warnings) or with a clear
MediaError naming the file and the problem; none crashes and the original is never touched."""

import hashlib
import subprocess

import av
import m3u8
import pytest

from reelhouse.media.probe import MediaError, ProbeError, probe
from reelhouse.media.transcode.package import package_build
from tests.media.conftest import FFMPEG, audio_in, ffmpeg_make, video_in, x264

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _package(tmp_path, source):
    before = _digest(source)
    try:
        return package_build(source=source, dest=tmp_path / "pkg", preset="ultrafast", downloads=False)
    finally:
        assert _digest(source) == before  # the original is never modified
        assert not list(tmp_path.glob(".pkg.building-*"))


def _rungs(result):
    master = m3u8.load(str(result.directory / "master.m3u8"))
    return [p.stream_info.resolution for p in master.playlists]


def _decoded_frames(result, rung):
    with av.open(str(result.directory / rung / "index.m3u8")) as container:
        return sum(1 for _ in container.decode(video=0))


def test_audio_only_is_refused(tmp_path):
    source = ffmpeg_make(tmp_path / "song.mp4", *audio_in(seconds=1), "-c:a", "aac")
    with pytest.raises(ProbeError, match=r"song.mp4: no video stream \(audio-only file\)"):
        _package(tmp_path, source)


def test_video_only_is_published_without_audio(tmp_path):
    result = _package(tmp_path, ffmpeg_make(tmp_path / "silent.mp4", *video_in(), *x264()))
    master = m3u8.load(str(result.directory / "master.m3u8"))
    assert master.media == [] or len(master.media) == 0
    assert result.renditions[0]["codecs"].startswith("avc1.") and "mp4a" not in result.renditions[0]["codecs"]


def test_wrong_extension_is_read_by_content(tmp_path):
    source = ffmpeg_make(tmp_path / "film.mp4", *video_in(), *audio_in(), *x264(), "-c:a", "aac")
    wrong = source.rename(tmp_path / "film.mkv")
    assert probe(wrong).format.startswith("mov,mp4")
    assert _rungs(_package(tmp_path, wrong)) == [(320, 180)]


def test_one_second_clip(tmp_path):
    result = _package(tmp_path, ffmpeg_make(tmp_path / "short.mp4", *video_in(seconds=1), *x264()))
    playlist = m3u8.load(str(result.directory / "v180" / "index.m3u8"))
    assert [round(s.duration, 1) for s in playlist.segments] == [1.0]
    assert _decoded_frames(result, "v180") == 25


def test_ten_bit_hevc_becomes_eight_bit_h264(tmp_path):
    source = ffmpeg_make(tmp_path / "hdr.mkv", *video_in(size="640x360", seconds=2), "-c:v", "libx265",
                         "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error")
    assert (probe(source).codec, probe(source).pix_fmt) == ("hevc", "yuv420p10le")
    result = _package(tmp_path, source)
    with av.open(str(result.directory / "v360" / "index.m3u8")) as container:
        ctx = container.streams.video[0].codec_context
        assert (ctx.name, ctx.pix_fmt) == ("h264", "yuv420p")


def test_odd_dimensions_get_even_rungs(tmp_path):
    result = _package(tmp_path, ffmpeg_make(tmp_path / "odd.mkv", *video_in(size="853x479", seconds=2),
                                            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"))
    assert _rungs(result) == [(852, 478), (640, 360)]


def test_rotated_phone_video_is_packaged_upright(tmp_path, clip_cache):
    rotated = tmp_path / "phone.mp4"
    subprocess.run([FFMPEG, "-loglevel", "error", "-display_rotation", "90", "-i", str(clip_cache(seconds=2)),
                    "-c", "copy", str(rotated)], check=True)
    result = _package(tmp_path, rotated)
    assert _rungs(result) == [(480, 854), (360, 640)]
    assert (result.trickplay["width"], result.trickplay["height"]) == (240, 428)


def test_variable_frame_rate_becomes_constant(tmp_path):
    # 30 fps with a 0.4 s gap after frame 30 and frames dropped irregularly: a phone-style VFR file
    source = ffmpeg_make(tmp_path / "vfr.mp4", *video_in(rate=30, seconds=3), "-vf",
                         "select='not(eq(mod(n,7),3))',setpts='PTS+gt(N,30)*0.4/TB'", "-fps_mode", "vfr", *x264())
    result = _package(tmp_path, source)
    master = m3u8.load(str(result.directory / "master.m3u8"))
    assert master.playlists[0].stream_info.frame_rate == 30.0
    with av.open(str(result.directory / "v180" / "index.m3u8")) as container:
        stream = container.streams.video[0]
        pts = [p.pts for p in container.demux(stream) if p.pts is not None]
    steps = {b - a for a, b in zip(sorted(pts), sorted(pts)[1:], strict=False)}
    assert len(steps) == 1  # every frame the same distance apart: constant frame rate


def test_interlaced_source_is_deinterlaced(tmp_path):
    source = ffmpeg_make(tmp_path / "tv.mkv", *video_in(size="720x576", seconds=2), "-vf",
                         "tinterlace=interleave_top,fieldorder=tff", "-flags", "+ildct+ilme", *x264())
    assert probe(source).interlaced
    result = _package(tmp_path, source)
    with av.open(str(result.directory / _rungs_names(result)[0] / "index.m3u8")) as container:
        frame = next(container.decode(video=0))
        assert not frame.interlaced_frame


def _rungs_names(result):
    return [r["name"] for r in result.renditions]


def test_surround_audio_is_downmixed_to_stereo(tmp_path):
    source = ffmpeg_make(tmp_path / "movie.mkv", *video_in(seconds=2), *audio_in(seconds=2, layout="5.1"),
                         *x264(), "-c:a", "aac")
    assert probe(source).audio[0].channels == 6
    result = _package(tmp_path, source)
    with av.open(str(result.directory / "audio" / "index.m3u8")) as container:
        assert container.streams.audio[0].codec_context.channels == 2
    assert result.audio[0]["channels"] == 6  # what the source had


def test_two_audio_languages_become_an_audio_group(tmp_path):
    source = ffmpeg_make(tmp_path / "dub.mkv", *video_in(seconds=2), *audio_in(seconds=2), *audio_in(seconds=2),
                         "-map", "0:v", "-map", "1:a", "-map", "2:a", *x264(), "-c:a", "aac",
                         "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre")
    result = _package(tmp_path, source)
    master = m3u8.load(str(result.directory / "master.m3u8"))
    audio = [(m.language, m.name, m.default, m.uri) for m in master.media if m.type == "AUDIO"]
    assert audio == [("en", "English", "YES", "audio/index.m3u8"), ("fr", "French", "NO", "audio2/index.m3u8")]


def test_corrupted_mid_stream_is_published_with_a_warning(tmp_path):
    source = ffmpeg_make(tmp_path / "broken.ts", *video_in(size="640x360", seconds=4), *audio_in(seconds=4),
                         *x264(), "-c:a", "aac", "-f", "mpegts")
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 20_000] = bytes((i * 37 + 11) % 256 for i in range(20_000))
    source.write_bytes(bytes(data))
    try:
        result = _package(tmp_path, source)
    except MediaError as exc:  # acceptable outcome if ffmpeg gives up; it must say why
        assert "broken.ts" in str(exc) or "ffmpeg" in str(exc)
        return
    assert any(w.startswith("the source has damage ffmpeg worked around") for w in result.warnings), result.warnings
    assert _decoded_frames(result, "v360") > 50


def test_text_file_named_mkv_is_refused(tmp_path):
    fake = tmp_path / "film.mkv"
    fake.write_text("this is not a film\n" * 50)
    with pytest.raises(ProbeError, match=r"film\.mkv: not a media file"):
        _package(tmp_path, fake)
