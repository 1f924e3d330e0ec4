"""Catalog reads for the pages, with their queries tuned: a fixed number per page at any catalog size."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, CharField, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, get_urlconf, reverse

from reelhouse.accounts.models import Profile
from reelhouse.catalog import search, textnorm
from reelhouse.catalog.models import (
    CountryTop,
    CoWatch,
    Credit,
    Episode,
    Film,
    Genre,
    MyListItem,
    SearchEntry,
    Season,
    Series,
    Work,
)
from reelhouse.core import clock
from reelhouse.core.countries import country_name
from reelhouse.playback.models import ResumePoint
from reelhouse.rights.models import territory_match_keys
from reelhouse.rights.selectors import licence_available_q

ROW_SIZE = 20
NEW_EPISODES_DAYS = 30
CALENDAR_DAYS = 30
CALENDAR_MAX = 200
LISTING_PAGE_SIZE = 48
EPISODES_PER_PAGE = 50
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


# --- what the viewer's territory may see ----------------------------------------------------------
# `country` is the viewer's ISO 3166-1 alpha-2 code (the account's country); None means no territory filter (operator
# tools, internal reads). Works are checked against their licence at this instant; search entries carry where their
# licences let them be shown (catalog.services.availability_refresh keeps that current).

def viewer_country(code: str | None) -> str:
    """The viewer's country as two upper-case letters; '' for anything else, which sees only worldwide titles."""
    code = (code or "").strip().upper()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else ""


def territory_q(country: str | None) -> Q:
    """Search entries a viewer in `country` may see by licence: unlicensed, worldwide or licensed there."""
    if country is None:
        return Q()
    worldwide, own = territory_match_keys(country)
    return Q(territories__isnull=True) | Q(territories__contains=worldwide) | Q(territories__contains=own)


def _published_episodes(profile=None, country: str | None = None):
    return Episode.objects.filter(maturity_q(profile), licence_available_q(country=country, at=clock.now()),
                                  published_at__isnull=False, asset__isnull=False)


def series_visible(profile=None, country: str | None = None):
    """Series with at least one published episode the profile may see in its territory, rated within its limit."""
    return Series.objects.filter(maturity_q(profile),
                                 Exists(_published_episodes(profile, country).filter(series=OuterRef("pk"))))


def films_visible(profile=None, country: str | None = None):
    """Published films rated within the profile's limit and licensed in its territory now."""
    return Film.objects.filter(maturity_q(profile), licence_available_q(country=country, at=clock.now()),
                               published_at__isnull=False, asset__isnull=False)


# What a card is built from and rows are ordered by: not the indexed words (terms, synopsis_terms), which are most
# of an entry's bytes and which the home page would otherwise fetch for its 200-odd entries.
CARD_FIELDS = ("kind", "object_id", "rank_key", "title", "title_norm", "subtitle", "slug", "year", "poster",
               "translations", "trending", "published_at")


def entries_visible(profile=None, country: str | None = None):
    """Search entries (rows, listings, search) the profile may see in its territory, with what cards show."""
    return SearchEntry.objects.filter(maturity_q(profile), territory_q(country)).only(*CARD_FIELDS)


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
                year=entry.year, poster=entry.poster)


def _progress_pct(rp) -> int:
    if rp is None:
        return 0
    if rp.watched:
        return 100
    return round(100 * rp.position_s / rp.duration_s) if rp.duration_s else 0


def continue_watching(*, profile, country: str | None = None, limit: int = ROW_SIZE) -> list[Card]:
    """Episodes and films the profile started and has not finished and may still watch there, newest first (one
    query)."""
    if profile is None:
        return []
    points = (ResumePoint.objects.filter(maturity_q(profile, "work__maturity"),
                                         licence_available_q(country=country, at=clock.now(), prefix="work__"),
                                         profile=profile, watched=False, position_s__gt=0,
                                         work__published_at__isnull=False)
              .select_related("work__episode__series", "work__episode__season", "work__film")
              .order_by("-updated_at")[:limit])
    cards = []
    for rp in points:
        work = rp.work
        if work.kind == "episode":
            ep = work.episode
            subtitle = f"{ep.series.display_title} · S{ep.season.number:02d}E{ep.number:02d}"
            poster = ep.series.poster
        else:
            subtitle, poster = "", work.film.poster
        cards.append(Card(kind=work.kind, title=work.display_title, subtitle=subtitle, poster=poster,
                          url=reverse("playback:watch", args=[work.pk]), progress_pct=_progress_pct(rp)))
    return cards


