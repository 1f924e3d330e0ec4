"""Support desk settings in one place: the support address, where files go, limits, service levels, business hours."""

import datetime as dt
from pathlib import Path

from django.conf import settings

# Attachments: what a person may send (sniffed from the bytes, never the name or the declared type) and how much.
ATTACHMENT_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
                    "application/pdf": ".pdf", "text/plain": ".txt"}
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_PER_MESSAGE = 5
BODY_MAX_CHARS = 20_000
RAW_MAIL_MAX_BYTES = 25 * 1024 * 1024  # a bigger mail is kept raw but not read
RATING_SALT = "support.rating"
RATING_LINK_DAYS = 60
CLOSE_AFTER_DAYS = 7  # a resolved request nobody answered is closed after this
FORM_SALT = "support.form"  # signs the time a visitor's form was shown (bots post at once)
FORM_MIN_SECONDS = 3
FORM_MAX_SECONDS = 24 * 3600

# Service levels, in business hours, per priority: (first response, resolution).
SLA_HOURS = {"urgent": (1, 8), "high": (4, 24), "normal": (8, 40), "low": (16, 80)}


def support_email() -> str:
    return getattr(settings, "REELHOUSE_SUPPORT_EMAIL", "") or "support@localhost"


def files_dir() -> Path:
    return Path(getattr(settings, "REELHOUSE_SUPPORT_FILES_DIR", settings.VAR_DIR / "support"))


def poll_seconds() -> float:
    return float(getattr(settings, "REELHOUSE_SUPPORT_POLL_SECONDS", 60))


def business_hours() -> tuple[dt.time, dt.time]:
    """REELHOUSE_SUPPORT_HOURS, e.g. "09:00-17:00", in REELHOUSE_SUPPORT_TIMEZONE."""
    start, end = getattr(settings, "REELHOUSE_SUPPORT_HOURS", "09:00-17:00").split("-")
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


def business_days() -> set[int]:
    """Weekdays served (0 = Monday), from REELHOUSE_SUPPORT_DAYS, e.g. "0-4" or "0,1,2,3,4,5"."""
    spec = str(getattr(settings, "REELHOUSE_SUPPORT_DAYS", "0-4"))
    days: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        days.update(range(int(lo), int(hi or lo) + 1))
    return days


def timezone_name() -> str:
    return getattr(settings, "REELHOUSE_SUPPORT_TIMEZONE", "") or settings.TIME_ZONE


def holiday_country() -> str:
    return getattr(settings, "REELHOUSE_OPERATOR_COUNTRY", "US")
