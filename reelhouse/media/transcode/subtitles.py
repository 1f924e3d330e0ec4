"""Subtitles into the package: sidecar SRT/ASS/VTT files and embedded text streams become WebVTT renditions
(`subs/<lang>[.forced|.sdh].vtt` plus a one-segment media playlist each). Legacy encodings are detected and
converted to UTF-8; a track that cannot be read is a warning, never a failed package."""

import codecs
import math
import os
import re
import subprocess
import tempfile
from pathlib import Path

from reelhouse.core.files import open_regular
from reelhouse.media import conf
from reelhouse.media.inputs import SUBTITLE_DEMUXERS, ffmpeg_input, ffmpeg_subtitle_input
from reelhouse.media.probe import SubtitleStream
from reelhouse.media.transcode.master import language_tag

FOLDER = "subs"
SIDECAR_SUFFIXES = set(SUBTITLE_DEMUXERS)  # each read with the demuxer its suffix names
MAX_SIDECAR_BYTES = 20_000_000  # a feature film's SRT is about 100 KB
TEXT_CODECS = {"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text", "microdvd", "subviewer", "sami",
               "realtext", "jacosub", "mpl2", "vplayer", "pjs", "stl"}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


class SubtitleError(Exception):
    """One subtitle track could not be converted; the package goes on without it."""


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a subtitle file and the encoding it was in: a byte-order mark decides (UTF-8/16/32); else UTF-8 if it
    decodes, else Windows-1252 (a superset of Latin-1's printable characters), else Latin-1."""
    for bom, encoding in BOMS:  # UTF-32 LE before UTF-16 LE: its BOM starts with UTF-16's
        if data.startswith(bom):
            try:
                return data.decode(encoding), "utf-16" if encoding == "utf-16" else encoding
            except UnicodeDecodeError as exc:  # b"\xff\xfe\x00": a byte-order mark, then a truncated character
                raise SubtitleError(f"starts with a {encoding.upper()} byte-order mark but is not {encoding.upper()} "
                                    f"text ({exc.reason} at byte {exc.start})") from exc
    if data[:200].count(b"\x00") > 20:
        raise SubtitleError("looks like UTF-16 without a byte-order mark or a binary file; save it as UTF-8")
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SubtitleError("unreadable text")  # latin-1 decodes anything; kept for the type checker


def _to_vtt(cmd: list[str], target: Path, *, what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    if done.returncode != 0 or not target.is_file():
        lines = [re.sub(r"\[[^\]]* @ 0x[0-9a-f]+\]\s*", "", line).strip() for line in done.stderr.splitlines()]
        said = next((line for line in reversed(lines) if line), "no message")
        raise SubtitleError(f"{what}: not a readable subtitle file, ffmpeg says: {said[-200:]}")
    if "-->" not in target.read_text(encoding="utf-8", errors="replace"):
        target.unlink()
        raise SubtitleError(f"{what}: no subtitle cues found (empty or not a subtitle file)")


def _with_timestamp_map(vtt: Path, mpegts: int) -> None:
    """Anchor cue times to the video's first picture: X-TIMESTAMP-MAP in the header (HLS WebVTT, RFC 8216 3.5)."""
    text = vtt.read_text(encoding="utf-8").lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    vtt.write_text(f"{first.rstrip()}\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n{rest}", encoding="utf-8")


def _base_name(tag: str, forced: bool, sdh: bool, taken: set[str]) -> str:
    base = tag + (".forced" if forced else ".sdh" if sdh else "")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}.{n}", n + 1
    taken.add(name)
    return name


def _display_name(language_name: str, forced: bool, sdh: bool) -> str:
    return language_name + (" (forced)" if forced else " (SDH)" if sdh else "")


def _media_playlist(folder: Path, name: str, duration_s: float) -> None:
    target = max(1, math.ceil(duration_s))
    (folder / f"{name}.m3u8").write_text(
        "\n".join(["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
                   "#EXT-X-PLAYLIST-TYPE:VOD", f"#EXTINF:{duration_s:.3f},", f"{name}.vtt", "#EXT-X-ENDLIST", ""]),
        encoding="utf-8")


def subtitles_build(*, source: Path, sidecars: list[dict], embedded: list[SubtitleStream], out_dir: Path,
                    duration_s: float, mpegts: int) -> tuple[list[dict], list[str]]:
    """Convert every usable track into out_dir/subs/. Returns (tracks, warnings); each track is a dict with uri
    (its media playlist), vtt, language (BCP 47), name, forced, sdh, origin and encoding."""
    folder = out_dir / FOLDER
    tracks: list[dict] = []
    warnings: list[str] = []
    taken: set[str] = set()
    ffmpeg = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]

    def add(language: str | None, forced: bool, sdh: bool, origin: str, convert) -> None:
        tag, language_name = language_tag(language)
        name = _base_name(tag, forced, sdh, taken)
        folder.mkdir(exist_ok=True)
        target = folder / f"{name}.vtt"
        try:
            encoding = convert(target)
        except SubtitleError as exc:
            taken.discard(name)
            warnings.append(f"subtitle skipped: {exc}")
            return
        _with_timestamp_map(target, mpegts)
        _media_playlist(folder, name, duration_s)
        tracks.append({"uri": f"{FOLDER}/{name}.m3u8", "vtt": f"{FOLDER}/{name}.vtt", "language": tag,
                       "name": _display_name(language_name, forced, sdh), "forced": forced, "sdh": sdh,
                       "origin": origin, "encoding": encoding})

    for side in sidecars:
        path = Path(side["path"])

        def convert_sidecar(target: Path, path: Path = path) -> str:
            if path.suffix.lower() not in SIDECAR_SUFFIXES:
                raise SubtitleError(f"{path.name}: {path.suffix or 'no'} subtitles are not converted "
                                    "(only SRT, ASS/SSA and WebVTT text; image subtitles would need OCR)")
            try:  # one open: never through a symbolic link, never blocked on a FIFO swapped in
                with os.fdopen(open_regular(path), "rb") as fh:
                    data = fh.read(MAX_SIDECAR_BYTES + 1)
            except OSError as exc:
                raise SubtitleError(f"{path.name}: cannot read it ({exc.strerror})") from exc
            if len(data) > MAX_SIDECAR_BYTES:
                raise SubtitleError(f"{path.name}: larger than {MAX_SIDECAR_BYTES // 1_000_000} MB; not a subtitle "
                                    "file")
            try:
                text, encoding = decode_text(data)
            except SubtitleError as exc:
                raise SubtitleError(f"{path.name}: {exc}") from exc
            with tempfile.TemporaryDirectory() as tmp:
                utf8 = Path(tmp) / f"in{path.suffix.lower()}"
                utf8.write_text(text.lstrip("\ufeff"), encoding="utf-8")
                _to_vtt([*ffmpeg, *ffmpeg_subtitle_input(utf8), "-c:s", "webvtt", "-f", "webvtt", str(target)], target,
                        what=path.name)
            return encoding

        add(side.get("language"), bool(side.get("forced")), bool(side.get("sdh")), f"sidecar:{path.name}",
            convert_sidecar)

    for stream in embedded:
        def convert_stream(target: Path, stream: SubtitleStream = stream) -> str:
            what = f"{source.name} subtitle stream #{stream.index} ({stream.codec or 'unknown codec'})"
            if stream.codec not in TEXT_CODECS:
                raise SubtitleError(f"{what}: image subtitles are not converted (they would need OCR)")
            _to_vtt([*ffmpeg, *ffmpeg_input(source), "-map", f"0:{stream.index}", "-c:s", "webvtt", "-f", "webvtt",
                     str(target)], target, what=what)
            return "utf-8"

        add(stream.language, stream.forced, getattr(stream, "sdh", False), f"embedded:{stream.index}",
            convert_stream)
    return tracks, warnings