TOP_COUNTRY_SIZE = 10


def _latest_cowatched_title(profile) -> tuple[str, int] | None:
    """The series or film the profile watched most recently that has co-watching rows (one query); None if none."""
    if profile is None:
        return None
    series_kind, film_kind = SearchEntry.Kind.SERIES.value, SearchEntry.Kind.FILM.value
    # One EXISTS per kind, each on the (source_kind, source_id) index (a COALESCE over both would hide it on
    # PostgreSQL), and no condition on the work's kind (SQLite would then walk every work of that kind): episodes
    # and films share the work id space, so a work id found among film sources is a film.
    has_rows = (Exists(CoWatch.objects.filter(source_kind=series_kind, source_id=OuterRef("work__episode__series_id")))
                | Exists(CoWatch.objects.filter(source_kind=film_kind, source_id=OuterRef("work_id"))))
    return (ResumePoint.objects.filter(maturity_q(profile, "work__maturity"), has_rows, profile=profile)
            .annotate(title_kind=Case(When(work__kind=Work.Kind.EPISODE, then=Value(series_kind)),
                                      default=Value(film_kind), output_field=CharField()),
                      title_id=Coalesce("work__episode__series_id", "work_id"))
            .order_by("-updated_at").values_list("title_kind", "title_id").first())


def _ranked_branches(tag: str, table, visible, limit: int) -> dict[str, tuple]:
    """Union branches (one per kind, each driven by the small ranking table through the (kind, object_id) index)
    for the entries a ranking queryset names, with their position in it."""
    branches = {}
    for kind in (SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM):
        rows = table.filter(kind=kind)
        position = Subquery(rows.filter(object_id=OuterRef("object_id")).values("position")[:1])
        branches[f"{tag}:{kind}"] = (visible.filter(kind=kind, object_id__in=rows.values("object_id")),
                                     ("row_pos",), limit, position)
    return branches


def _union_sql(branches: dict[str, tuple]) -> tuple[str, list]:
    """Several ordered, LIMITed entry querysets as ONE `UNION ALL` query (each branch keeps its own index scan, where
    an OR of `IN (subquery LIMIT n)` made PostgreSQL scan the whole table); each row carries its branch's `row_tag`
    and `row_pos`. branches: tag -> (queryset, ordering, limit, position expression or None)."""
    parts, params = [], []
    for i, (tag, (qs, order, limit, pos)) in enumerate(branches.items()):
        qs = qs.annotate(row_tag=Value(tag, output_field=CharField()),
                         row_pos=pos if pos is not None else Value(0, output_field=IntegerField()))
        sql, p = qs.order_by(*order)[:limit].query.get_compiler(using=qs.db).as_sql()
        parts.append(f"SELECT * FROM ({sql}) AS row{i}")
        params += p
    return " UNION ALL ".join(parts), params


# Compiling the home union's twenty querysets cost more CPU than running it, so its SQL is compiled once per shape
# (database, maturity rule, which rows apply, genres, row size) and each request only fills in what varies. Which
# parameters vary is found by compiling the shape twice with two sets of stand-in values and comparing: a parameter
# that differs between the two is a slot, named by the stand-in it holds (in whatever form the database layer prepared
# it: SQLite gets timestamps as text, a country arrives inside a LIKE pattern). A differing parameter that matches no
# stand-in is an error at compile time, never a query that silently filters on a stand-in.
_STAND_INS = [{"profile": -7_000_000_001, "source": -7_000_000_002, "country": "\x00COUNTRYA\x00",
               "since": dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC)},
              {"profile": -7_000_000_003, "source": -7_000_000_004, "country": "\x00COUNTRYB\x00",
               "since": dt.datetime(1902, 3, 4, 5, 6, 7, 891, tzinfo=dt.UTC)}]
_home_sql: dict[tuple, tuple[str, list, list[tuple[int, str, object]], list[str]]] = {}


def _prepared_since(value):
    return SearchEntry._meta.get_field("published_at").get_db_prep_value(value, connection)


