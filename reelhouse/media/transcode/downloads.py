"""Offline downloads: progressive MP4s (moov first) remuxed from rungs already encoded, never re-encoded."""

import subprocess
from pathlib import Path

from reelhouse.media import conf

FOLDER = "download"
WANTED = (720, 480)  # heights (the short side of portrait video) to offer for download


def pick_rungs(rungs: list[dict]) -> list[dict]:
    """The rung nearest each wanted size (by its short side); each rung at most once, largest first."""
    chosen: list[dict] = []
    for want in WANTED:
        best = min(rungs, key=lambda r: (abs(min(r["width"], r["height"]) - want), -r["height"]), default=None)
        if best is not None and best not in chosen:
            chosen.append(best)
    return sorted(chosen, key=lambda r: -min(r["width"], r["height"]))


def downloads_build(*, out_dir: Path, rungs: list[dict], audio_uri: str | None) -> tuple[list[dict], list[str]]:
    """Remux each chosen rung (its HLS playlist, plus the main audio track) into download/<label>.mp4 with
    -c copy and +faststart. Returns (downloads, warnings); a failed remux is a warning, the stream still ships."""
    downloads, warnings = [], []
    folder = out_dir / FOLDER
    for rung in pick_rungs(rungs):
        label = rung["name"].lstrip("v")
        target = folder / f"{label}.mp4"
        folder.mkdir(exist_ok=True)
        cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-i", str(out_dir / rung["uri"])]
        if audio_uri:
            cmd += ["-i", str(out_dir / audio_uri), "-map", "0:v:0", "-map", "1:a:0"]
        cmd += ["-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(target)]
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=3600)
        if done.returncode != 0 or not target.is_file():
            target.unlink(missing_ok=True)
            warnings.append(f"download {label}.mp4 not made: {done.stderr.strip()[-300:] or 'ffmpeg failed'}")
            continue
        downloads.append({"name": rung["name"], "uri": f"{FOLDER}/{target.name}", "width": rung["width"],
                          "height": rung["height"], "size": target.stat().st_size})
    return downloads, warnings
