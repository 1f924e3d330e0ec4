"""Catalog reads for the pages, with their queries tuned: a fixed number per page at any catalog size."""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.urls import reverse

from reelhouse.catalog import search, textnorm
from reelhouse.catalog.models import Credit, Episode, Film, Genre, MyListItem, SearchEntry, Season, Series
from reelhouse.core import clock
from reelhouse.playback.models import ResumePoint

ROW_SIZE = 20
NEW_EPISODES_DAYS = 30
CALENDAR_DAYS = 30
CALENDAR_MAX = 200
LISTING_PAGE_SIZE = 48
SEARCH_MAX = 50
HOME_GENRE_ROWS = 3


ADULT_AGE = 18


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


def _published_episodes(profile=None):
    return Episode.objects.filter(maturity_q(profile), published_at__isnull=False, asset__isnull=False)


def series_visible(profile=None):
    """Series with at least one published episode the profile may see, rated within its limit."""
    return Series.objects.filter(maturity_q(profile),
                                 Exists(_published_episodes(profile).filter(series=OuterRef("pk"))))


def films_visible(profile=None):
    """Published films rated within the profile's limit."""
    return Film.objects.filter(maturity_q(profile), published_at__isnull=False, asset__isnull=False)


def entries_visible(profile=None):
    """Search entries (rows, listings, search) the profile may see."""
    return SearchEntry.objects.filter(maturity_q(profile))


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
    points = (ResumePoint.objects.filter(maturity_q(profile, "work__maturity"), profile=profile, watched=False,
                                         position_s__gt=0, work__published_at__isnull=False)
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
    entries = (entries_visible(profile).filter(kind=SearchEntry.Kind.EPISODE, published_at__gte=since,
                                          series_id_ref__in=profile.follows.values("series_id"))
               .order_by("-published_at")[:limit])
    return [_card(e) for e in entries]


def recently_added(*, kind: str, profile=None, limit: int = ROW_SIZE) -> list[Card]:
    return [_card(e) for e in entries_visible(profile).filter(kind=kind).order_by("-published_at")[:limit]]


def trending(*, profile=None, limit: int = ROW_SIZE) -> list[Card]:
    """Series and films with the most plays in the last 7 days (counted by search_index_rebuild, not per request)."""
    entries = entries_visible(profile).filter(
        Q(kind=SearchEntry.Kind.SERIES) | Q(kind=SearchEntry.Kind.FILM), trending__gt=0).order_by("-trending")
    return [_card(e) for e in entries[:limit]]


def _in_list_q(profile) -> Q:
    items = MyListItem.objects.filter(profile=profile)
    return (Q(kind=SearchEntry.Kind.SERIES, object_id__in=items.filter(series__isnull=False).values("series_id"))
            | Q(kind=SearchEntry.Kind.FILM, object_id__in=items.filter(film__isnull=False).values("film_id")))


def home_rows(*, profile, limit: int = ROW_SIZE, genre_rows: int = HOME_GENRE_ROWS) -> dict:
    """The home rows. Trending, recently added series and films, My List and the biggest genres come from one
    query (each row a LIMITed subquery, split again here), so the page costs the same whatever it shows."""
    titles = entries_visible(profile).filter(kind__in=[SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM])
    genres = list(Genre.objects.filter(title_count__gt=0).order_by("-title_count", "name")[:genre_rows])
    rows = {
        "trending": (lambda e: e.trending > 0, "-trending", titles.filter(trending__gt=0)),
        "series": (lambda e: e.kind == SearchEntry.Kind.SERIES, "-published_at",
                   titles.filter(kind=SearchEntry.Kind.SERIES)),
        "films": (lambda e: e.kind == SearchEntry.Kind.FILM, "-published_at",
                  titles.filter(kind=SearchEntry.Kind.FILM)),
    }
    if profile is not None:
        rows["my_list"] = (lambda e: e.listed, "-published_at", titles.filter(_in_list_q(profile)))
    for genre in genres:
        tag = f",{genre.pk},"
        rows[f"genre:{genre.pk}"] = (lambda e, tag=tag: tag in (e.genre_ids or ""), "-published_at",
                                     titles.filter(genre_ids__contains=tag))
    wanted = Q()
    for _, order, qs in rows.values():
        wanted |= Q(pk__in=qs.order_by(order, "-rank_key").values("pk")[:limit])
    listed = Case(When(_in_list_q(profile), then=True), default=False) if profile is not None else Value(False)
    entries = list(SearchEntry.objects.filter(wanted).annotate(listed=listed))
    split = {}
    for name, (keep, order, _) in rows.items():
        field = order.lstrip("-")
        chosen = sorted((e for e in entries if keep(e)),
                        key=lambda e: (getattr(e, field) is not None, getattr(e, field) or 0, e.rank_key),
                        reverse=True)
        split[name] = [_card(e) for e in chosen[:limit]]
    return {
        "continue_watching": continue_watching(profile=profile, limit=limit),
        "new_episodes": new_episodes_followed(profile=profile, limit=limit),
        "trending": split["trending"],
        "series": split["series"],
        "films": split["films"],
        "my_list": split.get("my_list", []),
        "genre_rows": [(genre, split[f"genre:{genre.pk}"]) for genre in genres if split[f"genre:{genre.pk}"]],
    }


def my_list(*, profile, page: int):
    """One page of the profile's My List, most recently added first (titles it may no longer see left out).
    Raises django.core.paginator.InvalidPage for a page out of range."""
    items = (MyListItem.objects.filter(profile=profile)
             .filter(Q(series__isnull=True) | Q(series__in=series_visible(profile)))
             .filter(Q(film__isnull=True) | Q(film__in=films_visible(profile)))
             .select_related("series", "film").order_by("-created_at", "-id"))
    page_obj = Paginator(items, LISTING_PAGE_SIZE, allow_empty_first_page=True).page(page)
    cards = []
    for item in page_obj.object_list:
        if item.series_id:
            s = item.series
            cards.append(Card(kind="series", title=s.title, url=reverse("catalog:series", args=[s.slug]),
                              year=s.year, poster=s.poster))
        else:
            f = item.film
            cards.append(Card(kind="film", title=f.title, url=reverse("catalog:film", args=[f.slug]), year=f.year,
                              poster=f.poster))
    return page_obj, cards


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


def genre_listing(*, genre: Genre, page: int, profile=None):
    """One page of the series and films of a genre the profile may see, newest first.
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = (entries_visible(profile).filter(kind__in=[SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM],
                                               genre_ids__contains=f",{genre.pk},")
               .order_by("-published_at", "-rank_key"))
    page_obj = Paginator(entries, LISTING_PAGE_SIZE).page(page)
    return page_obj, [_card(e) for e in page_obj.object_list]


def title_details(*, series: Series | None = None, film: Film | None = None, with_genres: bool = True) -> dict:
    """Genres (one query, skipped when not asked) and credits (one query): directors, writers, first actors."""
    title = series if series is not None else film
    credits = list(Credit.objects.filter(**{"series" if series is not None else "film": title})
                   .select_related("person").order_by("role", "order", "id")[:40])
    return {
        "genres": list(title.genres.all()) if with_genres else [],
        "directors": [c for c in credits if c.role == Credit.Role.DIRECTOR],
        "writers": [c for c in credits if c.role == Credit.Role.WRITER],
        "cast": [c for c in credits if c.role == Credit.Role.ACTOR][:15],
    }


# --- series page --------------------------------------------------------------------------------

class SeasonNotFound(LookupError):
    """The series has no published season with that number."""


def series_page(*, series: Series, profile, season_number: int | None = None) -> dict:
    """One season's published episodes (the first season unless asked) with the profile's progress on each, and
    the season tabs. Four queries whatever the size of the series."""
    seasons = list(
        Season.objects.filter(series=series)
        .annotate(published=Count("episodes", filter=Q(maturity_q(profile, "episodes__maturity"),
                                                      episodes__published_at__isnull=False,
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
    episodes = list(_published_episodes(profile).filter(season=current).order_by("number")) if current else []
    progress = {}
    if profile is not None and episodes:
        progress = {rp.work_id: rp for rp in ResumePoint.objects.filter(profile=profile,
                                                                        work_id__in=[e.pk for e in episodes])}
    for ep in episodes:
        ep.progress_pct = _progress_pct(progress.get(ep.pk))
    following = getattr(series, "following", None)
    if following is None:
        following = profile is not None and series.follows.filter(profile=profile).exists()
    return {"series": series, "seasons": seasons, "season": current, "episodes": episodes, "following": following,
            "in_list": getattr(series, "in_list", False), **title_details(series=series)}


# --- listings and calendar ----------------------------------------------------------------------

def az_listing(*, kind: str, letter: str | None, page: int, profile=None):
    """One page of series or films in title order, optionally those starting with a letter (or '0' for digits).
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = entries_visible(profile).filter(kind=kind).order_by("title_norm", "object_id")
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
    visible = entries_visible(profile)
    limited = bool(maturity_q(profile))
    exact = list(visible.filter(title_norm=qnorm).order_by("-rank_key")[:limit])
    seen = {e.rank_key for e in exact}
    tiers: list[list[int]] = []
    if len(qnorm) >= 2:
        title_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True, column="terms",
                                            limit=limit * 3, profile=profile if limited else None)
        tiers.append([k for k in title_keys if k not in seen])
        seen.update(title_keys)
        if len(seen) < limit:
            synopsis_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True,
                                                   column="synopsis_terms", limit=limit,
                                                   profile=profile if limited else None)
            tiers.append([k for k in synopsis_keys if k not in seen])
            seen.update(synopsis_keys)
    if len(seen) < limit and (groups := search.typo_groups(words)):
        typo_keys = search.match_rank_keys(words=groups, prefix_last=False, column="terms", limit=limit,
                                           profile=profile if limited else None)
        tiers.append([k for k in typo_keys if k not in seen])
    wanted = [k for tier in tiers for k in tier]
    fetched = {e.rank_key: e for e in visible.filter(rank_key__in=wanted)} if wanted else {}
    ranked = list(exact)
    for i, tier in enumerate(tiers):
        entries = [fetched[k] for k in tier if k in fetched]
        if i == 0:  # titles starting with the query before titles merely containing its words
            entries.sort(key=lambda e: not e.title_norm.startswith(qnorm))
        ranked += entries
    return [_card(e) for e in ranked[:limit]]
