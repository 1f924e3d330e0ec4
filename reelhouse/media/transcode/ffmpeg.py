"""One ffmpeg process for the whole ladder: decode once, split, scale per rung, write fMP4 HLS with progress."""

import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from reelhouse.media import conf
from reelhouse.media.fingerprints.engine import Tap
from reelhouse.media.inputs import ffmpeg_input
from reelhouse.media.probe import MediaError, ProbeResult
from reelhouse.media.transcode.ladder import AUDIO_KBPS, Rung
from reelhouse.media.transcode.trickplay import FOLDER as TRICKPLAY_FOLDER
from reelhouse.media.transcode.trickplay import Trickplay

COMMON_RATES = {23.976: "24000/1001", 29.97: "30000/1001", 59.94: "60000/1001", 47.952: "48000/1001"}


class TranscodeError(MediaError):
    """ffmpeg failed; the message ends with what ffmpeg said."""


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1 of the source's duration
    out_time_s: float
    speed: float | None  # multiple of real time


def output_rate(fps: float) -> str:
    """The constant frame rate of the package: the source's (variable rates become constant), capped at 60."""
    fps = min(fps or 25.0, conf.MAX_FPS)
    for known, rational in COMMON_RATES.items():
        if abs(fps - known) < 0.01:
            return rational
    return str(Fraction(fps).limit_denominator(1001))


def audio_names(info: ProbeResult) -> list[str]:
    """The folder of each of the source's audio tracks in the package: audio, audio2, audio3..."""
    return ["audio" if i == 0 else f"audio{i + 1}" for i in range(len(info.audio))]


def x264_args(*, rate: str, preset: str) -> list[str]:
    """x264 with an IDR every GOP_SECONDS by time (never on scene cuts), the same on every rung so segments align."""
    gop_frames = str(max(1, round(float(Fraction(rate)) * conf.GOP_SECONDS)))
    return ["-c:v", "libx264", "-preset", preset, "-g", gop_frames, "-keyint_min", gop_frames, "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{conf.GOP_SECONDS})"]


def rate_control_args(rung: Rung, stream: str = "v") -> list[str]:
    """One rung's rate control for output stream `stream` ("v:2"): the fixed ladder's average bitrate, or the
    content-adaptive ladder's CRF; either way capped by the rung's maxrate and buffer (VBV)."""
    target = ["-crf:" + stream, f"{rung.crf:g}"] if rung.crf is not None else ["-b:" + stream, f"{rung.video_kbps}k"]
    return [*target, f"-maxrate:{stream}", f"{rung.maxrate_kbps}k", f"-bufsize:{stream}", f"{rung.bufsize_kbps}k",
            f"-profile:{stream}", "high" if rung.height > 360 else "main"]


