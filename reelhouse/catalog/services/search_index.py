"""The search index: one entry per series, film and episode, synced on change and rebuilt in batches."""

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Max, Q

from reelhouse.catalog import textnorm
from reelhouse.catalog.models import (
    Episode,
    Film,
    Genre,
    SearchEntry,
    Series,
    Work,
)
from reelhouse.catalog.services.availability import (
    EntryRights,
    availability_refresh,
    series_works,
)
from reelhouse.catalog.viewing import viewing
from reelhouse.core import clock

# --- search index -------------------------------------------------------------------------------
# SearchEntry rows are written only here; SQLite's FTS5 table follows them through triggers and PostgreSQL's
# tsvector columns are generated, so keeping the rows right keeps both indexes right.

def _entry(*, kind: str, object_id: int, title: str, synopsis: str = "", popularity: int = 0, trending: int = 0,
           other_titles=(), other_synopses=(), **fields) -> SearchEntry:
    """A search entry; `other_titles` (original and translated titles) and `other_synopses` are searchable too."""
    terms = textnorm.index_terms(title).split()
    for other in other_titles:
        terms += [w for w in textnorm.index_terms(other).split() if w not in terms]
    synopsis_words = textnorm.tokens(" ".join([synopsis, *other_synopses]))
    return SearchEntry(
        kind=kind, object_id=object_id, title=title[:300], title_norm=textnorm.normalized_title(title),
        terms=" ".join(terms), synopsis_terms=" ".join(synopsis_words)[:4000],
        popularity=popularity, trending=trending,
        rank_key=SearchEntry.make_rank_key(kind=kind, object_id=object_id, popularity=popularity), **fields)


def _alt_titles(original_title: str, tr: dict | None) -> list[str]:
    return [t for t in [original_title, *((v.get("title") or "") for v in (tr or {}).values())] if t]


def _alt_synopses(tr: dict | None) -> list[str]:
    return [v["synopsis"] for v in (tr or {}).values() if v.get("synopsis")]


def _entry_translations(tr: dict | None) -> dict | None:
    """What a card needs of a title's translations: its title per language."""
    titles = {lang: {"title": v["title"]} for lang, v in (tr or {}).items() if v.get("title")}
    return titles or None


def _episode_translations(tr: dict | None, series_tr: dict | None, *, title: str, series_title: str,
                          code: str) -> dict | None:
    out = {}
    for lang in set(tr or {}) | set(series_tr or {}):
        ep_title = ((tr or {}).get(lang) or {}).get("title") or title
        s_title = ((series_tr or {}).get(lang) or {}).get("title") or series_title
        out[lang] = {"title": ep_title, "subtitle": f"{s_title} · {code}"}
    return out or None


def _genre_ids(ids) -> str:
    ids = sorted(set(ids))
    return f",{','.join(map(str, ids))}," if ids else ""


def search_entry_for_series(*, series: Series, published_at=None, popularity: int = 0, trending: int = 0,
                            genre_ids=None):
    if genre_ids is None:
        genre_ids = list(series.genres.values_list("pk", flat=True))
    return _entry(kind="series", object_id=series.pk, title=series.title, synopsis=series.synopsis,
                  other_titles=_alt_titles(series.original_title, series.translations),
                  other_synopses=_alt_synopses(series.translations),
                  translations=_entry_translations(series.translations), slug=series.slug, year=series.year,
                  poster=series.poster, published_at=published_at,
                  popularity=popularity, trending=trending, maturity=series.maturity,
                  genre_ids=_genre_ids(genre_ids)[:200])


def search_entry_for_film(*, film: Film, popularity: int = 0, trending: int = 0, genre_ids=None):
    if genre_ids is None:
        genre_ids = list(film.genres.values_list("pk", flat=True))
    return _entry(kind="film", object_id=film.pk, title=film.title, synopsis=film.synopsis, slug=film.slug,
                  other_titles=_alt_titles(film.original_title, film.translations),
                  other_synopses=_alt_synopses(film.translations),
                  translations=_entry_translations(film.translations),
                  year=film.year, poster=film.poster, published_at=film.published_at, popularity=popularity,
                  trending=trending, maturity=film.maturity, genre_ids=_genre_ids(genre_ids)[:200])


