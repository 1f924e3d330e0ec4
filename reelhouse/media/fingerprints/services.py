"""Fingerprint writes and the library lookup: store a delivery's fingerprint, add it to the library when its package
is published, find the library works a fingerprint matches, record the matching stretches for the operator."""

from dataclasses import dataclass

import numpy as np

from reelhouse.media.fingerprints import audio, library
from reelhouse.media.fingerprints.engine import HASH_BYTES, VideoPrint
from reelhouse.media.models import Fingerprint, FingerprintMatch


@dataclass(frozen=True)
class LibraryMatch:
    """A library fingerprint the delivery matches by its pictures, its sound, or both."""

    fingerprint: Fingerprint
    comparison: library.Comparison  # the pictures
    sound: audio.AudioComparison = audio.NO_MATCH

    @property
    def work_id(self) -> int:
        return self.fingerprint.work_id

    @property
    def by(self) -> str:
        """What matched: "pictures", "sound" or "pictures and sound"."""
        return " and ".join(kind for kind, c in (("pictures", self.comparison), ("sound", self.sound)) if c.segments)

    @property
    def score(self) -> float:
        return max(c.score for c in (self.comparison, self.sound) if c.segments)

    @property
    def segments(self) -> list[list[float]]:
        """Where the two agree: the pictures' segments when the pictures matched, else the sound's."""
        return self.comparison.segments or self.sound.segments


def fingerprint_store(*, printed: VideoPrint, delivery=None, work_id: int | None = None) -> Fingerprint:
    """Keep a fingerprint (not yet part of the library: `fingerprint_publish` adds it)."""
    crop = ":".join(str(v) for v in printed.crop) if printed.crop else ""
    return Fingerprint.objects.create(
        delivery=delivery, work_id=work_id, rate=printed.rate, frames=printed.frames,
        hashes=printed.hashes.tobytes(), mirrored=printed.mirrored.tobytes(), zoomed=printed.zoomed.tobytes(),
        quality=printed.quality.tobytes(),
        audio=printed.audio, crop=crop)


def fingerprint_publish(*, fingerprint: Fingerprint, asset) -> None:
    """The fingerprint's package was published: it belongs to the library from now on (and stays there when the
    work is withdrawn)."""
    Fingerprint.objects.filter(pk=fingerprint.pk).update(asset=asset, work_id=asset.work_id, in_library=True)


def fingerprint_print(fingerprint: Fingerprint) -> VideoPrint:
    """The stored fingerprint as arrays again."""
    hashes = np.frombuffer(bytes(fingerprint.hashes), np.uint8).reshape(-1, HASH_BYTES)
    mirrored = np.frombuffer(bytes(fingerprint.mirrored), np.uint8).reshape(-1, HASH_BYTES)
    zoomed = np.frombuffer(bytes(fingerprint.zoomed), np.uint8).reshape(-1, HASH_BYTES)
    quality = np.frombuffer(bytes(fingerprint.quality), np.uint8)
    crop = tuple(int(v) for v in fingerprint.crop.split(":")) if fingerprint.crop else None
    return VideoPrint(rate=fingerprint.rate, hashes=hashes, mirrored=mirrored if len(mirrored) else hashes,
                     zoomed=zoomed if len(zoomed) else hashes,
                      quality=quality if len(quality) else np.full(len(hashes), 100, np.uint8), crop=crop,
                      audio=bytes(fingerprint.audio))


def library_matches(*, printed: VideoPrint, exclude_work_id: int | None = None) -> list[LibraryMatch]:
    """Works of the library whose fingerprint `printed` matches by its pictures (re-encoded, rescaled, cropped,
    letterboxed, mirrored or cut) or by its sound (re-encoded, cut, up to 5% faster or slower), best first;
    `exclude_work_id`: the work the delivery is for (a replacement matches it)."""
    pictures, sound = library.library_indexes()
    sound_print = audio.items(printed.audio)
    wanted = {c.fingerprint_id for c in library.candidates(pictures, printed)}
    wanted |= {c.fingerprint_id for c in audio.candidates(sound, sound_print)}
    rows = Fingerprint.objects.filter(pk__in=wanted).exclude(work_id=None)
    if exclude_work_id is not None:
        rows = rows.exclude(work_id=exclude_work_id)
    matches = []
    for row in rows.select_related("work"):
        theirs = fingerprint_print(row)
        found = LibraryMatch(fingerprint=row, comparison=library.compare(printed, theirs),
                             sound=audio.compare(sound_print, audio.items(theirs.audio)))
        if found.by:
            matches.append(found)
    return sorted(matches, key=lambda m: -m.score)


def match_record(*, delivery, match: LibraryMatch) -> FingerprintMatch:
    """Keep what matched, for the operator's side-by-side view of the held delivery."""
    return FingerprintMatch.objects.create(delivery=delivery, work_id=match.work_id, fingerprint=match.fingerprint,
                                           score=match.score, mirrored=bool(match.comparison.segments)
                                           and match.comparison.mirrored, by=match.by, segments=match.segments)


STILL_WIDTH = 240


def match_still(*, match: FingerprintMatch, side: str, segment: int) -> bytes:
    """A JPEG still (STILL_WIDTH wide) from the middle of one matching segment: of the delivery's file
    (side 'delivery') or of the matched work's package (side 'work'). MediaError when it cannot be read."""
    import contextlib
    import subprocess
    from pathlib import Path

    from reelhouse.core.storage import media_folder_local
    from reelhouse.media import conf
    from reelhouse.media.inputs import PACKAGE_DEMUXERS, ffmpeg_input
    from reelhouse.media.probe import MediaError

    try:
        start, end, theirs_start, theirs_end = match.segments[segment]
    except (IndexError, ValueError, TypeError) as exc:
        raise MediaError(f"match {match.pk} has no segment {segment}") from exc
    stack = contextlib.ExitStack()
    if side == "delivery":
        delivery = match.delivery
        path, at, demuxers = Path(delivery.source.path) / delivery.path, (start + end) / 2, {}
    elif side == "work" and match.fingerprint.asset_id:
        # ffmpeg reads the package by path: on object storage a scratch copy (without its downloads)
        folder = stack.enter_context(media_folder_local(match.fingerprint.asset.directory,
                                                        skip=("download",)))
        path = folder / "master.m3u8"
        at, demuxers = (theirs_start + theirs_end) / 2, {"demuxers": PACKAGE_DEMUXERS}
    else:
        raise MediaError(f"match {match.pk}: no picture of the {side} side (its package is gone)")
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{at:.2f}",
           *ffmpeg_input(path, **demuxers), "-frames:v", "1", "-vf", f"scale={STILL_WIDTH}:-2", "-f", "image2",
           "-c:v", "mjpeg", "-q:v", "5", "pipe:1"]
    with stack:
        done = subprocess.run(cmd, capture_output=True, timeout=60)
    if done.returncode != 0 or not done.stdout:
        raise MediaError(f"match {match.pk}: no still of the {side} at {at:.1f} s "
                         f"({done.stderr.decode(errors='replace').strip()[-200:] or 'nothing decoded'})")
    return done.stdout