def _home_compile(*, profile, country, source, genres, limit: int, part: str):
    """(sql, params, slots, row tags) of one shape; slots: (parameter index, stand-in name, compiled parameter)."""
    compiled = []
    for stand in _STAND_INS:
        profile_in = (None if profile is None else
                      Profile(pk=stand["profile"], max_maturity=profile.max_maturity, is_kids=profile.is_kids))
        branches = _home_branches(profile=profile_in, country=None if country is None else stand["country"],
                                  source=(source[0], stand["source"]) if source else None, since=stand["since"],
                                  genres=genres, limit=limit, part=part)
        compiled.append((*_union_sql(branches), list(branches)))
    (sql, params, tags), (sql_b, params_b, _) = compiled
    if sql != sql_b or len(params) != len(params_b):
        raise RuntimeError("home rows: the union's SQL changed with its stand-in values")
    stand = _STAND_INS[0]
    slots = []
    for i, (a, b) in enumerate(zip(params, params_b, strict=True)):
        if a == b:
            continue
        if a == stand["profile"] or a == stand["source"]:
            name = "profile" if a == stand["profile"] else "source"
        elif a == _prepared_since(stand["since"]):
            name = "since"
        elif isinstance(a, str) and stand["country"] in a:
            name = "country"
        else:
            raise RuntimeError(f"home rows: parameter {i} ({a!r}) varies but holds no known stand-in")
        slots.append((i, name, a))
    return sql, params, slots, tags


def _home_union(*, profile, country: str | None, source, since, genres, limit: int,
                part: str) -> dict[str, list[SearchEntry]]:
    key = (connection.vendor, part, repr(maturity_q(profile)), profile is None, country is None, bool(country),
           source[0] if source else None, tuple(g.pk for g in genres), limit)
    if (compiled := _home_sql.get(key)) is None:
        if len(_home_sql) >= 256:  # shapes change only with the biggest genres; never let stale ones pile up
            _home_sql.clear()
        compiled = _home_sql[key] = _home_compile(profile=profile, country=country, source=source, genres=genres,
                                                  limit=limit, part=part)
    sql, params, slots, tags = compiled
    real = {"profile": profile.pk if profile is not None else None, "source": source[1] if source else None,
            "since": _prepared_since(since)}
    params = list(params)
    for i, name, template in slots:
        # The country stands alone (top 10) or inside a LIKE pattern; it is two letters or '' (viewer_country).
        params[i] = template.replace(_STAND_INS[0]["country"], country or "") if name == "country" else real[name]
    out: dict[str, list[SearchEntry]] = {tag: [] for tag in tags}
    for entry in SearchEntry.objects.raw(sql, params):
        out[entry.row_tag].append(entry)
    return out


def _home_branches(*, profile, country, source, since, genres, limit: int, part: str) -> dict[str, tuple]:
    """The union branches of the home rows: one per row and kind, each an index scan with its LIMIT. part="shared":
    the rows every profile with the same age limit in the same country sees (trending, recently added, genres, top
    10); part="personal": the profile's own (My List, new episodes of followed series, because you watched X)."""
    series_kind, film_kind = SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM
    visible = entries_visible(profile, country)
    newest = ("-published_at", "-rank_key")
    branches = {}
    if part == "shared":
        for kind in (series_kind, film_kind):  # one branch per kind: each walks its (kind, ...) index in order
            branches[f"trending:{kind}"] = (visible.filter(kind=kind, trending__gt=0), ("-trending", "-rank_key"),
                                            limit, None)
            branches[f"new:{kind}"] = (visible.filter(kind=kind), newest, limit, None)
            for genre in genres:
                branches[f"genre:{genre.pk}:{kind}"] = (
                    visible.filter(kind=kind, genre_ids__contains=f",{genre.pk},"), newest, limit, None)
        if country:
            branches.update(_ranked_branches("top", CountryTop.objects.filter(country=country), visible,
                                             TOP_COUNTRY_SIZE))
        return branches
    if profile is not None:
        items = MyListItem.objects.filter(profile=profile)
        listed = {series_kind: items.filter(series__isnull=False).values("series_id"),
                  film_kind: items.filter(film__isnull=False).values("film_id")}
        for kind, ids in listed.items():
            branches[f"my_list:{kind}"] = (visible.filter(kind=kind, object_id__in=ids), newest, limit, None)
        branches["new_episodes"] = (visible.filter(kind=SearchEntry.Kind.EPISODE, published_at__gte=since,
                                                   series_id_ref__in=profile.follows.values("series_id")),
                                    newest, limit, None)
    if source is not None:
        branches.update(_ranked_branches("because", CoWatch.objects.filter(source_kind=source[0], source_id=source[1]),
                                         visible, limit))
        branches["because_of"] = (visible.filter(kind=source[0], object_id=source[1]), ("pk",), 1, None)
    return branches


