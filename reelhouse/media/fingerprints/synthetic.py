"""Synthetic fingerprints for the scale catalog (`seed_scale` writes one per work) and the bench: random PDQ-sized
hashes at the rate the library indexes (one frame every INDEX_EVERY_S), as many as a 45-minute episode or a
100-minute film has, and random 32-bit chromaprint values at the rate the audio index keeps them (one every
audio.INDEX_EVERY_S). Random hashes spread evenly over the index's buckets; real ones bunch up a little (similar
shots, similar sounds), so real lookups probe somewhat fuller buckets than these."""

from collections.abc import Callable, Iterator

import numpy as np

from reelhouse.media.fingerprints import audio
from reelhouse.media.fingerprints.engine import HASH_BYTES
from reelhouse.media.fingerprints.library import FRAME_BITS, INDEX_EVERY_S, library_index

SCALE_EPISODES = 183_200
SCALE_FILMS = 10_500
EPISODE_S = 45 * 60
FILM_S = 100 * 60
CHUNK = 5_000  # works per batch


def frames_for(runtime_s: float) -> int:
    return max(1, round(runtime_s / INDEX_EVERY_S))


def synthetic_prints(runtimes: list[float], *, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(hashes, zoomed, audio values) of each work of `runtimes`, in order, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    for runtime in runtimes:
        n = frames_for(runtime)
        yield (rng.integers(0, 256, (n, HASH_BYTES), dtype=np.uint8),
               rng.integers(0, 256, (n, HASH_BYTES), dtype=np.uint8),
               rng.integers(0, 2**32, max(1, round(runtime / audio.INDEX_EVERY_S)), dtype=np.uint32))


def synthetic_library(*, episodes: int, films: int,
                      first_id: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(ids, codes, audio ids, audio values) batches of a whole synthetic library as the indexes hold it
    (fingerprint ids from `first_id`)."""
    runtimes = [EPISODE_S] * episodes + [FILM_S] * films
    for start in range(0, len(runtimes), CHUNK):
        ids, codes, sound_ids, sounds = [], [], [], []
        batch = runtimes[start:start + CHUNK]
        for k, (hashes, zoomed, values) in enumerate(synthetic_prints(batch, seed=start)):
            frames = np.arange(len(hashes), dtype=np.int64)  # every synthetic frame is an indexed one
            own = (np.int64(first_id + start + k) << FRAME_BITS) | frames
            ids += [own, own]
            codes += [hashes, zoomed]
            sound_ids.append(audio.index_rows(first_id + start + k, values, all_of_them=True)[0])
            sounds.append(values)
        yield (np.concatenate(ids), np.ascontiguousarray(np.vstack(codes)), np.concatenate(sound_ids),
               np.concatenate(sounds))


def fingerprints_seed(*, progress: Callable[[int, int], None] | None = None, seed: int = 16) -> int:
    """Give every work of the catalog without a fingerprint a synthetic one (kept in the library, marked
    synthetic), then build the library's index and save it. Returns how many were written."""
    from reelhouse.catalog.models import Work
    from reelhouse.media.models import Fingerprint

    todo = list(Work.objects.filter(fingerprints__isnull=True).order_by("pk").values_list("pk", "kind", "runtime_s"))
    report = progress or (lambda done, total: None)
    written = 0
    for start in range(0, len(todo), CHUNK):
        batch = todo[start:start + CHUNK]
        runtimes = [runtime or (FILM_S if kind == "film" else EPISODE_S) for _, kind, runtime in batch]
        rows = []
        made = synthetic_prints(runtimes, seed=seed + start)
        for (pk, _, _), (hashes, zoomed, values) in zip(batch, made, strict=True):
            rows.append(Fingerprint(work_id=pk, in_library=True, synthetic=True, rate=1 / INDEX_EVERY_S,
                                    frames=len(hashes), hashes=hashes.tobytes(), zoomed=zoomed.tobytes(),
                                    quality=np.full(len(hashes), 100, np.uint8).tobytes(),
                                    audio=values.astype("<u4").tobytes()))
        Fingerprint.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        report(written, len(todo))
    library_index(save=True)
    return written


def tune(seed: int) -> str:
    """An ffmpeg lavfi audio source playing a tune of its own for every `seed`: two voices stepping through notes
    picked by a hash of the time (a new one every 1/5 s and every 1/3 s). Distinct seeds give distinct
    chromaprints; a pure sine does not (it prints one value over and over, and two sines come out alike). For the
    bench's and the tests' clips."""
    def voice(base: int, steps: int, per_s: int, a: float, b: float) -> str:
        note = f"floor({steps}*abs(mod(sin(floor(t*{per_s})*{a}+{seed})*{b}\\,1)))"
        return f"sin(2*PI*t*{base}*pow(2\\,{note}/12))"
    return (f"aevalsrc=exprs='0.3*{voice(110, 24, 5, 12.9898, 43758.5453)}+0.2*{voice(220, 12, 3, 78.233, 12345.678)}'"
            ":s=44100")
