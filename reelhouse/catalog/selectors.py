"""Catalog reads for the pages, with their queries tuned: a fixed number per page at any catalog size."""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from reelhouse.catalog import search, textnorm
from reelhouse.catalog.models import Episode, Film, SearchEntry, Season, Series
from reelhouse.core import clock
from reelhouse.playback.models import ResumePoint

ROW_SIZE = 20
NEW_EPISODES_DAYS = 30
CALENDAR_DAYS = 30
CALENDAR_MAX = 200
LISTING_PAGE_SIZE = 48
SEARCH_MAX = 50


def _published_episodes():
    return Episode.objects.filter(published_at__isnull=False, asset__isnull=False)


def series_visible():
    """Series with at least one published episode."""
    return Series.objects.filter(Exists(_published_episodes().filter(series=OuterRef("pk"))))


def films_visible():
    return Film.objects.filter(published_at__isnull=False, asset__isnull=False)


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


def _entry_url(entry: SearchEntry) -> str:
    if entry.kind == SearchEntry.Kind.SERIES:
        return reverse("catalog:series", args=[entry.slug])
    if entry.kind == SearchEntry.Kind.FILM:
        return reverse("catalog:film", args=[entry.slug])
    return reverse("playback:watch", args=[entry.object_id])


def _card(entry: SearchEntry) -> Card:
    return Card(kind=entry.kind, title=entry.title, url=_entry_url(entry), subtitle=entry.subtitle, year=entry.year,
                poster=entry.poster)


def _progress_pct(rp) -> int:
    if rp is None:
        return 0
    if rp.watched:
        return 100
    return round(100 * rp.position_s / rp.duration_s) if rp.duration_s else 0


def continue_watching(*, profile, limit: int = ROW_SIZE) -> list[Card]:
    """Episodes and films the profile started and has not finished, newest first (one query)."""
    if profile is None:
        return []
    points = (ResumePoint.objects.filter(profile=profile, watched=False, position_s__gt=0,
                                         work__published_at__isnull=False)
              .select_related("work__episode__series", "work__episode__season", "work__film")
              .order_by("-updated_at")[:limit])
    cards = []
    for rp in points:
        work = rp.work
        if work.kind == "episode":
            ep = work.episode
            subtitle = f"{ep.series.title} · S{ep.season.number:02d}E{ep.number:02d}"
            poster = ep.series.poster
        else:
            subtitle, poster = "", work.film.poster
        cards.append(Card(kind=work.kind, title=work.title, subtitle=subtitle, poster=poster,
                          url=reverse("playback:watch", args=[work.pk]), progress_pct=_progress_pct(rp)))
    return cards


def new_episodes_followed(*, profile, limit: int = ROW_SIZE) -> list[Card]:
    """Episodes published in the last month of series the profile follows (one query)."""
    if profile is None:
        return []
    since = clock.now() - dt.timedelta(days=NEW_EPISODES_DAYS)
    entries = (SearchEntry.objects.filter(kind=SearchEntry.Kind.EPISODE, published_at__gte=since,
                                          series_id_ref__in=profile.follows.values("series_id"))
               .order_by("-published_at")[:limit])
    return [_card(e) for e in entries]


def recently_added(*, kind: str, limit: int = ROW_SIZE) -> list[Card]:
    return [_card(e) for e in SearchEntry.objects.filter(kind=kind).order_by("-published_at")[:limit]]


def trending(*, limit: int = ROW_SIZE) -> list[Card]:
    """Series and films with the most plays in the last 7 days (counted by search_index_rebuild, not per request)."""
    entries = SearchEntry.objects.filter(
        Q(kind=SearchEntry.Kind.SERIES) | Q(kind=SearchEntry.Kind.FILM), trending__gt=0).order_by("-trending")
    return [_card(e) for e in entries[:limit]]


def home_rows(*, profile, limit: int = ROW_SIZE) -> dict:
    return {
        "continue_watching": continue_watching(profile=profile, limit=limit),
        "new_episodes": new_episodes_followed(profile=profile, limit=limit),
        "trending": trending(limit=limit),
        "series": recently_added(kind=SearchEntry.Kind.SERIES, limit=limit),
        "films": recently_added(kind=SearchEntry.Kind.FILM, limit=limit),
    }


