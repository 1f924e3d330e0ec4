"""Intro and credits markers: found per season by matching chromaprint audio fingerprints across episodes,
stored on the work in seconds, corrected by operators (whose markers detection never overwrites).

How it listens: ffmpeg's chromaprint muxer turns the first minutes (intro) and the last minutes (credits) of
each episode's published package into 32-bit sub-fingerprints, about 8 a second. Two episodes of a season are
aligned at the shifts where some sub-fingerprints are equal (an inverted index, as Jellyfin's intro-skipper does),
and at each shift the items whose words differ in only a few bits form runs; the longest run is the audio both
episodes share: the theme tune, or the credits music.
"""

import logging
import struct
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.storage import media_folder_local
from reelhouse.media import conf
from reelhouse.media.inputs import PACKAGE_DEMUXERS, ffmpeg_input
from reelhouse.media.models import Asset, Marker
from reelhouse.media.probe import MediaError

log = logging.getLogger(__name__)

# Chromaprint's default algorithm resamples to 11025 Hz and hops 1365 samples per item (4096-sample frames,
# two-thirds overlap). Where shared audio begins and ends, measured on generated episodes: a run of matching
# items starts about START_LEAD_S before the shared audio and its last item starts about END_LEAD_S before its end.
ITEM_S = 1365 / 11025
START_LEAD_S = 0.9
END_LEAD_S = 1.1
ITEM_SPAN_S = (4096 + 19 * 1365) / 11025  # the audio one item is computed from (frame + 16-row image + chroma filter)
MAX_BIT_DIFF = 5  # of 32 bits: the same audio re-encoded differs by 0-3, different audio by 8-16
MAX_GAP_S = 1.0  # a run of matching items survives a short stretch of mismatches (a sound effect over the theme)
CANDIDATE_SHIFTS = 12  # alignments tried per pair, the ones with most exactly equal items
NEIGHBOURS = 4  # each episode is compared with the next few of its season, not all of them


def intro_window_s() -> float:
    """Intros are looked for in the first minutes of an episode (at most half of it)."""
    return float(getattr(settings, "REELHOUSE_MARKER_INTRO_WINDOW_S", 600))


def credits_window_s() -> float:
    """Credits are looked for in the last minutes of an episode (at most half of it)."""
    return float(getattr(settings, "REELHOUSE_MARKER_CREDITS_WINDOW_S", 300))


def min_segment_s() -> float:
    """Shared audio shorter than this is not an intro (a logo sting, a sound effect)."""
    return float(getattr(settings, "REELHOUSE_MARKER_MIN_S", 8))


class MarkerError(MediaError):
    """A marker that cannot be stored as given; the message says why and what to do."""


# --- listening ------------------------------------------------------------------------------------

