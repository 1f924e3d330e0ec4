"""The one clock: every 'now' in Reelhouse comes from here so tests can move time."""

import datetime as dt

from django.utils import timezone

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return timezone.now() + _offset


def advance(delta: dt.timedelta) -> None:
    """Move the clock forward (tests and demos only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)
