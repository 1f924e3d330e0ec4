"""Multi-index hashing (Norouzi, Punjani & Fleet, CVPR 2012) of 256-bit hashes for Hamming range search.

Each hash is cut into TABLES substrings of SUB_BYTES bytes; table t keeps the rows sorted by substring t. A query
looks up, in every table, the rows whose substring equals its own (binary search), and keeps the candidates within
the radius. Two hashes 20 bits apart share at least one of ten 24-bit substrings exactly with probability ~0.75,
30 bits apart ~0.37: a single frame may be missed, a video with dozens of indexed frames is not.

Measured against faiss-cpu 1.15 on this machine (2 cores shared, 18M codes): IndexBinaryMultiHash (4 x 24 bits)
took 617 s and 5.4 GB to build, and its bit-flip probing (nflip=1 on 16-bit tables) 7 s for 5,400 queries of a
186k-code index; sorting numpy arrays builds the same tables in seconds at ~120 bytes a code. Rows added since the
last build sit in a small unsorted tail that is scanned directly, so publishing one work does not re-sort millions.
"""

from pathlib import Path

import numpy as np

HASH_BYTES = 32
SUB_BYTES = 3  # 24-bit substrings
TABLES = 10  # covering 240 of the 256 bits
TAIL_MAX = 200_000  # rows kept unsorted before the tables are rebuilt


def _keys(codes: np.ndarray, table: int) -> np.ndarray:
    b = codes[:, table * SUB_BYTES:(table + 1) * SUB_BYTES].astype(np.uint32)
    return (b[:, 0] << 16) | (b[:, 1] << 8) | b[:, 2]


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamming distances between two (n, 32) uint8 arrays."""
    x = np.ascontiguousarray(a).view(np.uint64) ^ np.ascontiguousarray(b).view(np.uint64)
    return np.bitwise_count(x).sum(axis=1, dtype=np.uint16)


def search_sorted(table: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.searchsorted's left and right ends of every key in `table`, the keys searched in ascending order: a
    binary search that walks the table from one end to the other stays in the CPU's caches (measured: 22 ms
    instead of 294 ms for 21,800 keys in 37M)."""
    order = np.argsort(keys, kind="stable")
    lo, hi = np.empty(len(keys), np.int64), np.empty(len(keys), np.int64)
    lo[order] = np.searchsorted(table, keys[order], side="left")
    hi[order] = np.searchsorted(table, keys[order], side="right")
    return lo, hi


