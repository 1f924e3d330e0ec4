"""The master playlist is composed from the real streams: m3u8 parses it, ffmpeg plays every rung from it, its
bandwidths match the bytes on disk, and its I-frame playlists point at decodable IDR pictures."""

import io
import subprocess

import av
import m3u8
import pytest

from reelhouse.media.transcode.master import _peak, language_tag
from reelhouse.media.transcode.package import package_build
from tests.media.conftest import FFMPEG

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


@pytest.fixture(scope="module")
def package(tmp_path_factory, clip_cache):
    dest = tmp_path_factory.mktemp("master") / "pkg"
    return package_build(source=clip_cache(seconds=14), dest=dest, preset="ultrafast", downloads=False,
                         trickplay=False)


def test_master_declares_what_the_streams_are(package):
    master = m3u8.load(str(package.directory / "master.m3u8"))
    assert [(p.uri, p.stream_info.resolution) for p in master.playlists] == [
        ("v480/index.m3u8", (854, 480)), ("v360/index.m3u8", (640, 360))]
    for variant in master.playlists:
        info = variant.stream_info
        assert info.frame_rate == 25.0 and info.audio == "aud"
        video_codec, audio_codec = info.codecs.split(",")
        assert audio_codec == "mp4a.40.2"
        with av.open(str(package.directory / variant.uri.replace("index.m3u8", "")) + "/" +
                     m3u8.load(str(package.directory / variant.uri)).segment_map[0].uri) as init:
            ctx = init.streams.video[0].codec_context
            assert video_codec == "avc1." + ctx.extradata[1:4].hex()
    assert [m.type for m in master.media] == ["AUDIO"] and master.media[0].default == "YES"
    assert package.renditions[0]["bandwidth"] == master.playlists[0].stream_info.bandwidth


def test_ffmpeg_decodes_every_rung_from_the_master(package):
    with av.open(str(package.directory / "master.m3u8")) as container:
        streams = list(container.streams.video)
        assert sorted(s.codec_context.height for s in streams) == [360, 480]
        frames = {s.index: 0 for s in streams}
        for packet in container.demux(*streams):
            frames[packet.stream.index] += len(packet.decode())
    assert all(count == pytest.approx(14 * 25, abs=2) for count in frames.values()), frames


def test_segments_respect_the_target_duration(package):
    master = m3u8.load(str(package.directory / "master.m3u8"))
    for uri in [p.uri for p in master.playlists] + [m.uri for m in master.media]:
        playlist = m3u8.load(str(package.directory / uri))
        assert playlist.target_duration == 6 and playlist.playlist_type == "vod"
        assert all(s.duration <= playlist.target_duration + 0.5 for s in playlist.segments)


def _measured_bps(directory, uri):
    """Bits per second of a media playlist from the file sizes and the decoded duration (not from EXTINF)."""
    playlist = m3u8.load(str(directory / uri))
    folder = (directory / uri).parent
    sizes = [(folder / s.uri).stat().st_size for s in playlist.segments]
    with av.open(str(directory / uri)) as container:
        stream = container.streams[0]
        last = [p for p in container.demux(stream) if p.pts is not None]
        seconds = float((max(p.pts + p.duration for p in last) - min(p.pts for p in last)) * stream.time_base)
    full = [size * 8 / s.duration for size, s in zip(sizes, playlist.segments, strict=True) if s.duration >= 5.9]
    return sum(sizes) * 8 / seconds, max(full)


def test_declared_bandwidth_matches_the_bytes_within_ten_percent(package):
    master = m3u8.load(str(package.directory / "master.m3u8"))
    audio_avg, audio_peak = _measured_bps(package.directory, master.media[0].uri)
    for variant in master.playlists:
        video_avg, video_peak = _measured_bps(package.directory, variant.uri)
        info = variant.stream_info
        assert info.average_bandwidth == pytest.approx(video_avg + audio_avg, rel=0.10)
        assert info.bandwidth == pytest.approx(video_peak + audio_peak, rel=0.10)
        assert info.bandwidth >= info.average_bandwidth


