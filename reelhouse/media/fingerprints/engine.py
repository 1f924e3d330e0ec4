"""Content fingerprints of one video: PDQ perceptual hashes of frames sampled at a fixed rate (as shown, mirrored, and
the centre ZOOM of the picture, after black bars are cropped away) and the chromaprint of its first audio track.
PDQ survives re-encoding, rescaling, colour and noise, but not a crop (10% off the edges moves a hash 30-140 bits);
the zoomed hash is what a copy cropped to the centre looks like, so the library carries it for every frame.

The frames come from the transcode's own decode: `Tap` adds one more low-rate branch to its filter graph (sampled,
cropped, scaled to a small square) written as raw RGB to a pipe that a thread hashes while ffmpeg encodes the
ladder, and one more output (ffmpeg's chromaprint muxer) for the audio. `fingerprint_file` runs the same graph on
its own for sources that are not being transcoded (the bench, tests, a backfill).
"""

import contextlib
import os
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdqhash
from django.conf import settings

from reelhouse.media import conf
from reelhouse.media.inputs import ffmpeg_input
from reelhouse.media.probe import MediaError, ProbeResult, probe

HASH_BYTES = 32  # PDQ: 256 bits
SIZE = 128  # frames are hashed at SIZE x SIZE (PDQ reduces every picture to 64 x 64 luma first)
ZOOM = 0.9  # the zoomed hash covers the centre 90% of the width and height
MIN_QUALITY = 50  # PDQ's own advice: below this a frame is too flat (black, a fade) to tell anything apart
_CROP = re.compile(r"crop=(\d+):(\d+):(\d+):(\d+)")


def sample_rate() -> float:
    """Frames hashed per second (REELHOUSE_FINGERPRINT_FPS); bench/fingerprint.py measures the choice."""
    return float(getattr(settings, "REELHOUSE_FINGERPRINT_FPS", 1.0))


@dataclass
class VideoPrint:
    """The fingerprint of one video: row i of `hashes` is the frame at i / rate seconds."""

    rate: float
    hashes: np.ndarray  # (n, 32) uint8: PDQ of each sampled frame
    mirrored: np.ndarray  # (n, 32) uint8: PDQ of the same frame flipped left to right
    zoomed: np.ndarray  # (n, 32) uint8: PDQ of the centre ZOOM of the frame
    quality: np.ndarray  # (n,) uint8: PDQ quality 0..100
    crop: tuple[int, int, int, int] | None = None  # w, h, x, y of the picture inside black bars (source pixels)
    audio: bytes = b""  # chromaprint raw sub-fingerprints (little-endian uint32, about 8 a second)
    seconds: float = 0.0  # wall time spent hashing (the tap's thread)

    @property
    def frames(self) -> int:
        return len(self.hashes)

    def usable(self) -> np.ndarray:
        """Indices of frames with enough detail to be compared."""
        return np.flatnonzero(self.quality >= MIN_QUALITY)