# The shared rows are the same for every profile with the same age limit in the same country, and the costliest part
# of the home page: each process keeps them for REELHOUSE_HOME_CACHE_SECONDS (30 s; 0, off, in tests), so a title
# published or a licence window passed shows on the home page within that time (search and title pages at once).
_shared_cache: dict[tuple, tuple[dt.datetime, dict[str, list[SearchEntry]]]] = {}


def _shared_rows(*, profile, country, genres, limit: int) -> dict[str, list[SearchEntry]]:
    seconds = getattr(settings, "REELHOUSE_HOME_CACHE_SECONDS", 30)
    if seconds <= 0:
        return _home_union(profile=profile, country=country, source=None, since=None, genres=genres, limit=limit,
                           part="shared")
    key = (connection.alias, connection.settings_dict["NAME"], repr(maturity_q(profile)), country,
           tuple(g.pk for g in genres), limit)
    now = clock.now()
    hit = _shared_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = _home_union(profile=profile, country=country, source=None, since=None, genres=genres, limit=limit,
                       part="shared")
    if len(_shared_cache) >= 512:  # a key per age limit, country and genre set: drop them all rather than grow
        _shared_cache.clear()
    _shared_cache[key] = (now + dt.timedelta(seconds=seconds), rows)
    return rows


def _newest_first(entries, field: str, limit: int) -> list[SearchEntry]:
    unique = {e.pk: e for e in entries}.values()
    return sorted(unique, key=lambda e: (getattr(e, field) is not None, getattr(e, field) or 0, e.rank_key),
                  reverse=True)[:limit]


def home_rows(*, profile, country: str | None = None, limit: int = ROW_SIZE,
              genre_rows: int = HOME_GENRE_ROWS) -> dict:
    """The home rows, each holding only what the profile may see in the viewer's country now. Everything but
    continue watching comes from two UNION ALLs of small index scans: the shared rows (trending, recently added, the
    biggest genres, top 10 in the viewer's country; kept a while per process, see _shared_rows) and the profile's
    own (My List, new episodes of followed series, because you watched X), so the page costs the same few queries
    whatever the catalog's size."""
    country = None if country is None else viewer_country(country)
    genres = list(Genre.objects.filter(title_count__gt=0).order_by("-title_count", "name")[:genre_rows])
    source = _latest_cowatched_title(profile)
    since = clock.now() - dt.timedelta(days=NEW_EPISODES_DAYS)
    rows = dict(_shared_rows(profile=profile, country=country, genres=genres, limit=limit))
    if profile is not None or source is not None:
        rows |= _home_union(profile=profile, country=country, source=source, since=since, genres=genres,
                            limit=limit, part="personal")
    series_kind, film_kind = SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM

    def merged(prefix: str, field: str) -> list[Card]:
        entries = [e for tag, found in rows.items() if tag.startswith(prefix) for e in found]
        return [_card(e) for e in _newest_first(entries, field, limit)]

    def ranked(prefix: str, size: int) -> list[Card]:
        entries = [e for tag, found in rows.items() if tag.startswith(prefix) for e in found]
        return [_card(e) for e in sorted(entries, key=lambda e: e.row_pos)[:size]]

    because_of = rows.get("because_of") or []
    return {
        "continue_watching": continue_watching(profile=profile, country=country, limit=limit),
        "new_episodes": [_card(e) for e in _newest_first(rows.get("new_episodes", []), "published_at", limit)],
        "trending": merged("trending:", "trending"),
        "series": merged(f"new:{series_kind}", "published_at"),
        "films": merged(f"new:{film_kind}", "published_at"),
        "my_list": merged("my_list:", "published_at"),
        "genre_rows": [(genre, cards) for genre in genres if (cards := merged(f"genre:{genre.pk}:", "published_at"))],
        "top_country": ranked("top:", TOP_COUNTRY_SIZE),
        "country": country_name(country) if country else "",
        "because": ranked("because:", limit) if because_of else [],
        "because_of": _card(because_of[0]) if because_of else None,
    }


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
                              year=s.year, poster=s.poster))
        else:
            f = item.film
            cards.append(Card(kind="film", title=f.display_title, url=reverse("catalog:film", args=[f.slug]),
                              year=f.year, poster=f.poster))
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


