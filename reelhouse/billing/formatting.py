"""Money and invoice figures in the reader's locale: integer minor units to '$1,234.56', '1 234,56 €', '1.234,56 $'.

Symbols, their side, separators, grouping and each currency's number of minor digits all come from CLDR (Babel),
so a language or currency Reelhouse adds later is written correctly without a table here."""

from decimal import Decimal

from babel.numbers import format_currency, format_percent, get_currency_precision

from reelhouse.core.locales import babel_locale


def money_format(amount_minor: int, currency: str, *, language: str | None = None) -> str:
    """'$9.99' in English, '9,99 $US' in French, '9,49 €' in German, '¥1,200' (no minor unit) for 1200 JPY;
    negative amounts are signed the locale's way ('-€2.50', '-2,50 €'). The active language by default."""
    currency = str(currency).upper()
    amount = Decimal(int(amount_minor)).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=babel_locale(language))


def percent_format(basis_points: int, *, language: str | None = None) -> str:
    """20 % as '20%' in English, '20 %' in French and German; 5.5 % as '5.5%' / '5,5 %' (no digit dropped)."""
    return format_percent(Decimal(int(basis_points)).scaleb(-4), locale=babel_locale(language),
                          decimal_quantization=False)
