"""Stamps earn rules in one place."""

import os

from django.conf import settings

STAMPS_PER_PAID_MONTH = 1
PREPAID_BONUS = {3: 1, 6: 2, 12: 4}  # extra stamps for prepaying a term of this many months
REFERRAL_STAMPS = 3  # each side, after the referee's first payment
DEFAULT_REWARDS = [{"code": "free-month", "name": "One free month", "cost": 12, "months": 1}]
REFERRAL_CODE_LENGTH = 8


def expire_months() -> int:
    """Stamps expire this many months after they were earned; 0 (the default): never.
    Set by the operator with REELHOUSE_STAMPS_EXPIRE_MONTHS."""
    value = getattr(settings, "REELHOUSE_STAMPS_EXPIRE_MONTHS", None)
    if value is None:
        value = os.environ.get("REELHOUSE_STAMPS_EXPIRE_MONTHS", "0") or "0"
    try:
        months = int(value)
    except ValueError:
        raise ValueError(f"REELHOUSE_STAMPS_EXPIRE_MONTHS must be a whole number of months (got {value!r}).") from None
    if months < 0:
        raise ValueError(f"REELHOUSE_STAMPS_EXPIRE_MONTHS cannot be negative (got {months}).")
    return months
