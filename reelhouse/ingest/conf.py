"""Ingest settings in one place."""

from django.conf import settings


def stable_seconds() -> float:
    """A file whose size and mtime have not changed for this long is taken as completely written."""
    return settings.REELHOUSE_STABLE_SECONDS


def feed_timeout() -> float:
    """Seconds a feed or download may stay silent before the attempt is given up (and resumed later)."""
    return float(getattr(settings, "REELHOUSE_FEED_TIMEOUT", 30))


def feed_max_download_bytes() -> int:
    """No single delivery downloaded from a feed may be larger than this."""
    return int(getattr(settings, "REELHOUSE_FEED_MAX_BYTES", 200 * 1024**3))


def archive_dir() -> str:
    """When set, originals of published deliveries are moved here (never deleted); empty: left where they are."""
    return getattr(settings, "REELHOUSE_INGEST_ARCHIVE_DIR", "")


HASH_CHUNK = 1024 * 1024
FEED_MAX_BYTES = 10 * 1024 * 1024  # the feed document itself
DOWNLOAD_ATTEMPTS = 3  # within one fetch; later fetches resume where these stopped
NFO_GUIDE_MAX = 1024 * 1024
