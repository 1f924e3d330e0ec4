"""Helpers for media tests: run the real ffmpeg to make odd little sources, read packages back."""

import subprocess
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_make(path: Path, *args: str) -> Path:
    """Run ffmpeg with `args` writing `path` (inputs and options are the caller's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args, str(path)], check=True, timeout=120)
    return path


def video_in(size: str = "320x180", rate: int = 25, seconds: float = 3) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def audio_in(seconds: float = 3, layout: str = "stereo") -> list[str]:
    source = f"sine=frequency=440:sample_rate=48000:duration={seconds},aformat=channel_layouts={layout}"
    return ["-f", "lavfi", "-i", source]


def x264() -> list[str]:
    return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