def build_command(*, source: Path, out_dir: Path, info: ProbeResult, rungs: list[Rung], preset: str,
                  trickplay: Trickplay | None = None, tap: Tap | None = None) -> list[str]:
    """The ffmpeg argv building every rung of `rungs` plus a stereo AAC track per source audio track into
    out_dir/<name>/index.m3u8 (the master playlist is composed afterwards from the real streams, see master.py),
    with `trickplay` its sprite sheets into out_dir/trickplay/, and with `tap` the fingerprint's sampled frames
    and audio chromaprint, all from the same decode.
    Keyframes every GOP_SECONDS by time on every rung, so segments align."""
    rate = output_rate(info.fps)
    pre = ["bwdif=mode=send_frame:deint=interlaced"] if info.interlaced else []
    pre += [f"fps={rate}", "format=yuv420p"]  # also turns 10-bit and 4:2:2 sources into 8-bit 4:2:0
    labels = [f"s{i}" for i in range(len(rungs))] + (["st"] if trickplay else []) + (["sf"] if tap else [])
    graph = [f"[0:v:0]{','.join(pre)},split={len(labels)}" + "".join(f"[{x}]" for x in labels)]
    graph += [f"[{x}]scale={r.width}:{r.height}:flags=bicubic,setsar=1[v{i}]"
              for i, (x, r) in enumerate(zip(labels, rungs, strict=False))]
    if trickplay:
        graph.append(trickplay.filter("st", "tp"))
    if tap:
        graph.append(tap.filter("sf", "fp"))
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "warning",
           "-progress", "pipe:1", "-nostats", *ffmpeg_input(source), "-filter_complex", ";".join(graph)]
    for i in range(len(rungs)):
        cmd += ["-map", f"[v{i}]"]
    names = audio_names(info)
    has_audio = bool(names)
    for k in range(len(names)):
        cmd += ["-map", f"0:a:{k}"]
    if has_audio:  # every track downmixed to stereo AAC-LC (5.1 included)
        cmd += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
    cmd += x264_args(rate=rate, preset=preset)
    for i, r in enumerate(rungs):
        cmd += rate_control_args(r, f"v:{i}")
    streams = [f"a:{k},agroup:aud,name:{name}" for k, name in enumerate(names)]
    streams += [f"v:{i},name:{r.name}" + (",agroup:aud" if has_audio else "") for i, r in enumerate(rungs)]
    cmd += ["-f", "hls", "-hls_time", str(conf.SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
            "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(out_dir / "%v" / "seg_%05d.m4s"),
            "-var_stream_map", " ".join(streams), str(out_dir / "%v" / "index.m3u8")]
    if trickplay:
        (out_dir / TRICKPLAY_FOLDER).mkdir(parents=True, exist_ok=True)
        cmd += trickplay.output_args(out_dir / TRICKPLAY_FOLDER, "tp")
    if tap:
        cmd += tap.output_args("fp", audio=has_audio)
    return cmd


def run(cmd: list[str], *, duration_s: float, on_progress: Callable[[Progress], None] | None = None,
        tap: Tap | None = None) -> list[str]:
    """Run ffmpeg, reporting progress from its -progress output; raise TranscodeError with its last words.
    On success returns what ffmpeg complained about (decode errors of a damaged source), at most a few lines.
    With `tap`, its pipe is handed to ffmpeg and its hashing thread runs alongside."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
                                    pass_fds=tap.pass_fds if tap else ())
        except BaseException:
            if tap:
                tap.abandon()
            raise
        if tap:
            tap.start()
        fields: dict[str, str] = {}
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                fields[key] = value
                if key == "progress" and on_progress is not None:
                    on_progress(_progress(fields, duration_s))
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        if code != 0:
            stderr.seek(0)
            said = [line.rstrip() for line in stderr.read().splitlines() if line.strip()][-12:]
            raise TranscodeError(f"ffmpeg exited with status {code}: " + (" | ".join(said) or "no message"))
        stderr.seek(0)
        return _complaints(stderr.read())


DAMAGE_WORDS = ("error", "corrupt", "invalid", "missing", "concealing", "non-existing", "damaged")


def _complaints(said: str, limit: int = 5) -> list[str]:
    """Distinct lines of ffmpeg's warnings that say the source is damaged, prefixes like [h264 @ 0x..] removed."""
    seen: list[str] = []
    for line in said.splitlines():
        text = re.sub(r"\[[^\]]* @ 0x[0-9a-f]+\]\s*", "", line).strip()
        if text and any(w in text.lower() for w in DAMAGE_WORDS) and text not in seen:
            seen.append(text)
    return seen[:limit]


def _progress(fields: dict[str, str], duration_s: float) -> Progress:
    try:
        out_s = max(0, int(fields.get("out_time_us") or fields.get("out_time_ms") or 0)) / 1e6
    except ValueError:  # "N/A" before the first frame
        out_s = 0.0
    speed_text = (fields.get("speed") or "").rstrip("x").strip()
    try:
        speed = float(speed_text)
    except ValueError:
        speed = None
    done = fields.get("progress") == "end"
    fraction = 1.0 if done else min(0.999, out_s / duration_s) if duration_s > 0 else 0.0
    return Progress(fraction=fraction, out_time_s=out_s, speed=speed)
