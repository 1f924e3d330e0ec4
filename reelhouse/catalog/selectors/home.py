"""The home page's rows: two UNION ALLs of small index scans compiled once per shape (shared and personal),
and the per-process cache of the shared rows."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import CharField, IntegerField, OuterRef, Q, Subquery, Value
from django.urls import reverse

from reelhouse.accounts.models import Profile
from reelhouse.catalog.models import (
    CountryTop,
    CoWatch,
    Episode,
    Film,
    Genre,
    MyListItem,
    SearchEntry,
    Series,
)
from reelhouse.catalog.selectors.cards import Card, _card, continue_watching
from reelhouse.catalog.selectors.conf import HOME_GENRE_ROWS, NEW_EPISODES_DAYS, ROW_SIZE
from reelhouse.catalog.selectors.visibility import entries_visible, maturity_q, viewer_country
from reelhouse.catalog.translations import localized_text
from reelhouse.catalog.viewing import viewing
from reelhouse.core import clock
from reelhouse.core.countries import country_name
from reelhouse.rights.lifecycle import leaving_until, licence_continues_q, licence_ends_by_q
from reelhouse.rights.selectors import withdrawals_stamp

TOP_COUNTRY_SIZE = 10


def _latest_cowatched_title(profile) -> tuple[str, int] | None:
    """The series or film the profile watched most recently that has co-watching rows (one query); None if none."""
    return None if profile is None else viewing().latest_cowatched_title(profile=profile)


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
               "since": dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC),
               "until": dt.datetime(1903, 4, 5, 6, 7, 8, 912, tzinfo=dt.UTC)},
              {"profile": -7_000_000_003, "source": -7_000_000_004, "country": "\x00COUNTRYB\x00",
               "since": dt.datetime(1902, 3, 4, 5, 6, 7, 891, tzinfo=dt.UTC),
               "until": dt.datetime(1904, 5, 6, 7, 8, 9, 123, tzinfo=dt.UTC)}]
_home_sql: dict[tuple, tuple[str, list, list[tuple[int, str, object]], list[str]]] = {}


def _prepared_since(value):
    return SearchEntry._meta.get_field("published_at").get_db_prep_value(value, connection)


def _home_compile(*, branches_of, profile, country, source, genres, limit: int):
    """(sql, params, slots, row tags) of one shape; slots: (parameter index, stand-in name, compiled parameter)."""
    compiled = []
    for stand in _STAND_INS:
        profile_in = (None if profile is None else
                      Profile(pk=stand["profile"], max_maturity=profile.max_maturity, is_kids=profile.is_kids))
        # '' (a viewer with no country) is its own shape: it has no Top 10 and sees worldwide titles only.
        branches = branches_of(profile=profile_in, country=stand["country"] if country else country,
                                  source=(source[0], stand["source"]) if source else None, since=stand["since"],
                                  until=stand["until"], genres=genres, limit=limit)
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
        elif a == _prepared_since(stand["until"]):
            name = "until"
        elif isinstance(a, str) and stand["country"] in a:
            name = "country"
        else:
            raise RuntimeError(f"home rows: parameter {i} ({a!r}) varies but holds no known stand-in")
        slots.append((i, name, a))
    return sql, params, slots, tags


def _home_union(*, branches_of, profile, country: str | None, source, since, genres, limit: int,
                until=None) -> dict[str, list[SearchEntry]]:
    """The rows `branches_of` (shared_branches or personal_branches) names, from SQL compiled once per shape."""
    key = (connection.vendor, branches_of.__name__, repr(maturity_q(profile)), profile is None, country is None,
           bool(country), source[0] if source else None, tuple(g.pk for g in genres), limit)
    if (compiled := _home_sql.get(key)) is None:
        if len(_home_sql) >= 256:  # shapes change only with the biggest genres; never let stale ones pile up
            _home_sql.clear()
        compiled = _home_sql[key] = _home_compile(branches_of=branches_of, profile=profile, country=country,
                                                  source=source, genres=genres, limit=limit)
    sql, params, slots, tags = compiled
    real = {"profile": profile.pk if profile is not None else None, "source": source[1] if source else None,
            "since": _prepared_since(since), "until": _prepared_since(until)}
    params = list(params)
    for i, name, template in slots:
        # The country stands alone (top 10) or inside a LIKE pattern; it is two letters or '' (viewer_country).
        params[i] = template.replace(_STAND_INS[0]["country"], country or "") if name == "country" else real[name]
    out: dict[str, list[SearchEntry]] = {tag: [] for tag in tags}
    for entry in SearchEntry.objects.raw(sql, params):
        out[entry.row_tag].append(entry)
    return out


NEWEST = ("-published_at", "-rank_key")


def shared_branches(*, profile, country, source, since, genres, limit: int, until=None) -> dict[str, tuple]:
    """The union branches of the rows every profile with the same age limit in the same country sees: trending,
    recently added, the biggest genres, top 10 in the country, leaving soon (titles whose licences in the country
    all end by `until`; rights.lifecycle says when a title leaves). Source and since play no part. One branch per
    row and kind, each an index scan with its LIMIT."""
    visible = entries_visible(profile, country)
    branches = {}
    for kind in (SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM):  # one per kind: each walks its (kind, ...) index
        branches[f"trending:{kind}"] = (visible.filter(kind=kind, trending__gt=0), ("-trending", "-rank_key"),
                                        limit, None)
        branches[f"new:{kind}"] = (visible.filter(kind=kind), NEWEST, limit, None)
        for genre in genres:
            branches[f"genre:{genre.pk}:{kind}"] = (
                visible.filter(kind=kind, genre_ids__contains=f",{genre.pk},"), NEWEST, limit, None)
    if country:
        branches.update(_ranked_branches("top", CountryTop.objects.filter(country=country), visible,
                                         TOP_COUNTRY_SIZE))
    if country is not None and until is not None:
        branches.update(_leaving_branches(visible, country=country, until=until, limit=limit))
    return branches


def _leaving_branches(visible, *, country: str, until, limit: int) -> dict[str, tuple]:
    """Films whose licence in the country ends by `until`; series none of whose published episodes stays on after
    it (an episode without a licence, open-ended or ending later keeps the series on)."""
    films = (Film.objects.filter(licence_ends_by_q(country=country, until=until), published_at__isnull=False,
                                 asset__isnull=False).values("pk"))
    episodes = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    ending = episodes.filter(licence_ends_by_q(country=country, until=until)).values("series_id")
    staying = episodes.filter(Q(licence__isnull=True) | licence_continues_q(country=country, until=until))
    return {f"leaving:{SearchEntry.Kind.FILM}": (visible.filter(kind=SearchEntry.Kind.FILM, object_id__in=films),
                                                 NEWEST, limit, None),
            f"leaving:{SearchEntry.Kind.SERIES}": (
                visible.filter(kind=SearchEntry.Kind.SERIES, object_id__in=ending)
                .exclude(object_id__in=staying.values("series_id")), NEWEST, limit, None)}


def personal_branches(*, profile, country, source, since, genres, limit: int, until=None) -> dict[str, tuple]:
    """The union branches of the profile's own rows: My List, new episodes (published since `since`) of followed
    series, because you watched `source` (genres play no part)."""
    visible = entries_visible(profile, country)
    branches = {}
    if profile is not None:
        items = MyListItem.objects.filter(profile=profile)
        listed = {SearchEntry.Kind.SERIES: items.filter(series__isnull=False).values("series_id"),
                  SearchEntry.Kind.FILM: items.filter(film__isnull=False).values("film_id")}
        for kind, ids in listed.items():
            branches[f"my_list:{kind}"] = (visible.filter(kind=kind, object_id__in=ids), NEWEST, limit, None)
        branches["new_episodes"] = (visible.filter(kind=SearchEntry.Kind.EPISODE, published_at__gte=since,
                                                   series_id_ref__in=profile.follows.values("series_id")),
                                    NEWEST, limit, None)
    if source is not None:
        branches.update(_ranked_branches("because", CoWatch.objects.filter(source_kind=source[0], source_id=source[1]),
                                         visible, limit))
        branches["because_of"] = (visible.filter(kind=source[0], object_id=source[1]), ("pk",), 1, None)
    return branches


# The shared rows are the same for every profile with the same age limit in the same country, and the costliest part
# of the home page: each process keeps them for REELHOUSE_HOME_CACHE_SECONDS (30 s; 0, off, in tests), so a title
# published or a licence window passed shows on the home page within that time (search and title pages at once). A
# takedown does not wait: the copy is kept with rights' withdrawals stamp and dropped when it changes.
_shared_cache: dict[tuple, tuple[dt.datetime, tuple, dict[str, list[SearchEntry]]]] = {}


def _shared_rows(*, profile, country, genres, limit: int) -> dict[str, list[SearchEntry]]:
    seconds = getattr(settings, "REELHOUSE_HOME_CACHE_SECONDS", 30)
    until = leaving_until(clock.now())
    if seconds <= 0:
        return _home_union(branches_of=shared_branches, profile=profile, country=country, source=None, since=None,
                           genres=genres, limit=limit, until=until)
    key = (connection.alias, connection.settings_dict["NAME"], repr(maturity_q(profile)), country,
           tuple(g.pk for g in genres), limit)
    now = clock.now()
    stamp = withdrawals_stamp()  # a takedown empties the cache at once, in every process
    hit = _shared_cache.get(key)
    if hit is not None and hit[0] > now and hit[1] == stamp:
        return hit[2]
    rows = _home_union(branches_of=shared_branches, profile=profile, country=country, source=None, since=None,
                       genres=genres, limit=limit, until=until)
    if len(_shared_cache) >= 512:  # a key per age limit, country and genre set: drop them all rather than grow
        _shared_cache.clear()
    _shared_cache[key] = (now + dt.timedelta(seconds=seconds), stamp, rows)
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
        rows |= _home_union(branches_of=personal_branches, profile=profile, country=country, source=source,
                            since=since, genres=genres, limit=limit, until=None)
    series_kind, film_kind = SearchEntry.Kind.SERIES, SearchEntry.Kind.FILM

    def merged(prefix: str, field: str) -> list[Card]:
        entries = [e for tag, found in rows.items() if tag.startswith(prefix) for e in found]
        return [_card(e) for e in _newest_first(entries, field, limit)]

    def ranked(prefix: str, size: int) -> list[Card]:
        entries = [e for tag, found in rows.items() if tag.startswith(prefix) for e in found]
        return [_card(e) for e in sorted(entries, key=lambda e: e.row_pos)[:size]]

    because_of = rows.get("because_of") or []
    shown = {
        "continue_watching": continue_watching(profile=profile, country=country, limit=limit),
        "new_episodes": [_card(e) for e in _newest_first(rows.get("new_episodes", []), "published_at", limit)],
        "trending": merged("trending:", "trending"),
        "leaving_soon": merged("leaving:", "published_at"),
        "series": merged(f"new:{series_kind}", "published_at"),
        "films": merged(f"new:{film_kind}", "published_at"),
        "my_list": merged("my_list:", "published_at"),
        "genre_rows": [(genre, cards) for genre in genres if (cards := merged(f"genre:{genre.pk}:", "published_at"))],
        "top_country": ranked("top:", TOP_COUNTRY_SIZE),
        "country": country_name(country) if country else "",
        "because": ranked("because:", limit) if because_of else [],
        "because_of": _card(because_of[0]) if because_of else None,
    }
    return shown | {"hero": home_hero(rows=shown)}


def home_hero(*, rows: dict) -> dict | None:
    """The title the home page opens on, as the leading services open on one: the first series or film of the Top
    10, then trending, then the newest, preferring one with a backdrop; its synopsis and backdrop come in one query
    (the rows' cards carry neither). None on an empty catalog."""
    cards = [c for key in ("top_country", "trending", "series", "films") for c in rows.get(key) or []
             if c.kind in ("series", "film") and c.object_id][:12]
    if not cards:
        return None
    series_ids = [c.object_id for c in cards if c.kind == "series"]
    film_ids = [c.object_id for c in cards if c.kind == "film"]
    fields = ("hero_kind", "pk", "fanart", "synopsis", "translations")
    series = Series.objects.filter(pk__in=series_ids).order_by().annotate(hero_kind=Value("series", CharField()))
    films = Film.objects.filter(pk__in=film_ids).order_by().annotate(hero_kind=Value("film", CharField()))
    both = series.values_list(*fields).union(films.values_list(*fields), all=True)
    found = {(kind, pk): {"fanart": fanart, "synopsis": synopsis, "translations": translations}
             for kind, pk, fanart, synopsis, translations in both}
    ranked = sorted(cards, key=lambda c: not (found.get((c.kind, c.object_id)) or {}).get("fanart"))
    card = ranked[0]
    row = found.get((card.kind, card.object_id)) or {}
    synopsis = localized_text(row.get("translations") or {}, "synopsis", row.get("synopsis", ""))
    play = reverse("playback:watch", args=[card.object_id]) if card.kind == "film" else card.url
    return {"card": card, "backdrop": row.get("fanart", ""), "synopsis": synopsis, "play_url": play}