def search_entry_for_episode(*, episode: Episode, series_title: str, series_slug: str, season_number: int,
                             popularity: int = 0, trending: int = 0, series_translations: dict | None = None):
    code = f"S{season_number:02d}E{episode.number:02d}"
    return _entry(kind="episode", object_id=episode.pk, title=episode.title, synopsis=episode.synopsis,
                  other_titles=_alt_titles(episode.original_title, episode.translations),
                  other_synopses=_alt_synopses(episode.translations),
                  translations=_episode_translations(episode.translations, series_translations, title=episode.title,
                                                     series_title=series_title, code=code),
                  subtitle=f"{series_title} · {code}", slug=series_slug, series_id_ref=episode.series_id,
                  published_at=episode.published_at, popularity=popularity, trending=trending,
                  maturity=episode.maturity)


def search_entries_sync(*, work: Work) -> None:
    """Index a work that just became available (and its series, now visible); idempotent."""
    if work.kind == Work.Kind.FILM:
        film = Film.objects.get(pk=work.pk)
        entry = search_entry_for_film(film=film)
        SearchEntry.objects.filter(kind="film", object_id=film.pk).delete()
        entry.save()
        availability_refresh(work_ids=[work.pk])
        return
    episode = Episode.objects.select_related("series", "season").get(pk=work.pk)
    series = episode.series
    SearchEntry.objects.filter(kind="episode", object_id=episode.pk).delete()
    search_entry_for_episode(episode=episode, series_title=series.title, series_slug=series.slug,
                             season_number=episode.season.number, series_translations=series.translations).save()
    # Two workers publishing two episodes of a new series at once both reach this point: the series row is
    # inserted by whichever comes first (the other's insert is ignored), and "latest episode" only moves forward.
    SearchEntry.objects.bulk_create([search_entry_for_series(series=series, published_at=episode.published_at)],
                                    ignore_conflicts=True)
    if episode.published_at:
        (SearchEntry.objects.filter(kind="series", object_id=series.pk)
         .filter(Q(published_at__isnull=True) | Q(published_at__lt=episode.published_at))
         .update(published_at=episode.published_at))
    availability_refresh(work_ids=[episode.pk])


def search_entries_refresh(*, title: Series | Work) -> int:
    """Rewrite the search entries of a series (and its episodes) or a work after its texts changed, keeping their
    popularity, trending, maturity and publish date; entries not indexed yet stay absent. Returns rows updated."""
    if isinstance(title, Series):
        series = Series.objects.get(pk=title.pk)
        kept = [(e, search_entry_for_series(series=series, genre_ids=_ids_of(e.genre_ids)))
                for e in SearchEntry.objects.filter(kind="series", object_id=series.pk)]
        episode_ids = list(SearchEntry.objects.filter(kind="episode", series_id_ref=series.pk)
                           .values_list("object_id", flat=True))
    else:
        kept, episode_ids = [], []
        work = Work.objects.get(pk=title.pk)
        if work.kind == Work.Kind.FILM:
            film = Film.objects.get(pk=work.pk)
            kept = [(e, search_entry_for_film(film=film, genre_ids=_ids_of(e.genre_ids)))
                    for e in SearchEntry.objects.filter(kind="film", object_id=film.pk)]
        else:
            episode_ids = list(SearchEntry.objects.filter(kind="episode", object_id=work.pk)
                               .values_list("object_id", flat=True))
    if episode_ids:
        existing = {e.object_id: e for e in SearchEntry.objects.filter(kind="episode", object_id__in=episode_ids)}
        for ep in Episode.objects.filter(pk__in=episode_ids).select_related("series", "season"):
            kept.append((existing[ep.pk], search_entry_for_episode(
                episode=ep, series_title=ep.series.title, series_slug=ep.series.slug,
                season_number=ep.season.number, series_translations=ep.series.translations)))
    fields = ["title", "title_norm", "terms", "synopsis_terms", "subtitle", "translations"]
    for entry, fresh in kept:
        for field in fields:
            setattr(entry, field, getattr(fresh, field))
    SearchEntry.objects.bulk_update([e for e, _ in kept], fields, batch_size=500)
    return len(kept)


