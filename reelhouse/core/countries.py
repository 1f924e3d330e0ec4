"""Country names in the reader's language, from CLDR (Babel): for the country selects, invoices and the home page."""

import unicodedata
from functools import lru_cache

from babel import Locale

from reelhouse.core.locales import babel_locale

# CLDR names more regions than ISO 3166-1 has countries: groupings (EU, UN, 'Outlying Oceania'), pseudo-locales,
# 'Unknown Region' (ZZ), Kosovo's user-assigned XK and the exceptionally reserved codes (Ascension, Canary Islands…).
# Accounts, licences and invoices store ISO 3166-1 alpha-2 codes, so those are left out.
NOT_ISO_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK",
                               "ZZ"})


def country_name(code: str, language: str | None = None) -> str:
    """'DE' -> 'Allemagne' in French, 'Germany' in English (the active Django language by default); the code itself
    when it is not an ISO 3166-1 alpha-2 country."""
    code = (code or "").strip().upper()
    return _names(babel_locale(language)).get(code, code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name) for every country, in the order a reader of that language looks for them."""
    return list(_choices(babel_locale(language)))


def _sort_key(text: str) -> str:
    """Accents and case do not move a name: 'Émirats arabes unis' sorts among the E's, 'Ägypten' among the A's.
    The machines carry no system locales for strxfrm, and this is the part of collation country names need."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16)
def _names(locale: Locale) -> dict[str, str]:
    return {code: name for code, name in locale.territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_ISO_COUNTRIES}


@lru_cache(maxsize=16)
def _choices(locale: Locale) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_names(locale).items(), key=lambda item: (_sort_key(item[1]), item[1])))
