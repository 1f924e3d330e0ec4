"""Sidecar and embedded text subtitles become WebVTT renditions declared in the master; legacy encodings are
converted; a broken file is a warning and the video is still packaged."""

import codecs

import av
import m3u8
import pytest

from reelhouse.media.transcode.master import SDH_CHARACTERISTICS
from reelhouse.media.transcode.package import package_build
from reelhouse.media.transcode.subtitles import SubtitleError, decode_text
from tests.media.conftest import audio_in, ffmpeg_make, video_in, x264

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

SRT = "1\n00:00:00,500 --> 00:00:01,500\n{line}\n\n2\n00:00:02,000 --> 00:00:02,800\nsecond\n"
ASS = """[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, Bold, Italic, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,0,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:01.50,Default,,0,0,0,,{line}
"""


@pytest.mark.parametrize("data, text, encoding", [
    ("Café".encode(), "Café", "utf-8"),
    (codecs.BOM_UTF8 + "Café".encode(), "Café", "utf-8-sig"),
    ("Café – “quoted”".encode("cp1252"), "Café – “quoted”", "cp1252"),
    ("Ça va".encode("utf-16"), "Ça va", "utf-16"),  # with its BOM
    ("Grüße".encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]), "Grüße", "utf-16"),
    (b"caf\xe9 \x81", "café \x81", "latin-1"),  # 0x81 is undefined in cp1252
])
def test_encodings_are_detected(data, text, encoding):
    assert decode_text(data) == (text, encoding)


def test_utf16_without_bom_is_refused_with_a_reason():
    with pytest.raises(SubtitleError, match="UTF-16 without a byte-order mark"):
        decode_text("1\n00:00:00,500 --> 00:00:01,500\nhello there\n".encode("utf-16-le"))


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    root = tmp_path_factory.mktemp("subs")
    film = root / "Film.mkv"
    embedded = root / "embedded.srt"
    embedded.write_text(SRT.format(line="ciao"), encoding="utf-8")
    ffmpeg_make(film, *video_in(seconds=3), *audio_in(seconds=3), "-i", str(embedded), "-map", "0:v", "-map", "1:a",
                "-map", "2:s", *x264(), "-c:a", "aac", "-c:s", "srt", "-metadata:s:s:0", "language=ita",
                "-disposition:s:0", "hearing_impaired")
    sidecars = []
    for name, content, encoding, language, forced, sdh in [
        ("Film.en.srt", SRT.format(line="hello"), "utf-8", "en", False, False),
        ("Film.fr.forced.srt", SRT.format(line="Ça coûte 5 €"), "cp1252", "fr", True, False),
        ("Film.de.sdh.srt", SRT.format(line="[Musik] Grüße"), "utf-16", "de", False, True),
        ("Film.es.ass", ASS.format(line="¡Hola!"), "utf-8", "es", False, False),
        ("Film.nl.srt", "this is not a subtitle file at all", "utf-8", "nl", False, False),
    ]:
        (root / name).write_bytes(content.encode(encoding))
        sidecars.append({"path": root / name, "language": language, "forced": forced, "sdh": sdh})
    return package_build(source=film, dest=root / "pkg", subtitles=sidecars, preset="ultrafast", downloads=False)


def test_every_readable_track_is_webvtt_in_the_package(package):
    by_vtt = {t["vtt"]: t for t in package.subtitles}
    assert sorted(by_vtt) == ["subs/de.sdh.vtt", "subs/en.vtt", "subs/es.vtt", "subs/fr.forced.vtt",
                              "subs/it.sdh.vtt"]
    expected = {"subs/en.vtt": "hello", "subs/fr.forced.vtt": "Ça coûte 5 €", "subs/de.sdh.vtt": "[Musik] Grüße",
                "subs/es.vtt": "¡Hola!", "subs/it.sdh.vtt": "ciao"}
    for vtt, line in expected.items():
        text = (package.directory / vtt).read_text(encoding="utf-8")
        assert text.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:") and line in text
        assert "00:00.500 --> 00:01.500" in text
    assert by_vtt["subs/fr.forced.vtt"]["encoding"] == "cp1252"
    assert by_vtt["subs/de.sdh.vtt"]["encoding"] == "utf-16"
    assert by_vtt["subs/it.sdh.vtt"]["origin"] == "embedded:2"


def test_a_broken_subtitle_is_a_warning_not_a_failure(package):
    assert [w for w in package.warnings if "Film.nl.srt" in w] == [
        # read as SRT because its name says so (never auto-detected): SRT without a single cue
        "subtitle skipped: Film.nl.srt: no subtitle cues found (empty or not a subtitle file)"]
    assert not (package.directory / "subs" / "nl.vtt").exists()
    assert (package.directory / "master.m3u8").is_file()


def test_master_declares_subtitle_renditions(package):
    master = m3u8.load(str(package.directory / "master.m3u8"))
    subs = {m.uri: m for m in master.media if m.type == "SUBTITLES"}
    assert sorted(subs) == ["subs/de.sdh.m3u8", "subs/en.m3u8", "subs/es.m3u8", "subs/fr.forced.m3u8",
                            "subs/it.sdh.m3u8"]
    assert (subs["subs/fr.forced.m3u8"].language, subs["subs/fr.forced.m3u8"].name) == ("fr", "French (forced)")
    assert subs["subs/fr.forced.m3u8"].forced == "YES" and subs["subs/en.m3u8"].forced == "NO"
    assert subs["subs/de.sdh.m3u8"].characteristics == SDH_CHARACTERISTICS
    assert subs["subs/it.sdh.m3u8"].name == "Italian (SDH)"
    assert all(m.group_id == "subs" and m.autoselect == "YES" for m in subs.values())
    assert all(p.stream_info.subtitles == "subs" for p in master.playlists)
    for uri in subs:
        playlist = m3u8.load(str(package.directory / uri))
        assert playlist.is_endlist and [s.uri for s in playlist.segments] == [uri.split("/")[1][:-5] + ".vtt"]
        assert playlist.segments[0].duration == pytest.approx(3.0, abs=0.1)


def test_ffmpeg_reads_the_webvtt_back(package):
    with av.open(str(package.directory / "subs" / "fr.forced.vtt")) as container:
        cues = [p for p in container.demux(container.streams.subtitles[0]) if p.size]
    assert len(cues) == 2


def test_empty_subtitle_file_is_reported(tmp_path, clip_cache):
    empty = tmp_path / "Film.en.srt"
    empty.write_text("1\n\n", encoding="utf-8")
    result = package_build(source=clip_cache(seconds=4), dest=tmp_path / "pkg", preset="ultrafast", downloads=False,
                           subtitles=[{"path": empty, "language": "en", "forced": False, "sdh": False}])
    assert result.subtitles == [] and any("Film.en.srt" in w for w in result.warnings)
    assert "SUBTITLES" not in (result.directory / "master.m3u8").read_text()
