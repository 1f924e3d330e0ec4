"""Maturity ratings: the rating an NFO's <mpaa> carries (US TV and MPAA, DE FSK, FR CSA/CNC, UK BBFC, or a bare
age) turned into the youngest age it suits. Pure, table-driven; no database."""

import re

# Age a title suits, per rating label as written after any "Rated" prefix and country prefix (upper case).
RATING_AGES: dict[str, int] = {
    # US television (TV Parental Guidelines)
    "TV-Y": 0, "TV-G": 0, "TV-Y7": 7, "TV-Y7-FV": 7, "TV-PG": 7, "TV-14": 14, "TV-MA": 17,
    # US films (MPA)
    "G": 0, "PG": 7, "PG-13": 13, "R": 17, "NC-17": 18, "X": 18,
    # Germany (FSK)
    "FSK 0": 0, "FSK 6": 6, "FSK 12": 12, "FSK 16": 16, "FSK 18": 18,
    # France (CSA signalétique, CNC visas)
    "TP": 0, "TOUS PUBLICS": 0, "-10": 10, "-12": 12, "-16": 16, "-18": 18,
    # United Kingdom (BBFC)
    "U": 0, "UC": 0, "12A": 12, "15": 15, "R18": 18,
}
UNRATED = {"NR", "NOT RATED", "UNRATED", "UR", "N/A", ""}
# A country prefix as Kodi scrapers write it: "US:", "de:", "Germany:", "France: "
_COUNTRY_PREFIX_RE = re.compile(r"^[A-Z][A-Z .]{1,20}:\s*")
_FSK_RE = re.compile(r"^FSK\s*(?:AB\s*)?(\d{1,2})$")
_BARE_AGE_RE = re.compile(r"^(?:AB\s*)?(\d{1,2})\+?$")


def rating_age(rating: str | None) -> int | None:
    """The age a rating label suits ('TV-14' -> 14, 'Rated PG-13' -> 13, 'DE:FSK 16' -> 16, 'FR:-12' -> 12,
    '18' -> 18); None for a missing, unrated or unknown label."""
    if not rating:
        return None
    label = " ".join(rating.upper().replace("_", " ").split())
    label = re.sub(r"^RATED\s+", "", label)
    label = _COUNTRY_PREFIX_RE.sub("", label)
    label = re.sub(r"^RATED\s+", "", label)
    label = label.replace("TV ", "TV-") if label.startswith("TV ") else label
    if label in UNRATED:
        return None
    if label in RATING_AGES:
        return RATING_AGES[label]
    if m := _FSK_RE.match(label):
        return _clamp(int(m.group(1)))
    if m := _BARE_AGE_RE.match(label):
        return _clamp(int(m.group(1)))
    first = label.split(" ", 1)[0]  # "R for violence and language"
    return RATING_AGES.get(first) if first != label else None


def _clamp(age: int) -> int | None:
    return age if 0 <= age <= 21 else None
