"""Deliveries that try to make ffmpeg or PyAV reach other files: playlists, manifests and concat scripts saved as
`.mkv`, subtitle sidecars that are really something else, pictures larger than 8K. Each goes through the real
pipeline (watch folder, real ffmpeg) and ends quarantined with a reason that says what the file is; the files they
point at are never opened (each is a FIFO whose writer would wake up if anything opened it for reading)."""

import contextlib
import os
import subprocess
import threading
from pathlib import Path

import pytest

from reelhouse.ingest.models import Delivery
from reelhouse.media import inputs
from reelhouse.media.models import TranscodeJob
from reelhouse.media.probe import ProbeError, probe
from reelhouse.media.transcode.package import package_build
from tests.conftest import deliver, scan_until_settled
from tests.media.conftest import FFMPEG, ffmpeg_make, video_in, x264

pytestmark = pytest.mark.django_db(transaction=True)


class Tripwire:
    """A FIFO that records whether anything opened it for reading: a writer thread blocks in open() until a reader
    comes. `close()` releases the writer (by opening a reader itself) and tells whether someone else came first."""

    def __init__(self, path: Path):
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the FIFO
        self.opened.set()
        with contextlib.suppress(OSError):
            os.write(fd, b"SECRET-MARKER-7f3a\n")
        os.close(fd)

    def close(self) -> bool:
        """True when something other than this method opened the FIFO for reading."""
        touched = self.opened.is_set()
        reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._thread.join(10)
        os.close(reader)
        return touched


@pytest.fixture
def tripwire(tmp_path):
    made = []

    def make(name: str) -> Tripwire:
        wire = Tripwire(tmp_path / name)
        made.append(wire)
        return wire

    yield make
    for wire in made:
        wire.close()


EPISODE = "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv"


def _referring(kind: str, folder: Path, target: Path, clip_name: str) -> bytes:
    """The text of a playlist, manifest or script that points at `target` (absolute, by file://) and at a real
    clip beside it (relative)."""
    if kind == "hls-file-url":
        return (f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nfile://{target}\n#EXTINF:4,\n{clip_name}\n"
                "#EXT-X-ENDLIST\n").encode()
    if kind == "hls-relative":
        rel = os.path.relpath(target, folder)
        return f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{rel}\n#EXT-X-ENDLIST\n".encode()
    if kind == "ffconcat":
        return f"ffconcat version 1.0\nfile '{target}'\nfile '{clip_name}'\n".encode()
    if kind == "dash":
        return (f'<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
                f'mediaPresentationDuration="PT4S" minBufferTime="PT1S"><Period><AdaptationSet mimeType="video/mp4">'
                f'<Representation id="1" bandwidth="1000"><BaseURL>file://{target}</BaseURL></Representation>'
                f"</AdaptationSet></Period></MPD>\n").encode()
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, said", [
    ("hls-file-url", "an HLS playlist"),
    ("hls-relative", "an HLS playlist"),
    ("ffconcat", "an ffconcat script"),
    ("dash", "a DASH manifest"),
])
def test_playlists_manifests_and_scripts_saved_as_mkv_are_quarantined_unread(licensed_source, clip_cache, tripwire,
                                                                            kind, said):
    wire = tripwire("secret.ts")
    path = Path(licensed_source.path) / EPISODE
    deliver(licensed_source, str(Path(EPISODE).parent / "clip.mp4"), clip_cache(seconds=2))
    content = _referring(kind, path.parent, wire.path, "clip.mp4")
    path.write_bytes(content)

    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get(path=EPISODE)
    assert delivery.state == Delivery.State.QUARANTINED
    assert f"Test Show - S01E01 - Pilot.mkv: {said}, not a media file" in delivery.reason
    assert "point at other files are refused" in delivery.reason
    assert not TranscodeJob.objects.filter(delivery=delivery).exists()  # nothing queued, nothing to retry
    assert path.read_bytes() == content  # the delivery is kept as it came
    assert not wire.close(), "the file the playlist points at was opened"


@pytest.mark.parametrize("kind", ["ffconcat", "dash", "hls-file-url"])
def test_ffmpeg_itself_refuses_them_with_the_shared_input_options(tmp_path, clip_cache, tripwire, kind):
    # The argv every ffmpeg run on a delivery uses, without the probe's look at the opening bytes in front of it.
    wire = tripwire("secret.ts")
    (tmp_path / "clip.mp4").write_bytes(clip_cache(seconds=2).read_bytes())
    disguised = tmp_path / "film.mkv"
    disguised.write_bytes(_referring(kind, tmp_path, wire.path, "clip.mp4"))
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", *inputs.ffmpeg_input(disguised), "-f", "null", "-"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Error opening input" in done.stderr
    assert not wire.close()


@pytest.mark.parametrize("args", [
    ["-f", "lavfi", "-i", "color=red:size=64x64", "-frames:v", "1", "-f", "image2", "-c:v", "png"],  # a picture
    ["-f", "lavfi", "-i", "sine=duration=1", "-f", "wav"],  # audio only, no container check possible
    [*video_in(seconds=1), *x264(), "-f", "h264"],  # a raw elementary stream: no container at all
])
def test_demuxers_off_the_list_are_refused_by_name(tmp_path, args):
    # Not a playlist by its opening bytes: the demuxer allow-list itself refuses it, before any header is read.
    disguised = ffmpeg_make(tmp_path / "film.mkv", *args)
    with pytest.raises(ProbeError, match=r"film.mkv: its container is not one Reelhouse accepts \(Matroska/WebM, "):
        probe(disguised)


