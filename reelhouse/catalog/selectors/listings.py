"""Paged listings: My List, genres, A-Z, and the air-date calendar."""

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, Value
from django.urls import reverse

from reelhouse.catalog.models import (
    Episode,
    Genre,
    MyListItem,
    SearchEntry,
)
from reelhouse.catalog.selectors.cards import Card, _card
from reelhouse.catalog.selectors.conf import CALENDAR_DAYS, CALENDAR_MAX, LISTING_PAGE_SIZE
from reelhouse.catalog.selectors.visibility import entries_visible, films_visible, maturity_q, series_visible
from reelhouse.core import clock


def my_list(*, profile, page: int, country: str | None = None):
    """One page of the profile's My List, most recently added first (titles it may no longer see left out).
    Raises django.core.paginator.InvalidPage for a page out of range."""
    items = (MyListItem.objects.filter(profile=profile)
             .filter(Q(series__isnull=True) | Q(series__in=series_visible(profile, country)))
             .filter(Q(film__isnull=True) | Q(film__in=films_visible(profile, country)))
             .select_related("series", "film").order_by("-created_at", "-id"))
    page_obj = Paginator(items, LISTING_PAGE_SIZE, allow_empty_first_page=True).page(page)
    cards = []
    for item in page_obj.object_list:
        if item.series_id:
            s = item.series
            cards.append(Card(kind="series", title=s.display_title, url=reverse("catalog:series", args=[s.slug]),
                              year=s.year, poster=s.poster, object_id=s.pk, slug=s.slug))
        else:
            f = item.film
            cards.append(Card(kind="film", title=f.display_title, url=reverse("catalog:film", args=[f.slug]),
                              year=f.year, poster=f.poster, object_id=f.pk, slug=f.slug))
    return page_obj, cards


def follows_of(*, profile, page: int, country: str | None = None):
    """One page of the series the profile follows and may still see, by title. Raises
    django.core.paginator.InvalidPage for a page out of range."""
    from reelhouse.catalog.models import Follow

    followed = Follow.objects.filter(profile=profile).values("series_id")
    series = series_visible(profile, country).filter(pk__in=followed).order_by("title", "pk")
    return Paginator(series, LISTING_PAGE_SIZE, allow_empty_first_page=True).page(page)


def with_my_list(qs, *, profile, field: str):
    """A series or film queryset annotated with `in_list` (and, for series, `following`) for the profile: no extra
    query on the page."""
    if profile is None:
        return qs.annotate(in_list=Value(False), following=Value(False))
    qs = qs.annotate(in_list=Exists(MyListItem.objects.filter(profile=profile, **{field: OuterRef("pk")})))
    if field == "series":
        from reelhouse.catalog.models import Follow
        qs = qs.annotate(following=Exists(Follow.objects.filter(profile=profile, series=OuterRef("pk"))))
    return qs


def genre_listing(*, genre: Genre, page: int, profile=None, country: str | None = None):
    """One page of the series and films of a genre the profile may see, newest first.
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = (entries_visible(profile, country).filter(kind__in=[SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM],
                                               genre_ids__contains=f",{genre.pk},")
               .order_by("-published_at", "-rank_key"))
    page_obj = Paginator(entries, LISTING_PAGE_SIZE).page(page)
    return page_obj, [_card(e) for e in page_obj.object_list]


def az_listing(*, kind: str, letter: str | None, page: int, profile=None, country: str | None = None):
    """One page of series or films in title order, optionally those starting with a letter (or '0' for digits).
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = entries_visible(profile, country).filter(kind=kind).order_by("title_norm", "object_id")
    if letter == "0":
        entries = entries.filter(title_norm__gte="0", title_norm__lt=":")
    elif letter:
        entries = entries.filter(title_norm__gte=letter, title_norm__lt=chr(ord(letter) + 1))
    paginator = Paginator(entries, LISTING_PAGE_SIZE)
    page_obj = paginator.page(page)
    return page_obj, [_card(e) for e in page_obj.object_list]


def calendar(*, profile, days: int = CALENDAR_DAYS) -> list[Episode]:
    """Episodes of followed series airing from today for `days` days, in air order (one query)."""
    if profile is None:
        return []
    today = clock.now().date()
    return list(Episode.objects.filter(maturity_q(profile), maturity_q(profile, "series__maturity"),
                                       series__in=profile.follows.values("series_id"), air_date__gte=today,
                                       air_date__lt=today + dt.timedelta(days=days))
                .select_related("series", "season").order_by("air_date", "series__title", "number")[:CALENDAR_MAX])


# --- search -------------------------------------------------------------------------------------
