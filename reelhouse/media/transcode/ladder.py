"""The adaptive ladder for a source: Apple's H.264 rungs adapted to the source's shape, never upscaled."""

from dataclasses import dataclass
from itertools import pairwise

# Rung class (the height of its 16:9 box) -> average video kb/s, after Apple's HLS authoring spec H.264 ladder.
RUNGS = [(1080, 6000), (720, 3000), (540, 2000), (360, 730)]
AUDIO_KBPS = 128
WIDE = 16 / 9
SAME_CLASS = 0.92  # a 1918x1078 source is still "1080p": within 8% of a rung counts as that rung


@dataclass(frozen=True)
class Rung:
    name: str  # "v720": the folder and the variant name
    width: int
    height: int
    video_kbps: int  # the fixed ladder's average bitrate for this rung
    crf: float | None = None  # set by the content-adaptive ladder: capped CRF instead of the average bitrate

    @property
    def maxrate_kbps(self) -> int:
        return round(self.video_kbps * 1.1)

    @property
    def bufsize_kbps(self) -> int:
        return self.video_kbps * 2


def _even(x: float, limit: int) -> int:
    """The nearest even size to x that does not exceed limit (x264 needs even sizes; never upscale)."""
    size = round(x / 2) * 2
    return max(2, size - 2 if size > limit else size)


def kbps_for(box: float) -> int:
    """Average bitrate for a rung class, interpolated between the table's rungs (quadratic below the last)."""
    table = sorted(RUNGS)
    if box <= table[0][0]:
        return max(150, round(table[0][1] * (box / table[0][0]) ** 2))
    for (h0, k0), (h1, k1) in pairwise(table):
        if box <= h1:
            return round(k0 + (k1 - k0) * (box - h0) / (h1 - h0))
    return table[-1][1]


def ladder_for(display_width: int, display_height: int) -> list[Rung]:
    """Rungs for a source of this display size, largest first. Each rung is the source fitted into a 16:9 box of
    the rung's class (rotated for portrait sources), so 2.39:1 films keep their width and 4:3 their height. A source
    between classes is its own top rung (480p gets 480p + 360p); nothing is larger than the source."""
    if display_width <= 0 or display_height <= 0:
        raise ValueError(f"display size must be positive, got {display_width}x{display_height}")
    portrait = display_height > display_width
    long_, short = (display_height, display_width) if portrait else (display_width, display_height)
    aspect = long_ / short
    source_class = max(short, long_ / WIDE)
    classes = [min(h, source_class) for h, _ in RUNGS if source_class >= h * SAME_CLASS]
    if source_class < RUNGS[0][0] and (not classes or source_class > classes[0] / SAME_CLASS):
        classes.insert(0, source_class)  # a source between standard sizes is its own top rung
    rungs = []
    for box in classes:
        if aspect >= WIDE:
            long_side = min(long_, box * WIDE)
            short_side = long_side / aspect
        else:
            short_side = min(short, box)
            long_side = short_side * aspect
        w, h = _even(long_side, long_), _even(short_side, short)
        if portrait:
            w, h = h, w
        label = next((h for h, _ in RUNGS if h * SAME_CLASS <= box <= h), round(box))
        rungs.append(Rung(name=f"v{label}", width=w, height=h, video_kbps=kbps_for(box)))
    return rungs
