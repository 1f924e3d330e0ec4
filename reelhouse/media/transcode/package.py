"""Build a complete, immutable HLS package from one source file: probe, ladder, one ffmpeg pass, poster.
The package is written into a hidden sibling folder and published by one rename."""

import logging
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import m3u8

from reelhouse.media import conf
from reelhouse.media.probe import probe
from reelhouse.media.transcode import ffmpeg
from reelhouse.media.transcode.ladder import ladder_for

log = logging.getLogger(__name__)
POSTER_WIDTH = 1280


@dataclass
class PackageResult:
    directory: Path
    duration_s: float
    width: int  # display size of the source
    height: int
    renditions: list[dict]  # name, width, height, bandwidth, codecs; largest first
    poster: Path | None = None
    warnings: list[str] = field(default_factory=list)


def package_build(*, source: Path, dest: Path, on_progress: Callable[[ffmpeg.Progress], None] | None = None,
                  preset: str | None = None) -> PackageResult:
    """Package `source` into the new folder `dest` (which must not exist). Raises MediaError (ProbeError or
    TranscodeError) with the reason; nothing is left behind on failure."""
    source, dest = Path(source), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest}: package folder already exists; packages are never overwritten")
    info = probe(source)
    rungs = ladder_for(info.display_width, info.display_height)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.building-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        cmd = ffmpeg.build_command(source=source, out_dir=work, info=info, rungs=rungs,
                                   preset=preset or conf.x264_preset())
        ffmpeg.run(cmd, duration_s=info.duration_s, on_progress=on_progress)
        warnings: list[str] = []
        poster = _poster(source, work / "poster.jpg", at_s=min(info.duration_s * 0.1, 60.0), warnings=warnings)
        renditions = _renditions(work / "master.m3u8", rungs)
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return PackageResult(directory=dest, duration_s=info.duration_s, width=info.display_width,
                         height=info.display_height, renditions=renditions,
                         poster=dest / poster.name if poster else None, warnings=warnings)


def _renditions(master_path: Path, rungs) -> list[dict]:
    """What the master playlist declares for each video rung (the bandwidth ffmpeg measured)."""
    master = m3u8.load(str(master_path))
    by_uri = {p.uri.split("/", 1)[0]: p.stream_info for p in master.playlists}
    out = []
    for rung in rungs:
        info = by_uri[rung.name]
        out.append({"name": rung.name, "width": rung.width, "height": rung.height,
                    "bandwidth": info.bandwidth, "codecs": info.codecs or ""})
    return out


def _poster(source: Path, target: Path, *, at_s: float, warnings: list[str]) -> Path | None:
    """A still from 10% into the source (at most a minute in); a failure is a warning, not a failed package."""
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{at_s:.3f}",
           "-i", str(source), "-frames:v", "1", "-vf", f"scale='min({POSTER_WIDTH},iw)':-2", "-q:v", "3",
           str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not target.is_file():
        warnings.append(f"poster frame not extracted: {done.stderr.strip()[-300:] or 'no picture at that time'}")
        return None
    return target
