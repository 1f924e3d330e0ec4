"""The library every delivery is compared with: a multi-index hash (mih.py) over the PDQ hashes of every published
(or since withdrawn) work, sampled every INDEX_EVERY_S seconds, and the frame-by-frame comparison that confirms a
candidate it finds.

Finding candidates: every sampled frame of the delivery, as shown and mirrored, is looked up; the index returns
the library frames within MATCH_DISTANCE bits that share a substring with it. A frame of a transformed copy may
be missed, but a video has many frames: one hit is enough to make its work a candidate. Confirming: every sampled
frame of the delivery (as shown, and mirrored) against every frame of the candidate, whole or zoomed; a match needs
MATCH_SCORE of the shorter one's frames found.
"""

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from reelhouse.media.fingerprints import audio
from reelhouse.media.fingerprints.engine import HASH_BYTES, MIN_QUALITY, VideoPrint, distances
from reelhouse.media.fingerprints.mih import MultiIndex

MATCH_DISTANCE = 31  # PDQ's recommended threshold: the same picture re-encoded lands well inside, others ~128 away
FRAME_DISTANCE = 45  # confirming a candidate frame by frame: a logo or heavy noise moves a frame 30-45 bits, and
# distinct pictures measured here stay above 100; a match still needs MATCH_SCORE of the frames
MATCH_SCORE = 0.5  # share of the shorter video's frames found in the other
MIN_FRAMES = 3  # fewer matching frames than this is never a match (a logo, a black frame with a caption)
INDEX_EVERY_S = 60.0  # library frames indexed per work: one every this many seconds (at least MIN_INDEXED)
MIN_INDEXED = 8
CANDIDATES = 20
FRAME_BITS = 20  # an index id is fingerprint pk << FRAME_BITS | frame number
GAP_FRAMES = 3  # matching frames this close in the delivery belong to one segment
SAVE_AFTER = 5000  # fingerprints added since the index was loaded before it is sorted and written back


@dataclass(frozen=True)
class Candidate:
    fingerprint_id: int
    frame: int  # a frame of the library fingerprint that was hit
    hits: int


@dataclass(frozen=True)
class Comparison:
    score: float
    mirrored: bool
    matched_frames: int
    segments: list[list[float]]  # [delivery start s, end s, library start s, end s]


def new_index() -> MultiIndex:
    """An empty index taking our own ids (fingerprint pk << FRAME_BITS | frame)."""
    return MultiIndex()


