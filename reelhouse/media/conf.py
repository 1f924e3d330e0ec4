"""Media settings in one place: the ffmpeg binary and the packaging constants every rung shares."""

from django.conf import settings

SEGMENT_SECONDS = 6  # fMP4 segment length (Apple's HLS authoring spec: 6 s)
GOP_SECONDS = 2  # an IDR every 2 s, aligned across every rung
MAX_FPS = 60


def ffmpeg_path() -> str:
    """The ffmpeg binary: REELHOUSE_FFMPEG when set, else imageio-ffmpeg's pinned build (no apt needed)."""
    configured = getattr(settings, "REELHOUSE_FFMPEG", "")
    if configured:
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def x264_preset() -> str:
    return getattr(settings, "REELHOUSE_X264_PRESET", None) or "veryfast"


def adaptive_ladder() -> bool:
    """Whether long sources get the content-adaptive ladder (REELHOUSE_ADAPTIVE_LADDER, on by default)."""
    return bool(getattr(settings, "REELHOUSE_ADAPTIVE_LADDER", True))


def adaptive_min_seconds() -> float:
    """Sources shorter than this keep the fixed ladder: for a short clip the probe costs more than it saves."""
    return float(getattr(settings, "REELHOUSE_ADAPTIVE_MIN_S", 120.0))
