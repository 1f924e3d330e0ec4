"""Audio fingerprints: the chromaprint of a video's first audio track (ffmpeg's chromaprint muxer, raw format: one
32-bit sub-fingerprint every ITEM_S seconds, each bit a quantised chroma-filter response), compared by bit-error
rate over aligned windows, and found at catalog scale through an exact index of the 32-bit values (what AcoustID
does): a re-encode keeps most values bit for bit, a +-4% tempo change about one in ten, enough to propose the
candidates that the windowed comparison then confirms or rejects.

Measured on this machine (ffmpeg 7, chromaprint algorithm 2, 30-s music): the same audio re-encoded differs by 1-4%
of its bits, sped up or slowed down 4% (atempo) by ~10% once aligned with the time-scaling found here; distinct
music by 40-50% at its best alignment. A steady tone (a test card's 1 kHz, a pure sine) prints one value over and
over, and two different tones come within 10% of each other: windows with few distinct values say nothing and are
never counted as matching.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelhouse.media.fingerprints.mih import search_sorted

ITEM_S = 1365 / 11025  # chromaprint: 11,025 Hz, 4,096-sample frames, hop of a third (~8.1 values a second)
WINDOW = 16  # values per compared window (~2 s)
WINDOW_BER = 0.25  # a window matches below this bit-error rate (distinct audio: 0.40 and more)
MIN_DISTINCT = WINDOW // 2  # fewer distinct values than this in a window: a steady sound, never a match
MATCH_SCORE = 0.5  # share of the shorter one's windows that match
MIN_WINDOWS = 3  # and at least this many (~6 s of sound)
SCALES = sorted(np.round(np.arange(0.95, 1.0505, 0.001), 4), key=lambda s: abs(s - 1))  # +-5% speed, 1 first
INDEX_EVERY_S = 15.0  # library values indexed per work: one every this many seconds (at least MIN_INDEXED)
MIN_INDEXED = 120
POSTING_CAP = 256  # a value this common in the library (silence, a steady hum) proposes nothing
MIN_HITS = 2  # exact values shared before a library fingerprint is a candidate
CANDIDATES = 20
FRAME_BITS = 20  # ids: fingerprint pk << FRAME_BITS | value number (as the video index)


def items(raw: bytes) -> np.ndarray:
    """The sub-fingerprints of a stored chromaprint (little-endian uint32)."""
    return np.frombuffer(bytes(raw)[: len(raw) // 4 * 4], dtype="<u4").astype(np.uint32)


@dataclass(frozen=True)
class AudioComparison:
    score: float
    scale: float  # library time = scale x delivery time + offset
    matched_windows: int
    segments: list[list[float]]  # [delivery start s, end s, library start s, end s]


NO_MATCH = AudioComparison(score=0.0, scale=1.0, matched_windows=0, segments=[])


def compare(query: np.ndarray, theirs: np.ndarray) -> AudioComparison:
    """How much of two chromaprints is the same sound, allowing a time offset and a +-5% speed change: the
    alignment is proposed by the values they share exactly, then every window of the query is compared with the
    library's values at the aligned times."""
    if len(query) < WINDOW or len(theirs) < WINDOW:
        return NO_MATCH
    q_pos, t_pos = _shared(query, theirs)
    if len(q_pos) < MIN_HITS:
        return NO_MATCH
    scale, offset = _alignment(q_pos, t_pos)
    n_windows = len(query) // WINDOW
    starts = np.arange(n_windows) * WINDOW
    i = starts[:, None] + np.arange(WINDOW)[None, :]  # (windows, WINDOW) query positions
    best = np.full(n_windows, 1.0)
    for shift in (-1, 0, 1):  # a value of slack around the fitted line
        j = np.rint(scale * i + offset + shift).astype(np.int64)
        inside = (j >= 0) & (j < len(theirs))
        errors = np.bitwise_count(query[i] ^ theirs[np.clip(j, 0, len(theirs) - 1)]).astype(np.float64)
        ber = np.where(inside.sum(1) >= WINDOW * 3 // 4,
                       (errors * inside).sum(1) / np.maximum(1, inside.sum(1)) / 32, 1.0)
        best = np.minimum(best, ber)
    j_mid = np.clip(np.rint(scale * i + offset).astype(np.int64), 0, len(theirs) - 1)
    informative = (_distinct(query[i]) >= MIN_DISTINCT) & (_distinct(theirs[j_mid]) >= MIN_DISTINCT)
    matched = (best <= WINDOW_BER) & informative
    theirs_windows = len(theirs) / scale / WINDOW
    score = matched.sum() / max(1.0, min(n_windows, theirs_windows))
    if matched.sum() < MIN_WINDOWS:
        return AudioComparison(score=round(float(score), 3), scale=scale, matched_windows=int(matched.sum()),
                               segments=[])
    segments = []
    for run in _runs(np.flatnonzero(matched)):
        q0, q1 = starts[run[0]], starts[run[-1]] + WINDOW
        segments.append([round(float(v) * ITEM_S, 1) for v in (q0, q1, max(0.0, scale * q0 + offset),
                                                                 scale * q1 + offset)])
    return AudioComparison(score=round(float(min(1.0, score)), 3), scale=scale, matched_windows=int(matched.sum()),
                           segments=segments if score >= MATCH_SCORE else [])