def index_rows(fingerprint_id: int, hashes: np.ndarray, zoomed: np.ndarray, quality: np.ndarray, rate: float,
               every_s: float = INDEX_EVERY_S) -> tuple[np.ndarray, np.ndarray]:
    """(ids, codes) of the frames of one fingerprint that go into the index: one every `every_s` (at least
    MIN_INDEXED of them), detailed ones, as shown and zoomed."""
    step = max(1, min(round(every_s * rate), len(hashes) // MIN_INDEXED))
    frames = np.arange(0, len(hashes), step)
    if len(quality):
        frames = frames[quality[frames] >= MIN_QUALITY]
    ids = (np.int64(fingerprint_id) << FRAME_BITS) | frames.astype(np.int64)
    if not len(zoomed):
        return ids, np.ascontiguousarray(hashes[frames])
    return np.concatenate([ids, ids]), np.ascontiguousarray(np.vstack([hashes[frames], zoomed[frames]]))


def candidates(index: MultiIndex, query: VideoPrint, *, limit: int = CANDIDATES) -> list[Candidate]:
    """Library fingerprints some frame of `query` (as shown or mirrored) lies within MATCH_DISTANCE of, the most
    hit first."""
    usable = query.usable()
    if index.ntotal == 0 or not len(usable):
        return []
    codes = np.ascontiguousarray(np.vstack([query.hashes[usable], query.mirrored[usable]]))
    _rows, ids, _dist = index.range_search(codes, MATCH_DISTANCE)
    if not len(ids):
        return []
    prints = ids >> FRAME_BITS
    found, first, hits = np.unique(prints, return_index=True, return_counts=True)
    order = np.argsort(-hits)[:limit]
    return [Candidate(fingerprint_id=int(found[k]), frame=int(ids[first[k]] & ((1 << FRAME_BITS) - 1)),
                      hits=int(hits[k])) for k in order]


def compare(query: VideoPrint, theirs: VideoPrint) -> Comparison:
    """How much of `query` and of a library fingerprint show the same pictures (the query as shown, or mirrored:
    whichever matches more; against the library frames whole or zoomed), and where."""
    q_idx = query.usable()
    c_idx = theirs.usable()
    best = Comparison(score=0.0, mirrored=False, matched_frames=0, segments=[])
    if not len(q_idx) or not len(c_idx):
        return best
    rate = theirs.rate
    for mirrored, side in ((False, query.hashes), (True, query.mirrored)):
        d = np.minimum(distances(side[q_idx], theirs.hashes[c_idx]), distances(side[q_idx], theirs.zoomed[c_idx]))
        near = d <= FRAME_DISTANCE
        q_hit = near.any(axis=1)
        c_hit = near.any(axis=0)
        score = max(q_hit.mean(), c_hit.mean())
        matched = int(q_hit.sum())
        if matched < MIN_FRAMES or score <= best.score:
            continue
        nearest = c_idx[d.argmin(axis=1)]
        pairs = [(int(q_idx[k]), int(nearest[k])) for k in np.flatnonzero(q_hit)]
        best = Comparison(score=round(float(score), 3), mirrored=mirrored, matched_frames=matched,
                          segments=_segments(pairs, query.rate, rate))
    if best.score < MATCH_SCORE:
        return Comparison(score=best.score, mirrored=best.mirrored, matched_frames=best.matched_frames, segments=[])
    return best


def _segments(pairs: list[tuple[int, int]], q_rate: float, c_rate: float) -> list[list[float]]:
    runs: list[list[tuple[int, int]]] = []
    for pair in pairs:
        if runs and pair[0] - runs[-1][-1][0] <= GAP_FRAMES:
            runs[-1].append(pair)
        else:
            runs.append([pair])
    out = []
    for run in runs:
        q0, q1 = run[0][0], run[-1][0]
        cs = [c for _, c in run]
        out.append([round(q0 / q_rate, 1), round((q1 + 1) / q_rate, 1),
                    round(min(cs) / c_rate, 1), round((max(cs) + 1) / c_rate, 1)])
    return out


# --- the library's indexes, kept on disk and in this process ----------------------------------------------

_lock = threading.Lock()
_cached: dict = {"index": None, "audio": None, "covered": set(), "stamp": None}


def index_folder() -> Path:
    return Path(getattr(settings, "REELHOUSE_FINGERPRINT_INDEX_DIR", "") or Path(settings.MEDIA_ROOT) / "fingerprints")


def library_index(*, save: bool = False) -> MultiIndex:
    """The index of every library fingerprint's pictures (see `library_indexes`)."""
    return library_indexes(save=save)[0]


def library_indexes(*, save: bool = False) -> tuple[MultiIndex, audio.AudioIndex]:
    """The indexes of every library fingerprint, pictures and sound: loaded from disk once per process, then brought
    up to date with the fingerprints added to the library since (a few database rows per new publish). Whether
    anything changed is asked with one aggregate (count, sum and max of the library's ids), not by reading every
    id. `save` writes them back."""
    from django.db.models import Count, Max, Sum

    from reelhouse.media.models import Fingerprint

    with _lock:
        index, sound, covered = _cached["index"], _cached["audio"], _cached["covered"]
        if index is None:
            index, sound, covered = _load()
        library = Fingerprint.objects.filter(in_library=True)
        stamp = tuple(library.aggregate(n=Count("pk"), s=Sum("pk"), m=Max("pk")).values())
        if stamp == _stamp(covered) and not save:
            _cached.update(index=index, audio=sound, covered=covered, stamp=stamp)
            return index, sound
        wanted = set(library.values_list("pk", flat=True).iterator(20000))
        stale = covered - wanted  # a fingerprint taken out of the library (its work deleted): start again
        if stale:
            index, sound, covered = new_index(), audio.AudioIndex(), set()
        missing = sorted(wanted - covered)
        for start in range(0, len(missing), 2000):
            rows = Fingerprint.objects.filter(pk__in=missing[start:start + 2000]).values_list(
                "pk", "hashes", "zoomed", "quality", "rate", "audio", "synthetic")
            for pk, hashes, zoomed, quality, rate, sound_print, synthetic in rows:
                ids, codes = index_rows(pk, _array(hashes), _array(zoomed), np.frombuffer(bytes(quality), np.uint8),
                                        rate)
                if len(ids):
                    index.add_with_ids(codes, ids)
                ids, values = audio.index_rows(pk, audio.items(sound_print), all_of_them=synthetic)
                if len(ids):
                    sound.add_with_ids(values, ids)
                covered.add(pk)
        _cached.update(index=index, audio=sound, covered=covered, stamp=_stamp(covered))
        if save or len(missing) > SAVE_AFTER:  # a few new publishes stay in the unsorted tails, in memory only
            index.build()
            sound.build()
            _save(index, sound, covered)
        return index, sound


def _stamp(covered: set) -> tuple:
    return (len(covered), sum(covered) if covered else None, max(covered) if covered else None)


def library_index_forget() -> None:
    """Drop this process's copy (tests that start from an empty database)."""
    with _lock:
        _cached.update(index=None, audio=None, covered=set(), stamp=None)


def _array(blob) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=np.uint8).reshape(-1, HASH_BYTES)


def _load() -> tuple[MultiIndex, audio.AudioIndex, set]:
    folder = index_folder()
    try:
        covered = set(json.loads((folder / "library.json").read_text())["covered"])
        return MultiIndex.load(folder / "index"), audio.AudioIndex.load(folder / "audio"), covered
    except (OSError, ValueError, KeyError):
        return new_index(), audio.AudioIndex(), set()


def _save(index: MultiIndex, sound: audio.AudioIndex, covered: set) -> None:
    folder = index_folder()
    index.save(folder / "index")
    sound.save(folder / "audio")
    (folder / "library.json.tmp").write_text(json.dumps({"covered": sorted(covered)}))
    (folder / "library.json.tmp").replace(folder / "library.json")
