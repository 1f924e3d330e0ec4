"""Stamps earn rules in one place."""

STAMPS_PER_PAID_MONTH = 1
PREPAID_BONUS = {3: 1, 6: 2, 12: 4}  # extra stamps for prepaying a term of this many months
REFERRAL_STAMPS = 3  # each side, after the referee's first payment
DEFAULT_REWARDS = [{"code": "free-month", "name": "One free month", "cost": 12, "months": 1}]
REFERRAL_CODE_LENGTH = 8
