"""Build a complete, immutable HLS package from one source file: probe, ladder (content-adaptive for long sources),
one ffmpeg pass (ladder and trickplay), then master and I-frame playlists, subtitles, poster and downloads.
The package is written into a hidden sibling folder and published by one rename."""

import logging
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from reelhouse.media import conf
from reelhouse.media.fingerprints.engine import Tap, VideoPrint
from reelhouse.media.inputs import ffmpeg_input
from reelhouse.media.probe import ProbeResult, probe
from reelhouse.media.transcode import adaptive as per_title
from reelhouse.media.transcode import ffmpeg, fmp4, master
from reelhouse.media.transcode.downloads import downloads_build
from reelhouse.media.transcode.ladder import Rung, ladder_for
from reelhouse.media.transcode.subtitles import subtitles_build
from reelhouse.media.transcode.trickplay import FOLDER as TRICKPLAY_FOLDER
from reelhouse.media.transcode.trickplay import Trickplay

log = logging.getLogger(__name__)
POSTER_WIDTH = 1280


@dataclass
class PackageResult:
    directory: Path
    duration_s: float
    width: int  # display size of the source
    height: int
    renditions: list[dict]  # name, width, height, bandwidth (peak), average_bandwidth, codecs, frame_rate, uri...
    poster: Path | None = None
    warnings: list[str] = field(default_factory=list)
    audio: list[dict] = field(default_factory=list)  # name, uri, language, channels (of the source), bandwidth
    subtitles: list[dict] = field(default_factory=list)  # uri, vtt, language, name, forced, sdh, origin, encoding
    trickplay: dict | None = None  # vtt, sprites, interval_s, width, height, columns, rows, count
    downloads: list[dict] = field(default_factory=list)  # name, uri, width, height, size
    ladder: list[dict] = field(default_factory=list)  # the content-adaptive probe's decision per rung (when it ran)
    ladder_probe_s: float | None = None  # how long that probe took
    fingerprint: VideoPrint | None = None  # tapped from the encode's decode (media/fingerprints)


def package_build(*, source: Path, dest: Path, on_progress: Callable[[ffmpeg.Progress], None] | None = None,
                  preset: str | None = None, subtitles: list[dict] | None = None, trickplay: bool = True,
                  downloads: bool = True, adaptive: bool | None = None, fingerprint: bool = True) -> PackageResult:
    """Package `source` into the new folder `dest` (which must not exist): the ladder, trickplay sprites (same
    ffmpeg pass), a master playlist measured from the real streams, I-frame playlists, WebVTT subtitles (sidecar
    `subtitles` dicts {path, language, forced, sdh} and embedded text streams), a poster and download MP4s.
    With `adaptive` (default: the REELHOUSE_ADAPTIVE_LADDER setting, for sources of 2 minutes and more) a VMAF
    complexity probe gives each rung the CRF that matches the fixed ladder's quality with fewer bits.
    With `fingerprint`, the same decode also yields the content fingerprint (PDQ frames and chromaprint).
    Raises MediaError (ProbeError or TranscodeError) with the reason; nothing is left behind on failure. Extras
    that fail (a bad subtitle file, a poster, the complexity probe) become warnings."""
    source, dest = Path(source), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest}: package folder already exists; packages are never overwritten")
    info = probe(source)
    rungs = ladder_for(info.display_width, info.display_height)
    tiles = Trickplay.for_display(info.display_width, info.display_height, info.duration_s) if trickplay else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.building-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    preset = preset or conf.x264_preset()
    warnings: list[str] = []
    ladder: list[dict] = []
    probe_s = None
    try:
        if per_title.wanted(adaptive=adaptive, duration_s=info.duration_s):
            try:
                plan = per_title.ladder_adapt(source=source, info=info, rungs=rungs, preset=preset,
                                              workdir=work / ".probe")
                rungs, ladder, probe_s = plan.rungs, plan.report(), plan.probe_s
                log.info("%s: content-adaptive ladder in %.0f s: %s", source.name, plan.probe_s,
                         "; ".join(f"{d['rung']} {d['reason']}" for d in ladder))
            except per_title.ProbeFailed as exc:
                warnings.append(f"content-adaptive ladder not used, fixed ladder instead: {exc}")
        tap = Tap.for_source(source, info, workdir=work) if fingerprint else None
        cmd = ffmpeg.build_command(source=source, out_dir=work, info=info, rungs=rungs, preset=preset,
                                   trickplay=tiles, tap=tap)
        try:
            said = ffmpeg.run(cmd, duration_s=info.duration_s, on_progress=on_progress, tap=tap)
        finally:
            printed = tap.finish() if tap else None
        if said:
            warnings.append(f"the source has damage ffmpeg worked around: {' | '.join(said)}")
        result = _assemble(work, source=source, info=info, rungs=rungs, tiles=tiles, sidecars=subtitles or [],
                           with_downloads=downloads, warnings=warnings)
        poster = _poster(source, work / "poster.jpg", at_s=min(info.duration_s * 0.1, 60.0), warnings=warnings)
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return PackageResult(directory=dest, duration_s=info.duration_s, width=info.display_width,
                         height=info.display_height, poster=dest / poster.name if poster else None,
                         warnings=warnings, ladder=ladder, ladder_probe_s=probe_s, fingerprint=printed,
                         **result)


