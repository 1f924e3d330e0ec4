"""Billing constants and settings in one place."""

from django.conf import settings

# The default catalogue of plans: one tier, four terms. Prices in minor units per currency.
DEFAULT_PLANS = [
    {"code": "standard-1m", "name": "Standard monthly", "term_months": 1, "recurring": True,
     "prices": {"USD": 999, "EUR": 949}},
    {"code": "standard-3m", "name": "Standard 3 months prepaid", "term_months": 3, "recurring": False,
     "prices": {"USD": 2799, "EUR": 2649}},
    {"code": "standard-6m", "name": "Standard 6 months prepaid", "term_months": 6, "recurring": False,
     "prices": {"USD": 5399, "EUR": 5099}},
    {"code": "standard-12m", "name": "Standard 12 months prepaid", "term_months": 12, "recurring": False,
     "prices": {"USD": 9999, "EUR": 9449}},
]
DEFAULT_PLAN_CODE = "standard-1m"
PLAN_LIMITS = {"max_streams": 2, "max_downloads": 10, "max_height": 1080}
CURRENCIES = ("USD", "EUR")

TRIAL_DAYS = 7
MAX_PAUSE_WEEKS = 12
GRACE_DAYS = 7  # a failed renewal keeps access this long while the payment is retried
DUNNING_REMINDER_DAYS = 2  # the reminder goes out this long before the grace period ends
VOUCHER_CODE_GROUPS = 4  # XXXX-XXXX-XXXX-XXXX from a 32-letter alphabet: 80 bits, not guessable
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are typed by people


def stripe_secret_key() -> str:
    return getattr(settings, "STRIPE_SECRET_KEY", "")


def stripe_webhook_secret() -> str:
    return getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