def test_allowed_containers_still_open(tmp_path):
    for name, extra in (("a.mkv", []), ("a.mp4", []), ("a.ts", []), ("a.avi", []), ("a.mxf", ["-f", "mxf"])):
        source = ffmpeg_make(tmp_path / name, *video_in(seconds=1), *x264(), *extra)
        info = probe(source)
        assert info.format in inputs.DEMUXERS and (info.width, info.height) == (320, 180)


def test_subtitle_sidecar_is_read_as_its_suffix_says(tmp_path, clip_cache, tripwire):
    wire = tripwire("secret.srt")
    source = tmp_path / "film.mp4"
    source.write_bytes(clip_cache(seconds=2, size="320x180").read_bytes())
    sneaky = tmp_path / "film.en.srt"  # really an ffconcat script pointing at another subtitle file
    sneaky.write_text(f"ffconcat version 1.0\nfile '{wire.path}'\n")
    good = tmp_path / "film.fr.srt"
    good.write_text("1\n00:00:00,500 --> 00:00:01,500\nBonjour\n")
    result = package_build(source=source, dest=tmp_path / "pkg", preset="ultrafast", downloads=False,
                           trickplay=False, subtitles=[{"path": sneaky, "language": "en"},
                                                       {"path": good, "language": "fr"}])
    assert [t["language"] for t in result.subtitles] == ["fr"]
    assert any("film.en.srt: no subtitle cues found" in w for w in result.warnings), result.warnings
    assert not wire.close()
    assert not any(b"SECRET-MARKER" in p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file())


def test_subtitle_demuxer_comes_from_the_suffix_only():
    assert inputs.ffmpeg_subtitle_input("/x/a.SRT")[-4:] == ["-f", "srt", "-i", "file:/x/a.SRT"]
    assert inputs.ffmpeg_subtitle_input("/x/in.txt", suffix=".ssa")[-4:-2] == ["-f", "ass"]
    assert inputs.ffmpeg_subtitle_input("/x/a.vtt")[:4] == ["-protocol_whitelist", "file", "-format_whitelist",
                                                            "webvtt"]
    with pytest.raises(ValueError, match=r"a.m3u8: .m3u8 is not a subtitle format Reelhouse reads"):
        inputs.ffmpeg_subtitle_input("/x/a.m3u8")


@pytest.mark.parametrize("size, said", [
    ("8000x1000", "its coded picture size 8000x1000 is larger than 8K UHD (7680x4320)"),
    ("1760x160", "its coded picture size 1760x160 is 11:1, wider than any film"),
    ("160x1760", "its coded picture size 160x1760 is 11:1"),
])
def test_pictures_beyond_8k_or_absurdly_shaped_are_quarantined_before_decoding(licensed_source, tmp_path, size, said):
    clip = ffmpeg_make(tmp_path / "big.mkv", "-f", "lavfi", "-i", f"color=black:size={size}:rate=25:duration=0.2",
                       *x264())
    path = deliver(licensed_source, EPISODE, clip)
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert delivery.reason.startswith(f"Test Show - S01E01 - Pilot.mkv: {said}")
    assert not TranscodeJob.objects.exists()
    assert path.read_bytes() == clip.read_bytes()


def test_dimension_rules():
    ok = {"width": 3840, "height": 2160, "display_width": 3840, "display_height": 2160}
    assert inputs.dimensions_problem(**ok) == ""
    assert inputs.dimensions_problem(**ok | {"width": 7680, "height": 4320, "display_width": 7680,
                                             "display_height": 4320}) == ""
    assert "larger than 8K" in inputs.dimensions_problem(**ok | {"display_width": 7681})  # anamorphic blow-up
    assert "absurd" in inputs.dimensions_problem(**ok | {"width": 0})
    assert "absurd" in inputs.dimensions_problem(**ok | {"height": -4})
    assert "larger than 8K" in inputs.dimensions_problem(**ok | {"width": 4320, "height": 7681})


def test_a_subtitle_sidecar_that_is_a_fifo_or_a_link_to_dev_zero_is_skipped_without_hanging(tmp_path, clip_cache):
    source = tmp_path / "film.mp4"
    source.write_bytes(clip_cache(seconds=2, size="320x180").read_bytes())
    fifo, link = tmp_path / "film.en.srt", tmp_path / "film.de.srt"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open would wait for ever
    link.symlink_to("/dev/zero")  # endless
    result = package_build(source=source, dest=tmp_path / "pkg", preset="ultrafast", downloads=False,
                           trickplay=False, subtitles=[{"path": fifo, "language": "en"},
                                                       {"path": link, "language": "de"}])
    assert result.subtitles == []
    assert "subtitle skipped: film.en.srt: cannot read it (a FIFO)" in result.warnings
    assert ("subtitle skipped: film.de.srt: cannot read it (a symbolic link (links are not followed))"
            in result.warnings)
