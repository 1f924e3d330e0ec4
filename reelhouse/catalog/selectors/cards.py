"""Cards (what a tile or a search result shows and where it leads) and the continue-watching row (from
catalog.viewing)."""

import re
from dataclasses import dataclass

from django.urls import get_script_prefix, get_urlconf, reverse

from reelhouse.catalog.models import (
    SearchEntry,
)
from reelhouse.catalog.selectors.conf import ROW_SIZE
from reelhouse.catalog.viewing import viewing

# --- cards and rows -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """What a tile or a search result shows, and where it leads."""

    kind: str
    title: str
    url: str
    subtitle: str = ""
    year: int | None = None
    poster: str = ""
    progress_pct: int = 0
    object_id: int | None = None  # the series id, or the work id of a film or episode (for the API's links)
    slug: str = ""  # a series' or film's


_SLUG_MARKER, _ID_MARKER = "reelhouse-slug-marker", 987654321987
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_url_patterns: dict[tuple, dict[str, str]] = {}


def _url_patterns_current() -> dict[str, str]:
    """Each card kind's URL reversed once (per script prefix and urlconf) around a marker, for substitution: a home
    page shows a hundred cards and a long season hundreds of rows, and a reverse() each was a measurable cost."""
    key = (get_script_prefix(), get_urlconf())
    if (patterns := _url_patterns.get(key)) is None:
        patterns = _url_patterns[key] = {
            SearchEntry.Kind.SERIES: reverse("catalog:series", args=[_SLUG_MARKER]),
            SearchEntry.Kind.FILM: reverse("catalog:film", args=[_SLUG_MARKER]),
            SearchEntry.Kind.EPISODE: reverse("playback:watch", args=[_ID_MARKER]),
        }
    return patterns


def _watch_url(work_id: int) -> str:
    return _url_patterns_current()[SearchEntry.Kind.EPISODE].replace(str(_ID_MARKER), str(work_id))


def _entry_url(entry: SearchEntry) -> str:
    """Where a card leads."""
    if entry.kind == SearchEntry.Kind.EPISODE:
        return _watch_url(entry.object_id)
    if _PLAIN_SLUG.fullmatch(entry.slug or ""):
        return _url_patterns_current()[entry.kind].replace(_SLUG_MARKER, entry.slug)
    return reverse("catalog:series" if entry.kind == SearchEntry.Kind.SERIES else "catalog:film", args=[entry.slug])


def _card(entry: SearchEntry) -> Card:
    return Card(kind=entry.kind, title=entry.display_title, url=_entry_url(entry), subtitle=entry.display_subtitle,
                year=entry.year, poster=entry.poster, object_id=entry.object_id,
                slug=entry.slug if entry.kind != SearchEntry.Kind.EPISODE else "")


def continue_watching(*, profile, country: str | None = None, limit: int = ROW_SIZE) -> list[Card]:
    """Episodes and films the profile started and has not finished and may still watch there, newest first (one
    query, by the app that records viewing: catalog.viewing)."""
    return viewing().continue_watching(profile=profile, country=country, limit=limit)
