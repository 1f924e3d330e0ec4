"""Splitting ffmpeg's 6-s fMP4 segments into one fragment per GOP is lossless (same packets, same pictures), keeps
the segment index right, and leaves a layout it does not know untouched."""

import hashlib
import shutil
import struct
import subprocess

import av
import pytest

from reelhouse.media.transcode import fmp4
from tests.media.conftest import FFMPEG

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.fixture(scope="module")
def rung(tmp_path_factory):
    """A 14-s 320x180 rung as the pipeline's muxer writes it: fMP4 HLS, 6-s segments, an IDR every 2 s, B-frames."""
    folder = tmp_path_factory.mktemp("fmp4") / "v180"
    folder.mkdir()
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc2=size=320x180:rate=25:duration=14", "-c:v", "libx264", "-preset", "veryfast",
                    "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-f", "hls", "-hls_time", "6",
                    "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                    "-hls_segment_filename", str(folder / "seg_%05d.m4s"), str(folder / "index.m3u8")],
                   check=True, timeout=120)
    return folder


def _packets(playlist):
    with av.open(str(playlist)) as container:
        stream = container.streams.video[0]
        return [(p.pts, p.dts, p.is_keyframe, hashlib.sha1(bytes(p)).hexdigest())
                for p in container.demux(stream) if p.size]


def _frames(playlist):
    done = subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(playlist), "-f", "framemd5", "-"],
                          check=True, capture_output=True, text=True, timeout=120)
    return [line for line in done.stdout.splitlines() if not line.startswith("#")]


def test_split_keeps_every_packet_and_picture_and_opens_a_fragment_per_gop(rung, tmp_path):
    split = tmp_path / "v180"
    shutil.copytree(rung, split)
    assert fmp4.rung_refragment(split / "index.m3u8") is True
    assert _packets(split / "index.m3u8") == _packets(rung / "index.m3u8")
    assert _frames(split / "index.m3u8") == _frames(rung / "index.m3u8")
    track = fmp4.track_of((split / "init.mp4").read_bytes())
    segments = sorted(split.glob("seg_*.m4s"))
    per_segment = [len(fmp4.keyframes(p.read_bytes(), track)) for p in segments]
    assert per_segment == [3, 3, 1]  # 6 + 6 + 2 s
    starts = [k.time / track.timescale for p in segments for k in fmp4.keyframes(p.read_bytes(), track)]
    assert starts == pytest.approx([0, 2, 4, 6, 8, 10, 12], abs=0.05)
    sequences = []
    for path in segments:
        data = path.read_bytes()
        top = fmp4.boxes(data)
        assert [b.kind for b in top][:2] == [b"styp", b"sidx"]
        sidx = top[1]
        count = struct.unpack_from(">H", data, sidx.body.start + 30)[0]
        sizes = [struct.unpack_from(">I", data, sidx.body.start + 32 + 12 * i)[0] & 0x7FFFFFFF for i in range(count)]
        assert sum(sizes) == len(data) - sidx.offset - sidx.size  # the index covers every new fragment exactly
        sequences += [struct.unpack_from(">I", data, fmp4._child(data, m, b"mfhd").body.start + 4)[0]
                      for m in top if m.kind == b"moof"]
    assert sequences == list(range(1, 8))  # fragments numbered in order across the rung


def test_unknown_layout_leaves_the_rung_untouched(rung, tmp_path):
    odd = tmp_path / "v180"
    shutil.copytree(rung, odd)
    first = odd / "seg_00000.m4s"
    data = first.read_bytes()
    top = fmp4.boxes(data)
    tail = b"".join(data[b.offset:b.offset + b.size] for b in top if b.kind in (b"moof", b"mdat"))
    first.write_bytes(data + tail)  # two fragments in one segment: not what ffmpeg writes
    before = {p.name: p.read_bytes() for p in odd.glob("seg_*.m4s")}
    assert fmp4.rung_refragment(odd / "index.m3u8") is False
    assert {p.name: p.read_bytes() for p in odd.glob("seg_*.m4s")} == before


def test_a_box_running_past_the_end_is_refused():
    with pytest.raises(fmp4.Unsupported, match="runs past the end"):
        fmp4.boxes(struct.pack(">I4s", 100, b"moof") + b"\0" * 10)
