"""The CLDR locale (Babel) for a Django language code, so numbers, money and country names follow the reader."""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils import translation


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of `language` ('fr', 'en-us'), else of the active Django language, else the site's."""
    return _parse(language or translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=64)
def _parse(language: str) -> Locale:
    # A regional code Babel does not know ('fr-xx') still gets its language's conventions rather than an error.
    for candidate in (translation.to_locale(language), language.split("-")[0], settings.LANGUAGE_CODE):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale("en")
