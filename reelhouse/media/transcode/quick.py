"""The quick rung: a low-resolution, ultrafast encode written as a growing HLS EVENT playlist, so a new delivery is
watchable within seconds while the full ladder encodes (see media.provisional.quick_stage_start).

Its ffmpeg writes no progress to a pipe (only to a log file), so if the worker that started it is killed the
encode still finishes and the playlist still gets its EXT-X-ENDLIST."""

import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from reelhouse.media import conf
from reelhouse.media.inputs import ffmpeg_input
from reelhouse.media.probe import ProbeResult
from reelhouse.media.transcode import ffmpeg
from reelhouse.media.transcode.ladder import AUDIO_KBPS, Rung, ladder_for

PRESET = "ultrafast"
FOLDER = "v"  # the rung's folder inside the quick package
LEVEL = "3.1"  # H.264 Main@3.1 covers 640x360 up to 60 fps
VIDEO_CODECS = "avc1.4d401f"
AUDIO_CODECS = "mp4a.40.2"
LOG_NAME = "ffmpeg.log"


class QuickNotReady(Exception):
    """The quick encode ended or timed out before its first segment existed; the message says what ffmpeg said."""


def quick_rung(info: ProbeResult) -> Rung:
    """The smallest rung of the source's ladder (about 360p; the source itself when it is smaller)."""
    return ladder_for(info.display_width, info.display_height)[-1]


def quick_command(*, source: Path, out_dir: Path, info: ProbeResult, rung: Rung) -> list[str]:
    """ffmpeg argv writing one muxed video+audio fMP4 variant as an EVENT playlist into out_dir/v/index.m3u8,
    with keyframes on the same 2-s grid as the full ladder."""
    rate = ffmpeg.output_rate(info.fps)
    gop = max(1, round(float(Fraction(rate)) * conf.GOP_SECONDS))
    pre = ["bwdif=mode=send_frame:deint=interlaced"] if info.interlaced else []
    vf = ",".join([*pre, f"fps={rate}", f"scale={rung.width}:{rung.height}:flags=fast_bilinear", "setsar=1",
                   "format=yuv420p"])
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "warning", *ffmpeg_input(source),
           "-map", "0:v:0", "-vf", vf, "-c:v", "libx264", "-preset", PRESET, "-profile:v", "main", "-level", LEVEL,
           "-b:v", f"{rung.video_kbps}k", "-maxrate", f"{rung.maxrate_kbps}k", "-bufsize", f"{rung.bufsize_kbps}k",
           "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
           "-force_key_frames", f"expr:gte(t,n_forced*{conf.GOP_SECONDS})"]
    if info.audio:
        cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
    cmd += ["-f", "hls", "-hls_time", str(conf.SEGMENT_SECONDS), "-hls_playlist_type", "event",
            "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments+temp_file",
            "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(out_dir / FOLDER / "seg_%05d.m4s"), str(out_dir / FOLDER / "index.m3u8")]
    return cmd


def master_write(out_dir: Path, *, rung: Rung, info: ProbeResult) -> Path:
    """The quick package's master: one variant, and EXT-X-START at 0 so players begin a growing (live-looking)
    playlist at its start rather than at its live edge."""
    rate = float(Fraction(ffmpeg.output_rate(info.fps)))
    bandwidth = (rung.maxrate_kbps + (AUDIO_KBPS if info.audio else 0)) * 1000
    average = (rung.video_kbps + (AUDIO_KBPS if info.audio else 0)) * 1000
    codecs = VIDEO_CODECS + (f",{AUDIO_CODECS}" if info.audio else "")
    text = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n"
            f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},AVERAGE-BANDWIDTH={average},CODECS="{codecs}",'
            f"RESOLUTION={rung.width}x{rung.height},FRAME-RATE={rate:.3f}\n{FOLDER}/index.m3u8\n")
    target = out_dir / "master.m3u8"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(target)
    return target


@dataclass
class QuickEncode:
    """A running quick encode into `directory` (which it owns)."""

    directory: Path
    rung: Rung
    process: subprocess.Popen

    @property
    def playlist(self) -> Path:
        return self.directory / FOLDER / "index.m3u8"

    def segments(self) -> int:
        """Segments the playlist lists so far (ffmpeg renames a complete playlist into place)."""
        try:
            return self.playlist.read_text(encoding="utf-8").count("#EXTINF")
        except FileNotFoundError:
            return 0

    def finished(self) -> bool:
        try:
            return "#EXT-X-ENDLIST" in self.playlist.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False

    def said(self) -> str:
        try:
            lines = (self.directory / LOG_NAME).read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return "no message"
        return " | ".join(line for line in lines[-8:] if line.strip()) or "no message"

    def wait_ready(self, *, timeout_s: float, segments: int = 1, poll_s: float = 0.1) -> None:
        """Block until the playlist lists `segments` segments (or the encode finished with fewer)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.segments() >= segments or self.finished():
                return
            code = self.process.poll()
            if code is not None and not self.finished():
                raise QuickNotReady(f"quick encode exited with status {code} before its first segment: {self.said()}")
            if time.monotonic() > deadline:
                raise QuickNotReady(f"quick encode wrote no segment within {timeout_s:.0f} s: {self.said()}")
            time.sleep(poll_s)

    def wait(self, timeout_s: float | None = None) -> int:
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def quick_start(*, source: Path, directory: Path, info: ProbeResult) -> QuickEncode:
    """Start the quick encode of `source` into the new folder `directory` and return at once."""
    rung = quick_rung(info)
    (directory / FOLDER).mkdir(parents=True)
    cmd = quick_command(source=source, out_dir=directory, info=info, rung=rung)
    with open(directory / LOG_NAME, "wb") as log_file:
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_file,
                                   start_new_session=True)
    master_write(directory, rung=rung, info=info)
    return QuickEncode(directory=directory, rung=rung, process=process)