@dataclass
class Tap:
    """The fingerprint branch of the transcode's ffmpeg graph and the thread that hashes what it writes."""

    crop: tuple[int, int, int, int] | None
    rate: float
    workdir: Path
    _read_fd: int = -1
    _write_fd: int = -1
    _thread: threading.Thread | None = None
    _hashes: list = field(default_factory=list)
    _mirrored: list = field(default_factory=list)
    _zoomed: list = field(default_factory=list)
    _quality: list = field(default_factory=list)
    _error: BaseException | None = None
    _seconds: float = 0.0

    @classmethod
    def for_source(cls, source: Path, info: ProbeResult, *, workdir: Path, rate: float | None = None,
                   duration_s: float | None = None) -> "Tap":
        tap = cls(crop=crop_detect(source, info, duration_s=duration_s), rate=rate or sample_rate(), workdir=workdir)
        tap._read_fd, tap._write_fd = os.pipe()
        return tap

    @property
    def audio_path(self) -> Path:
        return self.workdir / ".fingerprint-audio.raw"

    def filter(self, label_in: str, label_out: str) -> str:
        """The graph branch: sample, crop the black bars, shrink to SIZE x SIZE RGB."""
        steps = [f"fps={self.rate:g}"]
        if self.crop:
            w, h, x, y = self.crop
            steps.append(f"crop={w}:{h}:{x}:{y}")
        steps += [f"scale={SIZE}:{SIZE}:flags=area", "format=rgb24"]
        return f"[{label_in}]{','.join(steps)}[{label_out}]"

    def output_args(self, label: str, *, audio: bool) -> list[str]:
        """Outputs of the tapped frames (to the pipe the thread reads) and of the first audio track's chromaprint."""
        args = ["-map", f"[{label}]", "-f", "rawvideo", f"pipe:{self._write_fd}"]
        if audio:
            args += ["-map", "0:a:0", "-ac", "1", "-f", "chromaprint", "-fp_format", "raw", str(self.audio_path)]
        return args

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self._write_fd,)

    def start(self) -> None:
        """Start hashing; call right after ffmpeg started (the parent's copy of the write end is closed here)."""
        os.close(self._write_fd)
        self._thread = threading.Thread(target=self._read, name="fingerprint-tap", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        import time

        frame_bytes = SIZE * SIZE * 3
        try:
            with os.fdopen(self._read_fd, "rb", buffering=frame_bytes * 4) as pipe:
                while True:
                    chunk = pipe.read(frame_bytes)
                    if len(chunk) < frame_bytes:
                        break
                    started = time.perf_counter()
                    hashes, quality = frame_hashes(np.frombuffer(chunk, dtype=np.uint8).reshape(SIZE, SIZE, 3))
                    for into, value in zip((self._hashes, self._mirrored, self._zoomed), hashes, strict=True):
                        into.append(value)
                    self._quality.append(quality)
                    self._seconds += time.perf_counter() - started
        except BaseException as exc:  # handed to finish(): the transcode reports it
            self._error = exc

    def finish(self) -> VideoPrint:
        """Wait for the last frame (ffmpeg has exited) and return the fingerprint."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise MediaError(f"fingerprint: hashing the sampled frames failed: {self._error}") from self._error
        audio = b""
        if self.audio_path.is_file():
            raw = self.audio_path.read_bytes()
            audio = raw[: len(raw) // 4 * 4]
            self.audio_path.unlink()
        return VideoPrint(rate=self.rate, hashes=_stack(self._hashes), mirrored=_stack(self._mirrored),
                          zoomed=_stack(self._zoomed), quality=np.array(self._quality, dtype=np.uint8),
                          crop=self.crop, audio=audio, seconds=self._seconds)

    def abandon(self) -> None:
        """ffmpeg never started: close both ends."""
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def frame_hashes(picture: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], int]:
    """((as shown, mirrored, zoomed) packed 32-byte PDQ hashes, quality) of one RGB picture."""
    h, w = picture.shape[:2]
    dy, dx = round(h * (1 - ZOOM) / 2), round(w * (1 - ZOOM) / 2)
    bits, quality = pdqhash.compute(picture)
    flipped, _ = pdqhash.compute(np.ascontiguousarray(picture[:, ::-1]))
    zoomed, _ = pdqhash.compute(np.ascontiguousarray(picture[dy:h - dy, dx:w - dx]))
    return tuple(np.packbits(b.astype(np.uint8)) for b in (bits, flipped, zoomed)), quality


def _stack(rows: list) -> np.ndarray:
    return np.vstack(rows).astype(np.uint8) if rows else np.zeros((0, HASH_BYTES), dtype=np.uint8)


def crop_detect(source: Path, info: ProbeResult, *,
                duration_s: float | None = None) -> tuple[int, int, int, int] | None:
    """The picture inside black bars (letterbox, pillarbox), from ffmpeg's cropdetect over the source's keyframes
    only (decoding about one frame in fifty, not a second pass); None when there are no bars. cropdetect keeps the
    union of what every keyframe showed, so a dark scene does not crop real picture away."""
    limit = ["-t", f"{duration_s:.3f}"] if duration_s else []
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-skip_frame", "nokey", *ffmpeg_input(source), *limit,
           "-map", "0:v:0", "-vf", "cropdetect=limit=24:round=2:reset=0:skip=0", "-an", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    found = _CROP.findall(done.stderr)
    if not found:
        return None
    w, h, x, y = (int(v) for v in found[-1])
    full_w, full_h = (info.height, info.width) if info.rotation in (90, 270) else (info.width, info.height)
    if w <= 0 or h <= 0 or (w >= full_w - 4 and h >= full_h - 4):
        return None  # no bars (a few pixels of edge are not worth a crop)
    return (w, h, x, y)


def fingerprint_file(source: Path, *, rate: float | None = None, duration_s: float | None = None) -> VideoPrint:
    """The fingerprint of a file on its own (one decode of it, or of its first `duration_s`): what the transcode's
    tap computes."""
    source = Path(source)
    info = probe(source)
    with tempfile.TemporaryDirectory(prefix="fingerprint-") as tmp:
        tap = Tap.for_source(source, info, workdir=Path(tmp), rate=rate, duration_s=duration_s)
        limit = ["-t", f"{duration_s:.3f}"] if duration_s else []
        cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *ffmpeg_input(source),
               *limit, "-filter_complex", tap.filter("0:v:0", "fp"), *tap.output_args("fp", audio=bool(info.audio))]
        try:
            proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, pass_fds=tap.pass_fds)
        except BaseException:
            tap.abandon()
            raise
        tap.start()
        _, said = proc.communicate()
        result = tap.finish()
        if proc.returncode != 0:
            raise MediaError(f"{source.name}: no fingerprint (ffmpeg: {said.decode(errors='replace').strip()[-300:]})")
    return result


# --- comparing ----------------------------------------------------------------------------------------

def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances (len(a), len(b)) between two sets of 256-bit hashes."""
    a64 = np.ascontiguousarray(a).view(np.uint64)
    b64 = np.ascontiguousarray(b).view(np.uint64)
    out = np.zeros((len(a64), len(b64)), dtype=np.uint16)
    for k in range(a64.shape[1]):
        out += np.bitwise_count(a64[:, k, None] ^ b64[None, :, k]).astype(np.uint16)
    return out
