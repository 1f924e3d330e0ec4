"""Maturity ratings: the rating an NFO's <mpaa> carries (US TV and MPAA, DE FSK, FR CSA/CNC, UK BBFC, or a bare
age) turned into the youngest age it suits, and the rating systems of each country (the RatingSystem table is
filled from SYSTEMS). Pure, table-driven; no database."""

import re
from dataclasses import dataclass

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
    if parsed := rating_parse(rating):  # a country's own label: its system's age ('GB:PG' is 8, 'PG' is 7)
        return parsed.age
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


# --- rating systems per country ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SystemSpec:
    """A country's rating system: its labels, youngest first, each with the youngest age it suits."""

    code: str
    country: str
    name: str
    ratings: tuple[tuple[str, int], ...]


SYSTEMS: tuple[SystemSpec, ...] = (
    SystemSpec("US-TV", "US", "TV Parental Guidelines", (
        ("TV-Y", 0), ("TV-G", 0), ("TV-Y7", 7), ("TV-Y7-FV", 7), ("TV-PG", 7), ("TV-14", 14), ("TV-MA", 17))),
    SystemSpec("US-MPA", "US", "MPA film rating", (("G", 0), ("PG", 7), ("PG-13", 13), ("R", 17), ("NC-17", 18))),
    SystemSpec("DE-FSK", "DE", "FSK", (("FSK 0", 0), ("FSK 6", 6), ("FSK 12", 12), ("FSK 16", 16), ("FSK 18", 18))),
    SystemSpec("FR-CSA", "FR", "CSA / Arcom", (("Tous publics", 0), ("-10", 10), ("-12", 12), ("-16", 16),
                                               ("-18", 18))),
    SystemSpec("GB-BBFC", "GB", "BBFC", (("U", 0), ("PG", 8), ("12A", 12), ("12", 12), ("15", 15), ("18", 18),
                                         ("R18", 18))),
    SystemSpec("NL-KW", "NL", "Kijkwijzer", (("AL", 0), ("6", 6), ("9", 9), ("12", 12), ("14", 14), ("16", 16),
                                             ("18", 18))),
)
SYSTEM_BY_CODE = {s.code: s for s in SYSTEMS}
COUNTRY_NAMES = {"USA": "US", "UNITED STATES": "US", "GERMANY": "DE", "DEUTSCHLAND": "DE", "FRANCE": "FR",
                 "UK": "GB", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "NETHERLANDS": "NL", "HOLLAND": "NL"}
# Labels that say their country on their own, in the order they are tried (PG is read as American).
_UNPREFIXED = ("US-TV", "DE-FSK", "FR-CSA", "US-MPA", "GB-BBFC")
_ALIASES = {"TP": "TOUS PUBLICS", "TOUT PUBLIC": "TOUS PUBLICS", "UC": "U", "NC17": "NC-17", "PG13": "PG-13"}
_COUNTRY_RE = re.compile(r"^([A-Z][A-Z .]{1,20}):\s*(.*)$")
_AGE_ONLY_RE = re.compile(r"^-?(\d{1,2})\+?$")


@dataclass(frozen=True)
class ParsedRating:
    country: str
    system: str
    label: str
    age: int


def _find(system: SystemSpec, label: str) -> ParsedRating | None:
    for name, age in system.ratings:
        if name.upper() == label:
            return ParsedRating(system.country, system.code, name, age)
    return None


def _canonical(label: str) -> str:
    label = re.sub(r"^RATED\s+", "", label)
    if label.startswith("TV ") or re.match(r"^TV(Y|G|PG|14|MA)", label):
        label = "TV-" + label[2:].lstrip(" -")
    if m := _FSK_RE.match(label):
        label = f"FSK {int(m.group(1))}"
    return _ALIASES.get(label, label)


def rating_parse(text: str | None, *, country: str | None = None) -> ParsedRating | None:
    """The country rating a label names: 'DE:FSK 16' -> (DE, DE-FSK, 'FSK 16', 16), 'TV-MA' -> US TV, 'FR:-12',
    'GB:15', or a bare age given a country ('12' with DE -> FSK 12). None when the label is unknown, unrated, or a
    bare age without a country."""
    if not text:
        return None
    label = " ".join(text.upper().replace("_", " ").split())
    label = re.sub(r"^RATED\s+", "", label)
    if m := _COUNTRY_RE.match(label):
        named = m.group(1).strip()
        country = COUNTRY_NAMES.get(named, named if len(named) == 2 else None)
        if country is None:
            return None
        label = m.group(2)
    label = _canonical(label)
    if label in UNRATED:
        return None
    country = (country or "").upper() or None
    if country is None and re.match(r"^\d{1,2}\+?$", label):  # '12' alone: which country's 12?
        return None
    candidates = [s for s in SYSTEMS if s.country == country] if country else [SYSTEM_BY_CODE[c] for c in _UNPREFIXED]
    for attempt in (label, label.split(" ", 1)[0]):  # "R for violence and language"
        for system in candidates:
            if found := _find(system, attempt):
                return found
    if country and (m := _AGE_ONLY_RE.match(label)):  # "DE:12" is FSK 12, "FR:12" is -12
        age = int(m.group(1))
        for system in candidates:
            for name, rated in system.ratings:
                if rated == age and re.sub(r"\D", "", name) == str(age):
                    return ParsedRating(system.country, system.code, name, age)
    return None


def ratings_parse(text: str | None) -> list[ParsedRating]:
    """Every country rating in an NFO's <mpaa>, which scrapers may join with ' / ' ('US:TV-MA / DE:16'); one per
    country, the first given winning."""
    found: dict[str, ParsedRating] = {}
    for part in (text or "").split(" / "):
        parsed = rating_parse(part)
        if parsed and parsed.country not in found:
            found[parsed.country] = parsed
    return list(found.values())
