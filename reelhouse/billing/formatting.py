"""Money and invoice figures in the reader's locale: integer minor units to '$1,234.56', '1 234,56 €', '1.234,56 $'.

Separators and grouping come from Django's locale formats (the same ones the `date` filter and `localize` use); the
currency symbol and its side follow CLDR for the languages Reelhouse speaks."""

from decimal import Decimal

from django.utils import formats, numberformat, translation

SYMBOLS = {"USD": {"en": "$", "fr": "$US", "de": "$"}, "EUR": {"en": "€", "fr": "€", "de": "€"}}
SYMBOL_FIRST = {"en"}  # English writes the symbol first ("$9.99"); French and German after ("9,99 €")
MINOR_DIGITS = {"JPY": 0, "KRW": 0}
NBSP = "\u00a0"  # the amount and its symbol stay on one line


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0].lower()


def money_format(amount_minor: int, currency: str, *, language: str | None = None) -> str:
    """'$9.99' in English, '9,99 $US' in French, '9,49 €' in German; negative amounts get a leading minus."""
    currency = str(currency).upper()
    lang = _language(language)
    digits = MINOR_DIGITS.get(currency, 2)
    amount = Decimal(abs(int(amount_minor))).scaleb(-digits)
    number = numberformat.format(amount, formats.get_format("DECIMAL_SEPARATOR", lang), decimal_pos=digits,
                                 grouping=formats.get_format("NUMBER_GROUPING", lang),
                                 thousand_sep=formats.get_format("THOUSAND_SEPARATOR", lang), force_grouping=True)
    symbol = SYMBOLS.get(currency, {}).get(lang, currency)
    sign = "-" if int(amount_minor) < 0 else ""
    if lang in SYMBOL_FIRST and symbol != currency:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}{NBSP}{symbol}"


def percent_format(basis_points: int, *, language: str | None = None) -> str:
    """20 % as '20%' in English, '20 %' in French and German; 5.5 % as '5.5%' / '5,5 %'."""
    lang = _language(language)
    value = Decimal(basis_points).scaleb(-2).normalize()
    digits = max(-value.as_tuple().exponent, 0)
    number = numberformat.format(value, formats.get_format("DECIMAL_SEPARATOR", lang), decimal_pos=digits)
    return f"{number}%" if lang == "en" else f"{number}{NBSP}%"