def test_iframe_playlists_address_every_idr_one_per_gop(package, tmp_path):
    master = m3u8.load(str(package.directory / "master.m3u8"))
    assert [p.uri for p in master.iframe_playlists] == ["v480/iframes.m3u8", "v360/iframes.m3u8"]
    variants = {p.uri.split("/")[0]: p.stream_info for p in master.playlists}
    for entry in master.iframe_playlists:
        info = entry.iframe_stream_info
        rung = entry.uri.split("/")[0]
        assert info.codecs == variants[rung].codecs.split(",")[0] and info.resolution == variants[rung].resolution
        assert 0 < info.average_bandwidth <= info.bandwidth < variants[rung].bandwidth
        playlist = m3u8.load(str(package.directory / entry.uri))
        assert playlist.is_i_frames_only and playlist.target_duration == 2
        # a 14-s clip with an IDR every 2 s: 7 I-frames, 3 in each 6-s segment and 1 in the last
        assert [s.duration for s in playlist.segments] == pytest.approx([2.0] * 7, abs=0.05)
        assert [s.uri for s in playlist.segments] == ["seg_00000.m4s"] * 3 + ["seg_00001.m4s"] * 3 + ["seg_00002.m4s"]
        folder = (package.directory / entry.uri).parent
        init = (folder / playlist.segment_map[0].uri).read_bytes()
        peak = 0.0
        for k, segment in enumerate(playlist.segments):
            length, offset = (int(x) for x in segment.byterange.split("@"))
            chunk = (folder / segment.uri).read_bytes()[offset:offset + length]
            assert chunk[4:8] == b"moof"
            peak = max(peak, length * 8 / segment.duration)
            with av.open(io.BytesIO(init + chunk)) as container:
                frames = list(container.decode(video=0))
                assert len(frames) == 1 and frames[0].key_frame and frames[0].height in (480, 360)
                assert float(frames[0].time) == pytest.approx(2.0 * k, abs=0.1)
            # and the ffmpeg binary, given only the init segment and that byte range, decodes one picture
            alone = tmp_path / f"{rung}-{k}.mp4"
            alone.write_bytes(init + chunk)
            done = subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(alone), "-frames:v", "1",
                                   "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, timeout=60)
            assert done.returncode == 0 and len(done.stdout) == variants[rung].resolution[0] * \
                variants[rung].resolution[1], done.stderr
        assert info.bandwidth == pytest.approx(peak, rel=0.01)


def test_peak_uses_runs_of_half_to_one_and_a_half_targets():
    # 3 s segments of 100, 400, 100 kB at target 6: runs of 3-9 s; the 400 kB one alone is 3 s long
    assert _peak([100_000, 400_000, 100_000], [3.0, 3.0, 3.0], 6) == pytest.approx(400_000 * 8 / 3)
    assert _peak([1000], [1.0], 6) == 0.0  # too short to judge: the caller falls back to the average


@pytest.mark.parametrize("code, expected", [
    ("en", ("en", "English")), ("pt-BR", ("pt-BR", "Portuguese")), ("fre", ("fr", "French")),
    ("eng", ("en", "English")), (None, ("und", "Unknown")), ("und", ("und", "Unknown")),
])
def test_language_tags(code, expected):
    assert language_tag(code) == expected


def test_a_plan_limit_hides_taller_variants_but_never_all():
    from reelhouse.media.transcode.master import master_limited

    master = "\n".join([
        "#EXTM3U", "#EXT-X-VERSION:7",
        '#EXT-X-STREAM-INF:BANDWIDTH=6600000,RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"', "v1080/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=3300000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"', "v720/index.m3u8",
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=1920x1080,URI="v1080/iframes.m3u8"',
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=50000,RESOLUTION=1280x720,URI="v720/iframes.m3u8"',
        '#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=9000,RESOLUTION=240x136,CODECS="jpeg",URI="trickplay/images.m3u8"',
    ])
    limited = master_limited(master, 720)
    assert "v1080" not in limited and "v720/index.m3u8" in limited and "v720/iframes.m3u8" in limited
    assert "trickplay/images.m3u8" in limited  # seek previews stay whatever the plan
    assert "v720/index.m3u8" in master_limited(master, 480)  # nothing fits: the smallest stays
    vertical = master.replace("1920x1080", "1080x1920").replace("1280x720", "720x1280")
    assert "v1080" not in master_limited(vertical, 720)  # height means the short side
