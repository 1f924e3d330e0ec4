"""probe() reads real files made by ffmpeg and names what is wrong with bad ones."""

import subprocess

import imageio_ffmpeg
import pytest

from reelhouse.media.probe import ProbeError, probe
from tests.conftest import make_clip

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def test_probe_reads_a_real_clip(clip_cache):
    info = probe(clip_cache(seconds=4))
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 854, 480, 25.0)
    assert info.duration_s == pytest.approx(4.0, abs=0.1)
    assert [a.codec for a in info.audio] == ["aac"] and not info.interlaced and info.rotation == 0


def test_rotated_phone_video_is_portrait(tmp_path, clip_cache):
    rotated = tmp_path / "phone.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-display_rotation", "90",
                    "-i", str(clip_cache(seconds=4)), "-c", "copy", str(rotated)], check=True)
    info = probe(rotated)
    assert (info.display_width, info.display_height) == (480, 854) and info.is_portrait


@pytest.mark.parametrize("content, expected", [
    (b"", r"empty file \(0 bytes\)"),
    (b"hello, I am text\n" * 100, "not a media file"),
    (b"\x1a\x45\xdf\xa3" + b"\x00" * 500, "not a media file"),
])
def test_bad_files_say_why(tmp_path, content, expected):
    path = tmp_path / "bad.mkv"
    path.write_bytes(content)
    with pytest.raises(ProbeError, match=expected) as err:
        probe(path)
    assert "bad.mkv" in str(err.value)


def test_truncated_mp4(tmp_path, clip_cache):
    whole = clip_cache(seconds=4).read_bytes()
    path = tmp_path / "half.mp4"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ProbeError, match="moov atom not found"):
        probe(path)


def test_audio_only_file(tmp_path):
    path = tmp_path / "song.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine", "-t", "1",
                    "-c:a", "aac", str(path)], check=True)
    with pytest.raises(ProbeError, match=r"no video stream \(audio-only file\)"):
        probe(path)


def test_video_without_audio(tmp_path):
    info = probe(make_clip(tmp_path / "silent.mp4", seconds=2, audio=False))
    assert info.audio == []