def _shared(query: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(query position, library position) of every value both have (values repeated more than 4 times in the
    library are left out: a steady sound aligns with anything)."""
    order = np.argsort(theirs, kind="stable")
    q_pos, at = _equal(theirs[order], query, cap=4)
    return q_pos, order[at].astype(np.int64)


def _equal(sorted_values: np.ndarray, queries: np.ndarray, *, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(query position, position in `sorted_values`) of every value equal to a query value; a query value found
    more than `cap` times finds nothing."""
    lo, hi = search_sorted(sorted_values, queries)
    counts = np.where(hi - lo <= cap, hi - lo, 0)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.repeat(np.arange(len(queries)), counts).astype(np.int64), starts + np.arange(int(counts.sum()))


def _alignment(q_pos: np.ndarray, t_pos: np.ndarray) -> tuple[float, float]:
    """The line library = scale x query + offset most shared values lie on: the best (scale, offset) of a vote
    over SCALES (on a tie, the one nearest to 1), then a least-squares fit to the values within 3 of it."""
    best = (-1, 1.0, 0.0)
    for scale in SCALES:
        c = np.rint(t_pos - scale * q_pos).astype(np.int64)
        low = c.min()
        votes = np.bincount(c - low)
        top = int(votes.argmax())
        around = int(votes[max(0, top - 1):top + 2].sum())
        if around > best[0]:
            best = (around, float(scale), float(top + low))
    _, scale, offset = best
    inliers = np.abs(t_pos - (scale * q_pos + offset)) <= 3
    if inliers.sum() >= 8 and np.ptp(q_pos[inliers]) >= 4 * WINDOW:
        fitted, intercept = np.polyfit(q_pos[inliers], t_pos[inliers], 1)
        if abs(fitted - 1) <= 0.06:
            scale, offset = float(fitted), float(intercept)
    return scale, offset


def _distinct(rows: np.ndarray) -> np.ndarray:
    ordered = np.sort(rows, axis=1)
    return 1 + (np.diff(ordered, axis=1) != 0).sum(axis=1)


def _runs(positions: np.ndarray) -> list[list[int]]:
    runs: list[list[int]] = []
    for p in positions.tolist():
        if runs and p - runs[-1][-1] <= 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


# --- the library's audio index --------------------------------------------------------------------------------

def index_rows(fingerprint_id: int, values: np.ndarray, *, every_s: float = INDEX_EVERY_S,
               all_of_them: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(ids, values) of one fingerprint that go into the index: one value every `every_s` (at least MIN_INDEXED),
    or every value (`all_of_them`: synthetic fingerprints hold only what would be indexed)."""
    step = 1 if all_of_them else max(1, min(round(every_s / ITEM_S), len(values) // MIN_INDEXED))
    positions = np.arange(0, len(values), step)
    ids = (np.int64(fingerprint_id) << FRAME_BITS) | positions.astype(np.int64)
    return ids, np.ascontiguousarray(values[positions], dtype=np.uint32)


class AudioIndex:
    """Sorted 32-bit values and their int64 ids; exact lookups by binary search. Rows added since the last build sit
    in a tail of chunks, each sorted when added, searched one by one."""

    TAIL_MAX = 500_000

    def __init__(self) -> None:
        self.values = np.zeros(0, np.uint32)
        self.ids = np.zeros(0, np.int64)
        self._tail_values: list[np.ndarray] = []
        self._tail_ids: list[np.ndarray] = []

    @property
    def ntotal(self) -> int:
        return len(self.ids) + sum(len(i) for i in self._tail_ids)

    def add_with_ids(self, values: np.ndarray, ids: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.uint32)
        order = np.argsort(values, kind="stable")  # sorted once here, not again on every lookup
        self._tail_values.append(values[order])
        self._tail_ids.append(np.asarray(ids, dtype=np.int64)[order])

    def build(self) -> None:
        if not self._tail_ids:
            return
        values = np.concatenate([self.values, *self._tail_values])
        ids = np.concatenate([self.ids, *self._tail_ids])
        order = np.argsort(values, kind="stable")
        self.values, self.ids = values[order], ids[order]
        self._tail_values, self._tail_ids = [], []

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, id) of every indexed value equal to a query value (values held more than POSTING_CAP
        times are skipped)."""
        if sum(len(i) for i in self._tail_ids) > self.TAIL_MAX:
            self.build()
        queries = np.asarray(queries, dtype=np.uint32)
        q_pos, at = _equal(self.values, queries, cap=POSTING_CAP)
        q_all, found = [q_pos], [self.ids[at]]
        for values, ids in zip(self._tail_values, self._tail_ids, strict=True):
            q_pos, at = _equal(values, queries, cap=POSTING_CAP)
            q_all.append(q_pos)
            found.append(ids[at])
        return np.concatenate(q_all), np.concatenate(found)

    def save(self, folder: Path) -> None:
        self.build()
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("values", "ids"):
            np.save(folder / f"{name}.tmp.npy", getattr(self, name))
        for name in ("values", "ids"):
            (folder / f"{name}.tmp.npy").replace(folder / f"{name}.npy")

    @classmethod
    def load(cls, folder: Path) -> "AudioIndex":
        index = cls()
        for name in ("values", "ids"):
            setattr(index, name, np.load(folder / f"{name}.npy", mmap_mode="r"))
        return index


@dataclass(frozen=True)
class AudioCandidate:
    fingerprint_id: int
    hits: int


def candidates(index: AudioIndex, query: np.ndarray, *, limit: int = CANDIDATES) -> list[AudioCandidate]:
    """Library fingerprints sharing at least MIN_HITS exact values with `query`, the most hit first (values the
    query repeats, a steady sound, propose nothing)."""
    if index.ntotal == 0 or len(query) < WINDOW:
        return []
    _values, first, counts = np.unique(query, return_index=True, return_counts=True)
    wanted = np.sort(first[counts <= 2])
    _q, ids = index.lookup(query[wanted])
    if not len(ids):
        return []
    found, hits = np.unique(ids >> FRAME_BITS, return_counts=True)
    keep = hits >= MIN_HITS
    found, hits = found[keep], hits[keep]
    order = np.argsort(-hits, kind="stable")[:limit]
    return [AudioCandidate(fingerprint_id=int(found[k]), hits=int(hits[k])) for k in order]
