"""What a profile may see: age limits, the viewer's territory and licence windows, as querysets."""

from django.db.models import Exists, OuterRef, Q

from reelhouse.catalog.models import (
    Episode,
    Film,
    SearchEntry,
    Series,
)
from reelhouse.catalog.selectors.conf import ADULT_AGE
from reelhouse.core import clock
from reelhouse.rights import rule
from reelhouse.rights.rule import viewer_country  # noqa: F401  (catalog.selectors' name for it)

# --- what a profile may see ---------------------------------------------------------------------

def maturity_q(profile, field: str = "maturity") -> Q:
    """The titles a profile may see by age rating: those rated at most its limit. A profile without a limit (18+)
    sees everything; an unrated title is shown to limited profiles but never to a kids profile."""
    if profile is None:
        return Q()
    limit = getattr(profile, "max_maturity", None)
    if getattr(profile, "is_kids", False):
        return Q(**{f"{field}__lte": ADULT_AGE if limit is None else limit})
    if limit is None or limit >= ADULT_AGE:
        return Q()
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": limit})


def maturity_allows(*, profile, rating: int | None) -> bool:
    """Whether a profile may see a title with this age rating (None: unrated); the same rule as maturity_q."""
    if profile is None:
        return True
    limit = getattr(profile, "max_maturity", None)
    if getattr(profile, "is_kids", False):
        return rating is not None and rating <= (ADULT_AGE if limit is None else limit)
    return limit is None or limit >= ADULT_AGE or rating is None or rating <= limit


# --- what the viewer's territory may see ----------------------------------------------------------
# `country` is the viewer's ISO 3166-1 alpha-2 code (the account's country; rights.rule.viewer_country); None means no
# territory filter (operator tools, internal reads). Works are checked by rights.rule at this instant; search entries
# carry where the rule lets them be shown (catalog.services.availability_refresh keeps that current).

def _published_episodes(profile=None, country: str | None = None):
    return Episode.objects.filter(maturity_q(profile), rule.work_q(country=country, at=clock.now()),
                                  published_at__isnull=False, asset__isnull=False)


def episodes_visible(profile=None, country: str | None = None):
    """Published episodes the profile may see in its territory now, rated within its limit (what its series page
    lists and what the API serves one by one)."""
    return _published_episodes(profile, country)


def series_visible(profile=None, country: str | None = None):
    """Series with at least one published episode the profile may see in its territory, rated within its limit."""
    return Series.objects.filter(maturity_q(profile),
                                 Exists(_published_episodes(profile, country).filter(series=OuterRef("pk"))))


def films_visible(profile=None, country: str | None = None):
    """Published films rated within the profile's limit and licensed in its territory now."""
    return Film.objects.filter(maturity_q(profile), rule.work_q(country=country, at=clock.now()),
                               published_at__isnull=False, asset__isnull=False)


# What a card is built from and rows are ordered by: not the indexed words (terms, synopsis_terms), which are most
# of an entry's bytes and which the home page would otherwise fetch for its 200-odd entries.
CARD_FIELDS = ("kind", "object_id", "rank_key", "title", "title_norm", "subtitle", "slug", "year", "poster",
               "translations", "trending", "published_at")


def entries_visible(profile=None, country: str | None = None):
    """Search entries (rows, listings, search) the profile may see in its territory, with what cards show."""
    return SearchEntry.objects.filter(maturity_q(profile), rule.entry_q(country)).only(*CARD_FIELDS)
