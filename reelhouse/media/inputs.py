"""How media from outside is opened, in one place for ffmpeg (argv) and PyAV (options): only real container formats,
only the local file itself (`protocol_whitelist=file`), never a playlist, manifest or script that would make ffmpeg
open other files; subtitle sidecars with the demuxer their suffix names; pictures no larger than 8K.

Why an allow-list: ffmpeg picks a demuxer from the file's content, not its name, and several of its demuxers open
other files by themselves: an HLS playlist, a DASH manifest or an ffconcat script saved as `film.mkv` would be read
and the files it names (anything the worker can read: /etc/passwd, another licensor's delivery) followed.
`format_whitelist` makes ffmpeg refuse any other demuxer after probing, before it reads a header.
"""

import errno
import os
from pathlib import Path

from reelhouse.core.files import NotARegularFile, open_regular
from reelhouse.media.errors import ProbeError

# Demuxers deliveries may use, by ffmpeg's name (the first alias is what `format_whitelist` matches), each with the
# name an operator knows. Chosen: the containers studios and licensors deliver in (Matroska/WebM, QuickTime/MP4,
# MXF, MPEG transport and program streams, AVI, FLV, ASF/WMV, Ogg, DV). Left out: demuxers that read other files
# or URLs (hls, dash, concat, webm_dash_manifest, sdp, rtsp, image2, lavfi, avisynth, vapoursynth, dvdvideo,
# bluray), raw elementary streams and audio-only formats (h264, hevc, m4v, aac, mp3, wav, flac: no container to
# check, permissive probes that "find" a stream in junk, and a delivery must hold a picture), and image formats.
DEMUXERS = {
    "matroska,webm": "Matroska/WebM",
    "mov,mp4,m4a,3gp,3g2,mj2": "MP4/QuickTime",
    "mxf": "MXF",
    "mpegts": "MPEG-TS",
    "mpeg": "MPEG-PS",
    "avi": "AVI",
    "flv": "FLV",
    "asf": "ASF/WMV",
    "ogg": "Ogg",
    "dv": "DV",
}
# What ffmpeg reads back from our own packages (chromaprint markers listen to the published HLS master).
PACKAGE_DEMUXERS = {"hls": "HLS", "mov,mp4,m4a,3gp,3g2,mj2": "MP4/QuickTime"}
# A subtitle sidecar is read as what its suffix says, never guessed from its content.
SUBTITLE_DEMUXERS = {".srt": "srt", ".ass": "ass", ".ssa": "ass", ".vtt": "webvtt"}

# Pictures larger than 8K UHD, or shaped like no film, are refused before a frame is decoded.
MAX_LONG_SIDE = 7680
MAX_SHORT_SIDE = 4320
MAX_PIXELS = MAX_LONG_SIDE * MAX_SHORT_SIDE  # 33.2 Mpx
MAX_ASPECT = 10.0  # wider (or taller) than 10:1 is no picture anyone delivers
MIN_SIDE = 16

# Text openings of the files that make ffmpeg open other files: named in the refusal, so the operator knows what
# was delivered.
_REFERRING = ((b"#EXTM3U", "an HLS playlist"), (b"ffconcat version", "an ffconcat script"),
              (b"[playlist]", "a PLS playlist"), (b"v=0", "an SDP session description"),
              (b"file ", "an ffconcat script"), (b"#EXTINF", "an M3U playlist"))
_MARKUP = ((b"<mpd", "a DASH manifest"), (b"<smil", "a SMIL playlist"), (b"<asx", "an ASX playlist"))


def _whitelist(demuxers: dict[str, str]) -> str:
    return ",".join(name.split(",")[0] for name in demuxers)


def accepted_names() -> str:
    return ", ".join(DEMUXERS.values())


def ffmpeg_input(path: Path | str, *, demuxers: dict[str, str] = DEMUXERS) -> list[str]:
    """The argv that opens `path` as ffmpeg's input: local file only, accepted containers only. Put every other
    input option (-ss, -t) before it; it ends with `-i <path>`."""
    return ["-protocol_whitelist", "file", "-format_whitelist", _whitelist(demuxers), "-i", _file_url(path)]


