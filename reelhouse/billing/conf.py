"""Billing constants and settings in one place."""

import os
from decimal import Decimal, InvalidOperation

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
UPGRADE_QUOTE_MAX_AGE_S = 30 * 60  # an upgrade's price, shown on its confirmation page, can be accepted this long
STRIPE_MIN_CHARGE_MINOR = 50  # Stripe refuses card charges below about 0.50 in USD and EUR
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are typed by people


def stripe_secret_key() -> str:
    return getattr(settings, "STRIPE_SECRET_KEY", "")


def stripe_webhook_secret() -> str:
    return getattr(settings, "STRIPE_WEBHOOK_SECRET", "")


def _setting(name: str) -> str:
    """An operator setting: the Django setting when tests or settings.py set it, else the environment variable."""
    value = getattr(settings, name, None)
    return os.environ.get(name, "") if value is None else str(value)


def seller_details() -> str:
    """The seller block of invoices, one line each: REELHOUSE_SELLER_NAME, then REELHOUSE_SELLER_ADDRESS (lines
    separated by '|' or new lines)."""
    lines = [_setting("REELHOUSE_SELLER_NAME") or "Reelhouse"]
    lines += [part.strip() for part in _setting("REELHOUSE_SELLER_ADDRESS").replace("|", "\n").splitlines()
              if part.strip()]
    return "\n".join(lines)


def seller_vat_id() -> str:
    return _setting("REELHOUSE_SELLER_VAT_ID").strip()


def vat_rates() -> dict[str, int]:
    """REELHOUSE_VAT_RATES, e.g. 'FR=20,DE=19,LU=17,*=0': percent per buyer country ('*': any other), as basis
    points. Prices are VAT-inclusive; a country without a rate gets no VAT line."""
    rates = {}
    raw = _setting("REELHOUSE_VAT_RATES")
    for part in filter(None, (p.strip() for p in raw.split(","))):
        country, sep, percent = part.partition("=")
        country = country.strip().upper()
        try:
            value = Decimal(percent.strip())
        except InvalidOperation:
            value = Decimal(-1)
        if not sep or not (country == "*" or (len(country) == 2 and country.isalpha())) or not 0 <= value < 100:
            raise ValueError(f"REELHOUSE_VAT_RATES: {part!r} is not COUNTRY=PERCENT (e.g. 'FR=20' or '*=0'); "
                             f"the whole setting was {raw!r}.")
        rates[country] = int(value * 100)
    return rates


def vat_rate_bp(country: str) -> int:
    rates = vat_rates()
    return rates.get(country.upper(), rates.get("*", 0))