def _assemble(work: Path, *, source: Path, info: ProbeResult, rungs: list[Rung], tiles: Trickplay | None,
              sidecars: list[dict], with_downloads: bool, warnings: list[str]) -> dict:
    """Everything after the encode: measure the streams, I-frame playlists, subtitles, master, trickplay track,
    downloads. Returns the PackageResult fields it fills."""
    for r in rungs:  # one fragment per GOP, so the I-frame playlists can address every IDR
        if not fmp4.rung_refragment(work / r.name / "index.m3u8"):
            warnings.append(f"{r.name}: segments not split per keyframe; its I-frame playlist has one per segment")
    video = [{"name": r.name, "width": r.width, "height": r.height,
              "facts": master.measure(work, f"{r.name}/index.m3u8")} for r in rungs]
    audio = [{"name": name, "language": track.language, "channels": 2,
              "facts": master.measure(work, f"{name}/index.m3u8")}
             for name, track in zip(ffmpeg.audio_names(info), info.audio, strict=True)]
    iframes = {}
    for rung in video:
        try:
            iframes[rung["name"]] = master.iframe_playlist(work, rung["facts"])
        except (OSError, ValueError) as exc:
            warnings.append(f"I-frame playlist for {rung['name']} not written: {exc}")
    tracks, sub_warnings = subtitles_build(source=source, sidecars=sidecars, embedded=info.subtitles, out_dir=work,
                                           duration_s=info.duration_s,
                                           mpegts=master.first_pts_90k(work, video[0]["facts"]))
    warnings += sub_warnings
    rate = float(Fraction(ffmpeg.output_rate(info.fps)))
    pictures = tiles.finish(work / TRICKPLAY_FOLDER, info.duration_s) if tiles else None
    master.write_master(work, rungs=video, audio=audio, subtitles=tracks, frame_rate=rate, iframes=iframes,
                        images=pictures)
    main_audio = audio[0]["facts"] if audio else None
    renditions = []
    for rung in video:
        facts = rung["facts"]
        renditions.append({
            "name": rung["name"], "width": rung["width"], "height": rung["height"], "uri": facts.uri,
            "bandwidth": facts.peak_bps + (main_audio.peak_bps if main_audio else 0),
            "average_bandwidth": facts.average_bps + (main_audio.average_bps if main_audio else 0),
            "codecs": facts.codecs + (f",{main_audio.codecs}" if main_audio else ""), "frame_rate": round(rate, 3),
            "iframe_uri": iframes.get(rung["name"], (None,))[0],
        })
    made, dl_warnings = (downloads_build(out_dir=work, rungs=renditions, audio_uri=main_audio.uri if main_audio
                                         else None) if with_downloads else ([], []))
    warnings += dl_warnings
    return {
        "renditions": renditions, "subtitles": tracks, "downloads": made,
        "trickplay": pictures,
        "audio": [{"name": a["name"], "uri": a["facts"].uri, "language": a["language"],
                   "channels": track.channels, "bandwidth": a["facts"].peak_bps}
                  for a, track in zip(audio, info.audio, strict=True)],
    }


def _poster(source: Path, target: Path, *, at_s: float, warnings: list[str]) -> Path | None:
    """A still from 10% into the source (at most a minute in); a failure is a warning, not a failed package."""
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{at_s:.3f}",
           *ffmpeg_input(source), "-frames:v", "1", "-vf", f"scale='min({POSTER_WIDTH},iw)':-2", "-q:v", "3",
           str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not target.is_file():
        warnings.append(f"poster frame not extracted: {done.stderr.strip()[-300:] or 'no picture at that time'}")
        return None
    return target
