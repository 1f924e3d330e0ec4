"""Ingest settings in one place."""

from django.conf import settings


def stable_seconds() -> float:
    """A file whose size and mtime have not changed for this long is taken as completely written."""
    return settings.REELHOUSE_STABLE_SECONDS


HASH_CHUNK = 1024 * 1024
