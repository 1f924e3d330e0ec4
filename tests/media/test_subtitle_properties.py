"""Property tests (Hypothesis) on subtitle conversion: any bytes as a sidecar, any language a file name or a
stream's metadata claims. The text decoder returns text or raises SubtitleError; a conversion (real ffmpeg) gives
a track or a warning, never an exception, and writes only inside the package's subs/ folder; a language tag is
always shaped like one. Plus the attack the properties found: a Matroska subtitle stream whose language tag is
'../../x' or carries playlist lines."""

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reelhouse.media.probe import SubtitleStream, probe
from reelhouse.media.transcode.master import language_tag
from reelhouse.media.transcode.subtitles import SIDECAR_SUFFIXES, SubtitleError, decode_text, subtitles_build
from tests.media.conftest import ffmpeg_make, video_in, x264

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}")
LANGUAGES = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    ["en", "eng", "fre", "pt-BR", "zh-Hant-TW", "und", "xx", "../../evil", "a/b", "..", "en\n#EXT-X-ENDLIST",
     'fr",URI="http://evil.example/x', "\u202een", "en\x00", "e" * 200]))
SRT = "1\n00:00:00,500 --> 00:00:01,500\n{}\n\n"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
@example(b"\x00" * 50)
@example(b"\xff\xfe\x00")
@example(b"\x00\x00\xfe\xff\x00")
def test_decode_text_gives_text_or_a_subtitle_error(data):
    try:
        text, encoding = decode_text(data)
    except SubtitleError as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and encoding


@settings(max_examples=300, deadline=None)
@given(LANGUAGES)
def test_language_tags_are_always_shaped_like_one(code):
    tag, name = language_tag(code)
    assert TAG.fullmatch(tag), tag
    assert name and "\n" not in name and '"' not in name


SIDECAR_BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=60).map(lambda line: SRT.format(line).encode("utf-8", "surrogatepass")),
    st.sampled_from([b"WEBVTT\n\n00:00.500 --> 00:01.500\nhi\n", b"[Script Info]\n", b"1\n99:99:99,999 --> x\n",
                     b"\xef\xbb\xbf" + SRT.format("\u202e<i>x</i>").encode(), SRT.format("x" * 5000).encode()]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=SIDECAR_BODIES, suffix=st.sampled_from([*sorted(SIDECAR_SUFFIXES), ".sub", ".SRT", ""]),
       language=LANGUAGES, forced=st.booleans(), sdh=st.booleans())
def test_any_sidecar_becomes_a_track_or_a_warning_inside_subs(body, suffix, language, forced, sdh):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sidecar = root / "in" / f"Film{suffix}"
        sidecar.parent.mkdir()
        sidecar.write_bytes(body)
        out = root / "deep" / "package"
        out.mkdir(parents=True)
        tracks, warnings = subtitles_build(source=root / "in" / "Film.mkv", embedded=[], out_dir=out,
                                           sidecars=[{"path": sidecar, "language": language, "forced": forced,
                                                      "sdh": sdh}], duration_s=2, mpegts=900000)
        assert len(tracks) + len(warnings) == 1
        written = [p for p in root.rglob("*") if p.is_file() and p.parent != sidecar.parent]
        assert all(p.parent == out / "subs" for p in written), written
        for track in tracks:
            assert TAG.fullmatch(track["language"]) and (out / track["vtt"]).is_file()


@pytest.mark.parametrize("language", ["../../evil", "en\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://evil.example/x"])
def test_a_stream_language_cannot_place_files_or_write_playlist_lines(tmp_path, language):
    """A Matroska file may tag its subtitle stream with any string; the tag names the .vtt file and goes into the
    playlists. Before, '../../evil' wrote evil.vtt two folders above subs/."""
    srt = tmp_path / "s.srt"
    srt.write_text(SRT.format("hello"))
    source = ffmpeg_make(tmp_path / "in" / "Film.mkv", *video_in(seconds=2), "-i", str(srt), "-map", "0", "-map",
                         "1", *x264(), "-c:s", "srt", "-metadata:s:s:0", f"language={language}")
    (stream,) = probe(source).subtitles
    assert stream.language == language  # the hostile tag really is in the file
    out = tmp_path / "pkg" / "asset"
    out.mkdir(parents=True)
    tracks, warnings = subtitles_build(source=source, sidecars=[], out_dir=out, duration_s=2, mpegts=900000,
                                       embedded=[SubtitleStream(stream.index, stream.codec, stream.language, False)])
    assert warnings == [] and [t["language"] for t in tracks] == ["und"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.vtt")) == ["pkg/asset/subs/und.vtt"]
    playlists = "".join(p.read_text() for p in out.rglob("*.m3u8"))
    assert "evil" not in playlists