def genre_listing(*, genre: Genre, page: int, profile=None, country: str | None = None):
    """One page of the series and films of a genre the profile may see, newest first.
    Raises django.core.paginator.InvalidPage for a page out of range."""
    entries = (entries_visible(profile, country).filter(kind__in=[SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM],
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


def series_page(*, series: Series, profile, season_number: int | None = None, page: int = 1,
                country: str | None = None) -> dict:
    """One season's published episodes (the first season unless asked), a page of EPISODES_PER_PAGE at a time (a
    daily show's season has 250), with the profile's progress on each, and the season tabs. A fixed number of
    queries whatever the size of the series. Raises SeasonNotFound for an unknown season or a page out of range."""
    seasons = list(
        Season.objects.filter(series=series)
        .annotate(published=Count("episodes", filter=Q(
            maturity_q(profile, "episodes__maturity"),
            licence_available_q(country=country, at=clock.now(), prefix="episodes__"),
            episodes__published_at__isnull=False, episodes__asset__isnull=False)))
        .filter(published__gt=0).order_by("number")
    )
    if season_number is None:
        regular = [s for s in seasons if s.number != 0]
        current = (regular or seasons or [None])[0]
    else:
        current = next((s for s in seasons if s.number == season_number), None)
        if current is None:
            raise SeasonNotFound(f"{series.title} has no season {season_number}")
    # The season's count comes with the tabs, so paging costs no COUNT query.
    pages = max(1, -(-current.published // EPISODES_PER_PAGE)) if current else 1
    if not 1 <= page <= pages:
        raise SeasonNotFound(f"{series.title}: page {page} is out of range (1 to {pages})")
    start = (page - 1) * EPISODES_PER_PAGE
    episodes = (list(_published_episodes(profile, country).filter(season=current).order_by("number")
                     [start:start + EPISODES_PER_PAGE]) if current else [])
    progress = {}
    if profile is not None and episodes:
        progress = {rp.work_id: rp for rp in ResumePoint.objects.filter(profile=profile,
                                                                        work_id__in=[e.pk for e in episodes])}
    # Links and codes built here, not by a {% url %} per row (a long season renders hundreds of rows).
    for ep in episodes:
        ep.progress_pct = _progress_pct(progress.get(ep.pk))
        ep.watch_url = _watch_url(ep.pk)
        ep.season_code = f"S{current.number:02d}E{ep.number:02d}"
    following = getattr(series, "following", None)
    if following is None:
        following = profile is not None and series.follows.filter(profile=profile).exists()
    return {"series": series, "seasons": seasons, "season": current, "episodes": episodes, "following": following,
            "in_list": getattr(series, "in_list", False), "episode_page": page, "episode_pages": pages,
            **title_details(series=series)}


# --- listings and calendar ----------------------------------------------------------------------

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

def catalog_search(*, query: str, profile=None, country: str | None = None, limit: int = 20) -> list[Card]:
    """Series, films and episodes matching what was typed: the last word as a prefix, accents and case ignored,
    one typo tolerated in words of 5+ letters when nothing matches exactly. Ranked exact title > title starting
    with the query > title containing its words > synopsis, the popular first within each. At most 5 queries;
    any input (operators, quotes, emoji, control characters, 10,000 characters) gives results or []."""
    words = textnorm.query_tokens(query)
    if not words:
        return []
    limit = max(1, min(int(limit), SEARCH_MAX))
    qnorm = " ".join(words)
    country = None if country is None else viewer_country(country)
    visible = entries_visible(profile, country)
    limited = bool(maturity_q(profile))
    exact = list(visible.filter(title_norm=qnorm).order_by("-rank_key")[:limit])
    seen = {e.rank_key for e in exact}
    tiers: list[list[int]] = []
    if len(qnorm) >= 2:
        title_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True, column="terms",
                                            limit=limit * 3, profile=profile if limited else None, country=country)
        tiers.append([k for k in title_keys if k not in seen])
        seen.update(title_keys)
        if len(seen) < limit:
            synopsis_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True,
                                                   column="synopsis_terms", limit=limit,
                                                   profile=profile if limited else None, country=country)
            tiers.append([k for k in synopsis_keys if k not in seen])
            seen.update(synopsis_keys)
    if len(seen) < limit and (groups := search.typo_groups(words)):
        typo_keys = search.match_rank_keys(words=groups, prefix_last=False, column="terms", limit=limit,
                                           profile=profile if limited else None, country=country)
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