def ffmpeg_subtitle_input(path: Path | str, *, suffix: str | None = None) -> list[str]:
    """The argv that opens a subtitle sidecar with the demuxer its suffix names (`suffix` when the file on disk is
    a converted copy). Raises ValueError for a suffix that is not a subtitle format."""
    wanted = (suffix or Path(path).suffix).lower()
    if wanted not in SUBTITLE_DEMUXERS:
        raise ValueError(f"{Path(path).name}: {wanted or 'no suffix'} is not a subtitle format Reelhouse reads "
                         f"({', '.join(sorted(SUBTITLE_DEMUXERS))})")
    demuxer = SUBTITLE_DEMUXERS[wanted]
    return ["-protocol_whitelist", "file", "-format_whitelist", demuxer, "-f", demuxer, "-i", _file_url(path)]


def av_options(*, demuxers: dict[str, str] = DEMUXERS) -> dict[str, str]:
    """PyAV's `container_options` for the same rule."""
    return {"protocol_whitelist": "file", "format_whitelist": _whitelist(demuxers)}


def _file_url(path: Path | str) -> str:
    # "file:" so a name that looks like a protocol ("concat:a|b", "subfile,,...") is still only a file name.
    return "file:" + os.fspath(Path(path).absolute())


def open_container(path: Path):
    """Open a delivery with PyAV under the allow-list: a regular file opened once without following a symlink,
    never blocking on a FIFO. Raises ProbeError naming what the file is and why it is refused."""
    import av

    path = Path(path)
    try:
        fd = open_regular(path)
    except NotARegularFile as exc:
        raise ProbeError(f"{path.name}: {exc.strerror}, not a media file (deliver the file itself)") from exc
    except OSError as exc:
        raise ProbeError(f"{path.name}: cannot read file ({exc.strerror})") from exc
    try:
        st = os.fstat(fd)
        if st.st_size == 0:
            raise ProbeError(f"{path.name}: empty file (0 bytes)")
        head = os.pread(fd, 4096, 0)
        refused = referring_kind(head)
        if refused:
            raise ProbeError(f"{path.name}: {refused}, not a media file; playlists, manifests and scripts that "
                             f"point at other files are refused (deliver the video itself, in {accepted_names()})")
        try:
            # /proc/self/fd/N re-opens the very file checked above, whatever the name points at now.
            container = av.open(f"file:/proc/self/fd/{fd}" if os.path.isdir("/proc/self/fd") else _file_url(path),
                                container_options=av_options())
        except av.error.FFmpegError as exc:
            if exc.errno == errno.EINVAL:  # probed as a demuxer that is not on the list
                raise ProbeError(f"{path.name}: its container is not one Reelhouse accepts ({accepted_names()}); "
                                 "re-wrap it (e.g. ffmpeg -i in -c copy out.mkv) and deliver it again") from exc
            raise
    finally:
        os.close(fd)
    if container.format.name not in DEMUXERS:  # never reached while format_whitelist holds; checked all the same
        name = container.format.name
        container.close()
        raise ProbeError(f"{path.name}: container {name} is not accepted ({accepted_names()})")
    return container


def referring_kind(head: bytes) -> str:
    """What a file that opens like a playlist, manifest or script is ('' for anything else)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for opening, kind in _REFERRING:
        if text.startswith(opening.lower()):
            return kind
    if text.startswith(b"<"):  # markup: what its root element says, past the XML declaration and comments
        return next((kind for tag, kind in _MARKUP if tag in text), "an XML or HTML document")
    return ""


def dimensions_problem(*, width: int, height: int, display_width: int, display_height: int) -> str:
    """'' when a picture of that coded and display size may be decoded; else why not (checked before decoding)."""
    for w, h, what in ((width, height, "coded"), (display_width, display_height, "display")):
        if w < MIN_SIDE or h < MIN_SIDE:
            return f"its {what} picture size {w}x{h} is absurd (at least {MIN_SIDE}x{MIN_SIDE} expected)"
        long_side, short_side = max(w, h), min(w, h)
        if long_side > MAX_LONG_SIDE or short_side > MAX_SHORT_SIDE or w * h > MAX_PIXELS:
            return (f"its {what} picture size {w}x{h} is larger than 8K UHD ({MAX_LONG_SIDE}x{MAX_SHORT_SIDE}); "
                    "deliver a version of at most 8K")
        if long_side / short_side > MAX_ASPECT:
            return (f"its {what} picture size {w}x{h} is {long_side / short_side:.0f}:1, wider than any film "
                    f"(at most {MAX_ASPECT:.0f}:1); the file is damaged or not a film")
    return ""
