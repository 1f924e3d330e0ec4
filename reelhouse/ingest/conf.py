"""Ingest settings in one place."""

from django.conf import settings


def stable_seconds() -> float:
    """A file whose size and mtime have not changed for this long is taken as completely written."""
    return settings.REELHOUSE_STABLE_SECONDS


def watch_notify() -> bool:
    """Filesystem notifications for watch folders (inotify via watchdog) besides the periodic scan."""
    return bool(getattr(settings, "REELHOUSE_WATCH_NOTIFY", True))


def watch_refresh_seconds() -> float:
    """How often the notifier re-reads the registered sources and re-watches folders that came back."""
    return float(getattr(settings, "REELHOUSE_WATCH_REFRESH", 5))


def feed_timeout() -> float:
    """Seconds a feed or download may stay silent before the attempt is given up (and resumed later)."""
    return float(getattr(settings, "REELHOUSE_FEED_TIMEOUT", 30))


def feed_max_download_bytes() -> int:
    """No single delivery downloaded from a feed may be larger than this."""
    return int(getattr(settings, "REELHOUSE_FEED_MAX_BYTES", 200 * 1024**3))


def feed_max_manifest_bytes() -> int:
    """The feed document (Media RSS or JSON manifest) itself may be at most this large."""
    return int(getattr(settings, "REELHOUSE_FEED_MAX_MANIFEST_BYTES", 10 * 1024 * 1024))


def feed_max_fetch_bytes() -> int:
    """One fetch of one feed downloads at most this many bytes in all; what is left waits for the next fetch."""
    return int(getattr(settings, "REELHOUSE_FEED_MAX_FETCH_BYTES", 500 * 1024**3))


def feed_allowed_networks() -> str:
    """Networks every feed may reach besides public addresses (on-premises partners), e.g. '10.20.0.0/16'."""
    return getattr(settings, "REELHOUSE_FEED_ALLOWED_NETWORKS", "")


def feed_ca_file() -> str:
    """Extra CA certificates (PEM) trusted for feeds besides the system's, e.g. an on-premises partner's own CA."""
    return getattr(settings, "REELHOUSE_FEED_CA_FILE", "")


def feed_max_redirects() -> int:
    return int(getattr(settings, "REELHOUSE_FEED_MAX_REDIRECTS", 5))


def feed_rejected_retention_days() -> float:
    """Rejected downloads (.rejected) and abandoned partial ones (.partial) are deleted after this many days."""
    return float(getattr(settings, "REELHOUSE_FEED_REJECTED_RETENTION_DAYS", 30))


def archive_dir() -> str:
    """When set, originals of published deliveries are moved here (never deleted); empty: left where they are."""
    return getattr(settings, "REELHOUSE_INGEST_ARCHIVE_DIR", "")


HASH_CHUNK = 1024 * 1024
DOWNLOAD_ATTEMPTS = 3  # within one fetch; later fetches resume where these stopped
NFO_GUIDE_MAX = 1024 * 1024
GUIDE_REFRESH_S = 24 * 3600  # a provider's episode guide of one series is read again at most this often