class MultiIndex:
    """The index: codes (n, 32) uint8 and their int64 ids, searchable by Hamming radius."""

    def __init__(self) -> None:
        self.codes = np.zeros((0, HASH_BYTES), np.uint8)
        self.ids = np.zeros(0, np.int64)
        self.sorted_keys = np.zeros((TABLES, 0), np.uint32)
        self.order = np.zeros((TABLES, 0), np.int32)
        self.built = 0  # rows covered by the sorted tables; the rest is the tail
        self._tail_codes: list[np.ndarray] = []
        self._tail_ids: list[np.ndarray] = []

    @property
    def ntotal(self) -> int:
        return len(self.ids) + sum(len(i) for i in self._tail_ids)

    def add_with_ids(self, codes: np.ndarray, ids: np.ndarray) -> None:
        self._tail_codes.append(np.ascontiguousarray(codes, dtype=np.uint8))
        self._tail_ids.append(np.asarray(ids, dtype=np.int64))

    def build(self) -> None:
        """Sort every table over all rows (the tail included)."""
        self._merge_tail()
        self.sorted_keys = np.empty((TABLES, len(self.ids)), np.uint32)
        self.order = np.empty((TABLES, len(self.ids)), np.int32)
        rows = np.arange(len(self.ids), dtype=np.uint64)
        for t in range(TABLES):  # one sort of (key << 32 | row): twice as fast as argsort and a gather
            packed = (_keys(self.codes, t).astype(np.uint64) << np.uint64(32)) | rows
            packed.sort()
            self.sorted_keys[t] = packed >> np.uint64(32)
            self.order[t] = packed & np.uint64(0xFFFFFFFF)
        self.built = len(self.ids)

    def _merge_tail(self) -> None:
        if self._tail_ids:
            self.codes = np.vstack([self.codes, *self._tail_codes])
            self.ids = np.concatenate([self.ids, *self._tail_ids])
            self._tail_codes, self._tail_ids = [], []

    def range_search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, id, distance) of every indexed code within `radius` bits of a query that shares a substring
        with it (and of every code in the unsorted part), each pair once."""
        if self.ntotal - self.built > TAIL_MAX:  # sorted once, when searched, not on every bulk add
            self.build()
        queries = np.ascontiguousarray(queries, dtype=np.uint8)
        q_rows, rows = [], []
        n_q = np.arange(len(queries))
        for t in range(TABLES if self.built else 0):
            keys = _keys(queries, t)
            lo, hi = search_sorted(self.sorted_keys[t], keys)
            lengths = hi - lo
            total = int(lengths.sum())
            if not total:
                continue
            starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
            q_rows.append(np.repeat(n_q, lengths))
            rows.append(self.order[t][starts + np.arange(total)])
        found_q, found_rows, found_d = [], [], []
        if rows:
            q_all, r_all = np.concatenate(q_rows), np.concatenate(rows).astype(np.int64)
            pair = np.unique(q_all * max(1, len(self.ids)) + r_all)  # each (query, row) once
            q_all, r_all = pair // max(1, len(self.ids)), pair % max(1, len(self.ids))
            d = hamming(queries[q_all], self.codes[r_all])
            keep = d <= radius
            found_q.append(q_all[keep])
            found_rows.append(self.ids[r_all[keep]])
            found_d.append(d[keep])
        tail = self._tail_view()
        if tail is not None:
            tail_codes, tail_ids = tail
            for start in range(0, len(queries), 256):
                block = queries[start:start + 256]
                d = np.zeros((len(block), len(tail_ids)), np.uint16)
                for k in range(HASH_BYTES // 8):
                    d += np.bitwise_count(block.view(np.uint64)[:, k, None]
                                          ^ tail_codes.view(np.uint64)[None, :, k]).astype(np.uint16)
                qi, ci = np.nonzero(d <= radius)
                found_q.append(qi + start)
                found_rows.append(tail_ids[ci])
                found_d.append(d[qi, ci])
        if not found_q:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint16)
        return np.concatenate(found_q), np.concatenate(found_rows), np.concatenate(found_d)

    def _tail_view(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The rows not in the sorted tables: the pending tail and rows merged since the last build."""
        parts_c = ([self.codes[self.built:]] if len(self.ids) > self.built else []) + self._tail_codes
        parts_i = ([self.ids[self.built:]] if len(self.ids) > self.built else []) + self._tail_ids
        if not parts_i:
            return None
        return np.ascontiguousarray(np.vstack(parts_c)), np.concatenate(parts_i)

    # --- on disk: one .npy per array, memory-mapped when loaded ---------------------------------------------

    def save(self, folder: Path) -> None:
        self._merge_tail()
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("codes", "ids", "sorted_keys", "order"):
            np.save(folder / f"{name}.tmp.npy", getattr(self, name))
        np.save(folder / "built.tmp.npy", np.array([self.built], np.int64))
        for name in ("codes", "ids", "sorted_keys", "order", "built"):
            (folder / f"{name}.tmp.npy").replace(folder / f"{name}.npy")

    @classmethod
    def load(cls, folder: Path) -> "MultiIndex":
        index = cls()
        for name in ("codes", "ids", "sorted_keys", "order"):
            setattr(index, name, np.load(folder / f"{name}.npy", mmap_mode="r"))
        index.built = int(np.load(folder / "built.npy")[0])
        return index