def fingerprint(path: Path | str, *, start_s: float = 0.0, duration_s: float | None = None) -> list[int]:
    """Raw chromaprint sub-fingerprints of the first audio stream of `path` (a file or an HLS master) from
    `start_s` for `duration_s` seconds."""
    cmd = [conf.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if start_s > 0:
        cmd += ["-ss", f"{start_s:.3f}"]
    cmd += ffmpeg_input(path, demuxers=PACKAGE_DEMUXERS)  # our own package, never a delivery
    if duration_s is not None:
        cmd += ["-t", f"{duration_s:.3f}"]
    cmd += ["-map", "0:a:0", "-ac", "1", "-f", "chromaprint", "-fp_format", "raw", "-"]
    done = subprocess.run(cmd, capture_output=True, timeout=600)
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise MediaError(f"{path}: no audio fingerprint (ffmpeg: {' / '.join(last) or 'exit ' + str(done.returncode)})")
    raw = done.stdout[: len(done.stdout) // 4 * 4]
    return list(struct.unpack(f"<{len(raw) // 4}I", raw))


@dataclass(frozen=True)
class Match:
    """Audio two fingerprints share: items [a_first, a_last] of the first, shifted by `shift` in the second."""

    a_first: int
    a_last: int
    shift: int  # item i of the first is item i - shift of the second
    density: float  # share of the run's items that matched

    @property
    def length(self) -> int:
        return self.a_last - self.a_first + 1

    def b_first(self) -> int:
        return self.a_first - self.shift

    def b_last(self) -> int:
        return self.a_last - self.shift


def common_segment(a: list[int], b: list[int], *, min_items: int) -> Match | None:
    """The longest stretch of audio the two fingerprints share, if at least `min_items` long."""
    index: dict[int, list[int]] = {}
    for j, value in enumerate(b):
        index.setdefault(value, []).append(j)
    shifts = Counter(i - j for i, value in enumerate(a) for j in index.get(value, ()))
    max_gap = round(MAX_GAP_S / ITEM_S)
    best: Match | None = None
    for shift, _ in shifts.most_common(CANDIDATE_SHIFTS):
        first = last = None
        matched = 0
        for i in range(max(0, shift), min(len(a), len(b) + shift)):
            if (a[i] ^ b[i - shift]).bit_count() > MAX_BIT_DIFF:
                continue
            if last is not None and i - last > max_gap + 1:  # the run ended: keep it if it is the longest
                best = _longer(best, first, last, shift, matched)
                first, matched = None, 0
            if first is None:
                first = i
            last, matched = i, matched + 1
        if first is not None:
            best = _longer(best, first, last, shift, matched)
    return best if best is not None and best.length >= min_items else None


def _longer(best: Match | None, first: int, last: int, shift: int, matched: int) -> Match:
    run = Match(a_first=first, a_last=last, shift=shift, density=matched / (last - first + 1))
    if best is None or (run.length, run.density) > (best.length, best.density):
        return run
    return best


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    confidence: float


def shared_segments(prints: list[tuple[list[int], float]], *, min_s: float | None = None) -> list[Segment | None]:
    """For fingerprints of episodes in season order, each with the time (s) its fingerprint starts at: the
    segment of each episode that it shares with others of the season, or None. Each episode is compared with
    its next NEIGHBOURS episodes; it keeps its longest match, with a confidence that falls when few of its
    comparisons agreed."""
    # At the edge of a window the last item already stands for ITEM_SPAN_S of audio, so a segment there shows
    # as that much fewer items.
    min_s = min_s if min_s is not None else min_segment_s()
    min_items = max(1, round((min_s - ITEM_SPAN_S) / ITEM_S))
    best: list[Match | None] = [None] * len(prints)
    sides: list[int] = [0] * len(prints)  # which side of the match the episode was (0: a, 1: b)
    compared = [0] * len(prints)
    found = [0] * len(prints)
    for i in range(len(prints)):
        for j in range(i + 1, min(len(prints), i + 1 + NEIGHBOURS)):
            match = common_segment(prints[i][0], prints[j][0], min_items=min_items)
            compared[i] += 1
            compared[j] += 1
            if match is None:
                continue
            found[i] += 1
            found[j] += 1
            for k, side in ((i, 0), (j, 1)):
                if best[k] is None or (match.length, match.density) > (best[k].length, best[k].density):
                    best[k], sides[k] = match, side
    segments: list[Segment | None] = []
    for k, match in enumerate(best):
        if match is None:
            segments.append(None)
            continue
        first, last = (match.a_first, match.a_last) if sides[k] == 0 else (match.b_first(), match.b_last())
        offset, items = prints[k][1], len(prints[k][0])
        # A run that touches an edge of the listened window goes to that edge (an intro right at the start,
        # credits up to the end): the first and last items stand for their whole span there.
        start = offset if first == 0 else offset + first * ITEM_S + START_LEAD_S
        end = offset + last * ITEM_S + (ITEM_SPAN_S if last == items - 1 else END_LEAD_S)
        segments.append(Segment(start_s=round(start, 2), end_s=round(end, 2),
                                confidence=round(match.density * found[k] / compared[k], 3)))
    return segments


# --- writing --------------------------------------------------------------------------------------

def marker_set_detected(*, work, kind: str, start_s: float, end_s: float, confidence: float,
                        asset: Asset | None = None) -> Marker:
    """Store a detected marker, unless an operator set this kind for the work: theirs wins and is returned."""
    with transaction.atomic():
        marker = Marker.objects.select_for_update().filter(work=work, kind=kind).first()
        if marker is not None and marker.source == Marker.Source.OPERATOR:
            return marker
        marker, _ = Marker.objects.update_or_create(
            work=work, kind=kind, defaults={"start_s": start_s, "end_s": end_s, "source": Marker.Source.AUTO,
                                            "confidence": confidence, "asset": asset, "updated_at": clock.now()})
    return marker


def marker_set_by_operator(*, work, kind: str, start_s: float, end_s: float, actor=None) -> Marker:
    """An operator's intro or credits for a work; detection never overwrites it."""
    marker_check(work=work, kind=kind, start_s=start_s, end_s=end_s)
    with transaction.atomic():
        marker, _ = Marker.objects.update_or_create(
            work=work, kind=kind, defaults={"start_s": start_s, "end_s": end_s, "source": Marker.Source.OPERATOR,
                                            "confidence": None, "updated_at": clock.now()})
        audit_record(action="marker.set", subject=marker, actor=actor, kind=kind, start_s=start_s, end_s=end_s)
    return marker


def marker_check(*, work, kind: str, start_s: float, end_s: float) -> None:
    """MarkerError unless the kind is known and start..end lies within the work's video."""
    if kind not in Marker.Kind.values:
        raise MarkerError(f"marker kind {kind!r} is not one of {', '.join(Marker.Kind.values)}")
    if not 0 <= start_s < end_s:
        raise MarkerError(f"{kind} of {work}: start {start_s:g} s must be at least 0 and before end {end_s:g} s")
    duration = Asset.objects.filter(pk=work.asset_id).values_list("duration_s", flat=True).first()
    if duration is not None and end_s > duration + 1:
        raise MarkerError(f"{kind} of {work}: end {end_s:g} s is after the end of the video ({duration:.1f} s)")


@dataclass(frozen=True)
class SeasonResult:
    episodes: int
    intros: int
    credits: int
    skipped: list[str]  # episodes that could not be listened to, with the reason


def season_markers_detect(*, season) -> SeasonResult:
    """Find the intro and the credits of every published episode of a season (at least two are needed) and
    store them as detected markers. Operators' markers are kept; detected markers of an episode whose package
    changed and where nothing is found any more are removed."""
    from reelhouse.catalog.models import Episode

    # A provisional quick package is still growing: its episode waits for its full package's own detection run.
    episodes = list(Episode.objects.filter(season=season, asset__isnull=False, asset__provisional=False)
                    .select_related("asset")
                    .order_by("number", "pk"))
    skipped: list[str] = []
    heads, tails, listened = [], [], []
    if len(episodes) >= 2:
        for episode in episodes:
            duration = episode.asset.duration_s
            head_s = min(intro_window_s(), duration / 2)
            tail_s = min(credits_window_s(), duration / 2)
            try:  # ffmpeg reads the package by path: on object storage a scratch copy (without its downloads)
                with media_folder_local(episode.asset.directory, skip=("download",)) as folder:
                    head = fingerprint(folder / "master.m3u8", duration_s=head_s)
                    tail = fingerprint(folder / "master.m3u8", start_s=duration - tail_s)
            except (MediaError, subprocess.TimeoutExpired) as exc:
                skipped.append(f"{episode}: {exc}")
                log.warning("markers: %s", skipped[-1])
                continue
            heads.append((head, 0.0))
            tails.append((tail, duration - tail_s))
            listened.append(episode)
    counts = {Marker.Kind.INTRO: 0, Marker.Kind.CREDITS: 0}
    if len(listened) >= 2:
        for kind, prints in ((Marker.Kind.INTRO, heads), (Marker.Kind.CREDITS, tails)):
            for episode, segment in zip(listened, shared_segments(prints), strict=True):
                if segment is None:
                    Marker.objects.filter(work=episode, kind=kind, source=Marker.Source.AUTO) \
                        .exclude(asset=episode.asset).delete()
                    continue
                marker_set_detected(work=episode, kind=kind, start_s=segment.start_s,
                                    end_s=min(segment.end_s, episode.asset.duration_s),
                                    confidence=segment.confidence, asset=episode.asset)
                counts[kind] += 1
    audit_record(action="markers.detected", subject=season, episodes=len(listened),
                 intros=counts[Marker.Kind.INTRO], credits=counts[Marker.Kind.CREDITS], skipped=skipped)
    return SeasonResult(episodes=len(listened), intros=counts[Marker.Kind.INTRO],
                        credits=counts[Marker.Kind.CREDITS], skipped=skipped)
