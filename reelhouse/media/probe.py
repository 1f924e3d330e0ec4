"""What a media file holds, read with PyAV without decoding more than one frame; errors say what is wrong."""

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from reelhouse.media.errors import MediaError, ProbeError
from reelhouse.media.inputs import dimensions_problem, open_container

__all__ = ["MediaError", "ProbeError", "ProbeResult", "probe"]


@dataclass(frozen=True)
class AudioStream:
    index: int
    codec: str
    channels: int
    language: str | None


@dataclass(frozen=True)
class SubtitleStream:
    index: int
    codec: str
    language: str | None
    forced: bool
    sdh: bool = False  # disposition "hearing impaired"


@dataclass(frozen=True)
class ProbeResult:
    format: str
    duration_s: float
    codec: str
    width: int  # coded size
    height: int
    display_width: int  # after sample aspect ratio and rotation: what a viewer sees
    display_height: int
    fps: float
    pix_fmt: str
    interlaced: bool
    rotation: int
    audio: list[AudioStream] = field(default_factory=list)
    subtitles: list[SubtitleStream] = field(default_factory=list)

    @property
    def is_portrait(self) -> bool:
        return self.display_height > self.display_width


def _language(stream) -> str | None:
    lang = (stream.metadata or {}).get("language")
    return None if lang in (None, "", "und") else lang


def probe(path: Path) -> ProbeResult:
    """Read a file's container and streams. Raises ProbeError with a specific reason for anything unusable."""
    path = Path(path)
    try:
        container = open_container(path)
    except av.error.FFmpegError as exc:
        if _mp4_without_moov(path):
            raise ProbeError(f"{path.name}: truncated or corrupt file: moov atom not found "
                             "(the upload is probably incomplete; deliver it again)") from exc
        raise ProbeError(f"{path.name}: not a media file: ffmpeg cannot read it "
                         f"({exc.strerror or exc})") from exc
    with container:
        if not container.streams.video:
            kind = "audio-only file" if container.streams.audio else "no audio or video streams"
            raise ProbeError(f"{path.name}: no video stream ({kind})")
        video = container.streams.video[0]
        ctx = video.codec_context
        if not ctx.width or not ctx.height:
            raise ProbeError(f"{path.name}: video stream has no picture size; the file is damaged")
        sar = video.sample_aspect_ratio or Fraction(1)
        display_w = round(ctx.width * sar) if sar > 0 else ctx.width
        display_h = ctx.height
        if problem := dimensions_problem(width=ctx.width, height=ctx.height, display_width=display_w,
                                         display_height=display_h):
            raise ProbeError(f"{path.name}: {problem}")  # before a single frame is decoded
        duration = _duration(container, video)
        if duration <= 0:
            raise ProbeError(f"{path.name}: cannot tell the duration; the file is damaged or empty")
        rotation, interlaced = _first_frame_facts(container, video, path)
        if rotation in (90, 270):
            display_w, display_h = display_h, display_w
        rate = _frame_rate(video)
        return ProbeResult(
            format=container.format.name, duration_s=duration, codec=ctx.name, width=ctx.width, height=ctx.height,
            display_width=display_w, display_height=display_h, fps=float(rate), pix_fmt=ctx.pix_fmt or "",
            interlaced=interlaced, rotation=rotation,
            audio=[AudioStream(s.index, s.codec_context.name, s.codec_context.channels or 0, _language(s))
                   for s in container.streams.audio],
            subtitles=[SubtitleStream(s.index, s.codec_context.name if s.codec_context else "", _language(s),
                                      bool(s.disposition & av.stream.Disposition.forced),
                                      bool(s.disposition & av.stream.Disposition.hearing_impaired))
                       for s in container.streams.subtitles],
        )


def _mp4_without_moov(path: Path) -> bool:
    """An ISO-BMFF (MP4/MOV) file whose top-level boxes end before a 'moov' box: a cut-off upload."""
    with path.open("rb") as fh:
        header = fh.read(8)
        if len(header) < 8 or header[4:8] != b"ftyp":
            return False
        offset, size = 0, path.stat().st_size
        while offset + 8 <= size:
            fh.seek(offset)
            box = fh.read(16)
            length, kind = int.from_bytes(box[:4], "big"), box[4:8]
            if kind == b"moov":
                return False
            if length == 1 and len(box) >= 16:
                length = int.from_bytes(box[8:16], "big")
            if length < 8:
                break
            offset += length
    return True


STANDARD_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0)


def _frame_rate(video) -> float:
    """The rate to encode at: the average rate when it is (within 3% of) a standard one; a variable-rate file's
    average is not, so its nominal rate (ffmpeg's r_frame_rate guess) is used when that is standard."""
    average = float(video.average_rate or 0)
    for candidate in (average, float(video.guessed_rate or 0), float(video.base_rate or 0)):
        near = min(STANDARD_RATES, key=lambda r: abs(r - candidate)) if candidate else 0
        if candidate and abs(near - candidate) / near <= 0.03:
            return near if abs(near - candidate) / near > 0.001 else candidate
    return average or float(video.guessed_rate or 0) or 25.0


def _duration(container, video) -> float:
    if container.duration:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return 0.0


def _first_frame_facts(container, video, path: Path) -> tuple[int, bool]:
    """Rotation (the display matrix's angle, degrees counter-clockwise) and interlacing, from the first frame."""
    try:
        for frame in container.decode(video):
            rotation = round(getattr(frame, "rotation", 0) or 0) % 360
            return rotation, bool(frame.interlaced_frame)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"{path.name}: the video stream cannot be decoded ({exc.strerror or exc})") from exc
    raise ProbeError(f"{path.name}: the video stream holds no pictures")