# --- series page --------------------------------------------------------------------------------

class SeasonNotFound(LookupError):
    """The series has no published season with that number."""


def series_page(*, series: Series, profile, season_number: int | None = None) -> dict:
    """One season's published episodes (the first season unless asked) with the profile's progress on each, and
    the season tabs. Four queries whatever the size of the series."""
    seasons = list(
        Season.objects.filter(series=series)
        .annotate(published=Count("episodes", filter=Q(episodes__published_at__isnull=False,
                                                      episodes__asset__isnull=False)))
        .filter(published__gt=0).order_by("number")
    )
    if season_number is None:
        regular = [s for s in seasons if s.number != 0]
        current = (regular or seasons or [None])[0]
    else:
        current = next((s for s in seasons if s.number == season_number), None)
        if current is None:
            raise SeasonNotFound(f"{series.title} has no season {season_number}")
    episodes = list(_published_episodes().filter(season=current).order_by("number")) if current else []
    progress = {}
    if profile is not None and episodes:
        progress = {rp.work_id: rp for rp in ResumePoint.objects.filter(profile=profile,
                                                                        work_id__in=[e.pk for e in episodes])}
    for ep in episodes:
        ep.progress_pct = _progress_pct(progress.get(ep.pk))
    following = profile is not None and series.follows.filter(profile=profile).exists()
    return {"series": series, "seasons": seasons, "season": current, "episodes": episodes, "following": following}


# --- listings and calendar ----------------------------------------------------------------------

def az_listing(*, kind: str, letter: str | None, page: int):
    """One page of series or films in title order, optionally those starting with a letter (or '0' for digits).
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = SearchEntry.objects.filter(kind=kind).order_by("title_norm", "object_id")
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
    return list(Episode.objects.filter(series__in=profile.follows.values("series_id"), air_date__gte=today,
                                       air_date__lt=today + dt.timedelta(days=days))
                .select_related("series", "season").order_by("air_date", "series__title", "number")[:CALENDAR_MAX])


# --- search -------------------------------------------------------------------------------------

def catalog_search(*, query: str, profile=None, limit: int = 20) -> list[Card]:
    """Series, films and episodes matching what was typed: the last word as a prefix, accents and case ignored,
    one typo tolerated in words of 5+ letters when nothing matches exactly. Ranked exact title > title starting
    with the query > title containing its words > synopsis, the popular first within each. At most 5 queries;
    any input (operators, quotes, emoji, control characters, 10,000 characters) gives results or []."""
    words = textnorm.query_tokens(query)
    if not words:
        return []
    limit = max(1, min(int(limit), SEARCH_MAX))
    qnorm = " ".join(words)
    exact = list(SearchEntry.objects.filter(title_norm=qnorm).order_by("-rank_key")[:limit])
    seen = {e.rank_key for e in exact}
    tiers: list[list[int]] = []
    if len(qnorm) >= 2:
        title_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True, column="terms",
                                            limit=limit * 3)
        tiers.append([k for k in title_keys if k not in seen])
        seen.update(title_keys)
        if len(seen) < limit:
            synopsis_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True,
                                                   column="synopsis_terms", limit=limit)
            tiers.append([k for k in synopsis_keys if k not in seen])
            seen.update(synopsis_keys)
    if len(seen) < limit and (groups := search.typo_groups(words)):
        typo_keys = search.match_rank_keys(words=groups, prefix_last=False, column="terms", limit=limit)
        tiers.append([k for k in typo_keys if k not in seen])
    wanted = [k for tier in tiers for k in tier]
    fetched = {e.rank_key: e for e in SearchEntry.objects.filter(rank_key__in=wanted)} if wanted else {}
    ranked = list(exact)
    for i, tier in enumerate(tiers):
        entries = [fetched[k] for k in tier if k in fetched]
        if i == 0:  # titles starting with the query before titles merely containing its words
            entries.sort(key=lambda e: not e.title_norm.startswith(qnorm))
        ranked += entries
    return [_card(e) for e in ranked[:limit]]