def _ids_of(genre_ids: str | None) -> list[int]:
    return [int(x) for x in (genre_ids or "").strip(",").split(",") if x]


def search_index_rebuild(*, progress=None, batch_size: int = 5000) -> int:
    """Rebuild every search entry from the catalog, with popularity (profiles that watched) and trending (plays in
    the last 7 days) recomputed; run by seed_scale and periodically. Returns the number of entries."""
    watched = Counter(viewing().profiles_per_work())
    plays = Counter(viewing().plays_per_work(since=clock.now() - dt.timedelta(days=7)))
    published = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    series_of = dict(published.values_list("pk", "series_id"))
    entry_rights = EntryRights(clock.now())
    series_items = series_works(published, entry_rights)
    series_pop, series_trend = Counter(), Counter()
    for work_id, series_id in series_of.items():
        series_pop[series_id] += watched.get(work_id, 0)
        series_trend[series_id] += plays.get(work_id, 0)
    latest = dict(published.values_list("series_id").annotate(m=Max("published_at")).values_list("series_id", "m"))
    series_genres, film_genres = defaultdict(list), defaultdict(list)
    for series_id, genre_id in Series.genres.through.objects.values_list("series_id", "genre_id").iterator():
        series_genres[series_id].append(genre_id)
    for film_id, genre_id in Film.genres.through.objects.values_list("film_id", "genre_id").iterator():
        film_genres[film_id].append(genre_id)
    published_films = set(Film.objects.filter(published_at__isnull=False, asset__isnull=False)
                          .values_list("pk", flat=True))
    counts = Counter(g for sid, gids in series_genres.items() if sid in latest for g in gids)
    counts.update(g for fid, gids in film_genres.items() if fid in published_films for g in gids)
    for genre in Genre.objects.all():
        if genre.title_count != counts[genre.pk]:
            genre.title_count = counts[genre.pk]
            genre.save(update_fields=["title_count"])
    total = len(latest) + Film.objects.filter(published_at__isnull=False, asset__isnull=False).count() + len(series_of)
    done = 0

    def rights(entry: SearchEntry, items) -> SearchEntry:
        entry.territories, entry.rights_recheck_at = entry_rights.of(items)
        return entry

    def flush(batch):
        nonlocal done
        SearchEntry.objects.bulk_create(batch, batch_size=1000)
        done += len(batch)
        if progress:
            progress(done, total)
        batch.clear()

    with transaction.atomic():
        SearchEntry.objects.all().delete()
        batch = []
        for series in Series.objects.filter(pk__in=list(latest)).iterator(chunk_size=batch_size):
            batch.append(rights(search_entry_for_series(
                series=series, published_at=latest[series.pk], popularity=series_pop[series.pk],
                trending=series_trend[series.pk], genre_ids=series_genres[series.pk]), series_items[series.pk]))
            if len(batch) >= batch_size:
                flush(batch)
        for film in Film.objects.filter(published_at__isnull=False, asset__isnull=False).iterator(
                chunk_size=batch_size):
            batch.append(rights(search_entry_for_film(film=film, popularity=watched[film.pk], trending=plays[film.pk],
                                                      genre_ids=film_genres[film.pk]), [(film.pk, film.licence_id)]))
            if len(batch) >= batch_size:
                flush(batch)
        rows = published.values_list("pk", "title", "synopsis", "number", "series_id", "published_at",
                                     "series__title", "series__slug", "season__number", "maturity",
                                     "original_title", "translations", "series__translations", "licence_id")
        for (pk, title, synopsis, number, series_id, published_at, s_title, s_slug, s_number, maturity,
             original_title, tr, s_tr, licence_id) in rows.iterator(chunk_size=batch_size):
            episode = Episode(pk=pk, title=title, synopsis=synopsis, number=number, series_id=series_id,
                              published_at=published_at, maturity=maturity, original_title=original_title,
                              translations=tr)
            batch.append(rights(search_entry_for_episode(
                episode=episode, series_title=s_title, series_slug=s_slug, season_number=s_number,
                popularity=watched[pk], trending=plays[pk], series_translations=s_tr), [(pk, licence_id)]))
            if len(batch) >= batch_size:
                flush(batch)
        flush(batch)
    return done
