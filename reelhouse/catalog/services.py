"""Catalog writes: create works from identified deliveries, import their artwork, publish them."""

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify

from reelhouse.catalog import signals, textnorm, translations
from reelhouse.catalog.artwork import artwork_import
from reelhouse.catalog.models import (
    Credit,
    Episode,
    Film,
    Genre,
    MyListItem,
    Person,
    Rating,
    RatingSystem,
    SearchEntry,
    Season,
    Series,
    Studio,
    TitleRating,
    Work,
)
from reelhouse.catalog.ratings import SYSTEMS, rating_age, rating_parse, ratings_parse
from reelhouse.core import clock
from reelhouse.core.services import audit_record

log = logging.getLogger(__name__)


def unique_slug(model, text: str) -> str:
    base = slugify(text, allow_unicode=False)[:300] or "untitled"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def genres_for(*, names: list[str]) -> list[Genre]:
    """The genres named (created when new, matched without regard to case)."""
    genres = []
    for name in names[:20]:
        name = name.strip()[:100]
        if not name:
            continue
        genre = Genre.objects.filter(name__iexact=name).first()
        if genre is None:
            genre = Genre.objects.create(name=name, slug=unique_slug(Genre, name))
        genres.append(genre)
    return genres


def studios_for(*, names: list[str]) -> list[Studio]:
    """The studios or networks named (created when new, matched without regard to case or repeated spaces)."""
    studios, seen = [], set()
    for name in names[:10]:
        name = " ".join(name.split())[:200]
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        studio = Studio.objects.filter(name__iexact=name).first()
        if studio is None:
            studio = Studio.objects.create(name=name, slug=unique_slug(Studio, name))
        studios.append(studio)
    return studios


def credits_set(*, title: Series | Film, info) -> None:
    """Record an NFO's directors, writers and actors on a series or film once (kept when already credited)."""
    if info is None or title.credits.exists():
        return
    field = "series" if isinstance(title, Series) else "film"
    people = ([(name, Credit.Role.DIRECTOR, "", i) for i, name in enumerate(info.directors[:10])]
              + [(name, Credit.Role.WRITER, "", i) for i, name in enumerate(info.credits[:10])]
              + [(a["name"], Credit.Role.ACTOR, a.get("role") or "", a.get("order") if a.get("order") is not None
                  else i) for i, a in enumerate(info.actors[:30])])
    for name, role, character, order in people:
        person, _ = Person.objects.get_or_create(name=name.strip()[:200])
        Credit.objects.get_or_create(person=person, role=role, **{field: title},
                                     defaults={"character": character[:200], "order": max(0, order or 0)})


class RatingError(ValueError):
    """A rating label that is not one of the country's; the message lists what the country uses."""


def rating_systems_sync() -> int:
    """Make the RatingSystem and Rating rows match ratings.SYSTEMS (idempotent); returns the ratings written."""
    written = 0
    for spec in SYSTEMS:
        system, _ = RatingSystem.objects.update_or_create(code=spec.code, defaults={"country": spec.country,
                                                                                    "name": spec.name})
        for label, age in spec.ratings:
            _, created = Rating.objects.update_or_create(system=system, label=label, defaults={"min_age": age})
            written += created
    return written


def _rating_row(*, system: str, label: str) -> Rating:
    rating = Rating.objects.filter(system__code=system, label=label).first()
    if rating is None:
        rating_systems_sync()
        rating = Rating.objects.get(system__code=system, label=label)
    return rating


def _rated(title: Series | Work) -> dict:
    return {"series": title} if isinstance(title, Series) else {"work_id": title.pk}


@transaction.atomic
def title_rating_set(*, title: Series | Work, country: str, label: str) -> TitleRating | None:
    """Rate a series, film or episode in one country ('TV-MA' in US, 'FSK 16' or '16' in DE, '-12' in FR; an empty
    label removes the country's rating) and derive its maturity again. Raises RatingError for a label the country
    does not use."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise RatingError(f"{country!r} is not a country code (expected ISO 3166-1 alpha-2 such as US, DE, FR)")
    if not (label or "").strip():
        TitleRating.objects.filter(country=country, **_rated(title)).delete()
        maturity_refresh(title=title)
        audit_record(action="title.rating_removed", subject=title, country=country)
        return None
    parsed = rating_parse(label, country=country)
    if parsed is None or parsed.country != country:
        known = [name for spec in SYSTEMS if spec.country == country for name, _ in spec.ratings]
        raise RatingError(f"{label!r} is not a rating used in {country}; "
                          + (f"expected one of {', '.join(known)}" if known
                             else f"no rating system is known for {country} (known: "
                                  f"{', '.join(sorted({s.country for s in SYSTEMS}))})"))
    rating = _rating_row(system=parsed.system, label=parsed.label)
    title_rating, _ = TitleRating.objects.update_or_create(country=country, **_rated(title),
                                                           defaults={"rating": rating})
    maturity_refresh(title=title)
    audit_record(action="title.rated", subject=title, country=country, rating=parsed.label,
                 maturity=title.maturity)
    return title_rating


def title_ratings_from_nfo(*, title: Series | Work, mpaa: str | None) -> int:
    """Record the country ratings an NFO's <mpaa> names ('US:TV-MA / DE:16', 'FSK 12', 'TV-14'); a bare age keeps
    only the maturity it gave. Returns the ratings recorded."""
    parsed = ratings_parse(mpaa)
    for found in parsed:
        TitleRating.objects.update_or_create(country=found.country, **_rated(title),
                                             defaults={"rating": _rating_row(system=found.system, label=found.label)})
    if parsed:
        maturity_refresh(title=title)
    return len(parsed)


def maturity_refresh(*, title: Series | Work) -> int | None:
    """Derive a title's maturity from its country ratings: the strictest one (none recorded: left as it is). A
    series passes its rating on to its episodes that carry no rating of their own; search entries follow."""
    ages = list(TitleRating.objects.filter(**_rated(title)).values_list("rating__min_age", flat=True))
    if not ages:
        return title.maturity
    new = max(ages)
    if isinstance(title, Series):
        old = Series.objects.filter(pk=title.pk).values_list("maturity", flat=True).first()
        Series.objects.filter(pk=title.pk).update(maturity=new)
        following = Q(maturity__isnull=True) | (Q(maturity=old) if old is not None else Q(pk__in=[]))
        own = TitleRating.objects.filter(work_id=OuterRef("pk"))
        episode_ids = list(Episode.objects.filter(following, series=title).exclude(Exists(own))
                           .values_list("pk", flat=True))
        Work.objects.filter(pk__in=episode_ids).update(maturity=new)
        SearchEntry.objects.filter(kind="series", object_id=title.pk).update(maturity=new)
        SearchEntry.objects.filter(kind="episode", object_id__in=episode_ids).update(maturity=new)
    else:
        Work.objects.filter(pk=title.pk).update(maturity=new)
        SearchEntry.objects.filter(kind__in=["film", "episode"], object_id=title.pk).update(maturity=new)
    title.maturity = new
    return new


def _original_title(info, title: str) -> str:
    """An NFO's <originaltitle> when it says something the title does not."""
    original = " ".join((getattr(info, "originaltitle", None) or "").split())[:300]
    return original if original and original.casefold() != (title or "").casefold() else ""


@transaction.atomic
def title_translation_set(*, title: Series | Work, language: str, text: str | None = None,
                          synopsis: str | None = None) -> dict:
    """Set (or, given empty strings, clear) the title and/or synopsis of a series, film or episode in one language,
    and refresh what cards and search show. Returns the title's translations."""
    merged = dict(title.translations or {})
    key = language.strip().lower().replace("_", "-")
    entry = dict(merged.get(key) or {})
    for field, value in (("title", text), ("synopsis", synopsis)):
        if value is not None:
            entry[field] = value
    merged[key] = {k: v for k, v in entry.items() if v}
    title.translations = translations.cleaned_translations(merged)
    type(title).objects.filter(pk=title.pk).update(translations=title.translations)
    audit_record(action="title.translated", subject=title, language=key)
    search_entries_refresh(title=title)
    return title.translations


def _series_for(found) -> Series:
    ident, info = found.identity, found.series_info
    title = (info.title if info and info.title else None) or ident.series
    year = (info.year if info and info.year else None) or ident.year
    series = Series.objects.filter(title__iexact=title, year=year).first()
    if series is None:
        series = Series.objects.create(
            title=title, year=year, slug=unique_slug(Series, f"{title} {year or ''}"),
            sort_title=(info.sorttitle if info and info.sorttitle else "") or title,
            synopsis=(info.plot if info and info.plot else "") or "",
            original_title=_original_title(info, title),
            external_ids=(info.uniqueids if info else {}) or dict(ident.ids),
            maturity=rating_age(info.mpaa) if info else None,
        )
        _title_metadata_set(title=series, info=info)
        audit_record(action="series.created", subject=series)
    if changed := _title_artwork_fill(title=series, found=found):
        series.save(update_fields=changed)
    return series


def _title_metadata_set(*, title: Series | Film, info) -> None:
    """A new series' or film's genres, studios, credits and country ratings from its NFO (nothing without one)."""
    if info:
        title.genres.set(genres_for(names=info.genres))
        title.studios.set(studios_for(names=info.studios))
        credits_set(title=title, info=info)
        title_ratings_from_nfo(title=title, mpaa=info.mpaa)


def _title_artwork_fill(*, title: Series | Film, found) -> list[str]:
    """Poster and backdrop from the delivery's local artwork where the title has none yet; the fields it set."""
    changed = []
    if not title.poster and (poster := found.artwork.get("poster")):
        title.poster = artwork_import(source=poster, kind="poster")
        changed.append("poster")
    if not title.fanart and (fanart := found.artwork.get("fanart")):
        title.fanart = artwork_import(source=fanart, kind="backdrop")
        changed.append("fanart")
    return changed


@transaction.atomic
def work_for_identification(*, found, licence, runtime_s: int | None = None) -> Work:
    """The episode or film an identified delivery is of, created with its metadata when new."""
    ident, info = found.identity, found.item_info
    title = (info.title if info and info.title else None) or ident.title
    synopsis = (info.plot if info and info.plot else "") or ""
    if ident.kind == "film":
        film = Film.objects.filter(title__iexact=title, year=ident.year).first()
        if film is None:
            film = Film.objects.create(
                title=title, year=ident.year, slug=unique_slug(Film, f"{title} {ident.year or ''}"),
                synopsis=synopsis, runtime_s=runtime_s, licence=licence,
                original_title=_original_title(info, title),
                external_ids=(info.uniqueids if info else {}) or dict(ident.ids),
                maturity=rating_age(info.mpaa) if info else None,
            )
            _title_metadata_set(title=film, info=info)
            audit_record(action="film.created", subject=film)
        _title_artwork_fill(title=film, found=found)
        film.licence = licence
        film.save()
        return film

    series = _series_for(found)
    absolute = (info.absolute_number if info else None) or (ident.absolute[0] if ident.absolute else None)
    # An absolutely numbered file (`Show - 1043`) is the episode the catalog knows by that number (from an episode
    # guide or an earlier NFO); only a number nobody has placed yet becomes season 1, episode 1043.
    episode = (Episode.objects.filter(series=series, absolute_number=ident.absolute[0]).select_related("season")
               .first() if ident.absolute and ident.season is None else None)
    if episode is not None:
        season, number = episode.season, episode.number
    else:
        if ident.episodes:
            season_number, number = (ident.season if ident.season is not None else 1), ident.episodes[0]
        else:  # a daily show numbered by date: season = year, episode = day of the year
            season_number, number = ident.air_date.year, ident.air_date.timetuple().tm_yday
        season, _ = Season.objects.get_or_create(series=series, number=season_number)
        episode = Episode.objects.filter(season=season, number=number).first()
    maturity = (rating_age(info.mpaa) if info else None)
    maturity = series.maturity if maturity is None else maturity  # the show's rating covers unrated episodes
    if episode is None:
        air_date = (info.aired or info.premiered) if info else None
        episode = Episode.objects.create(
            series=series, season=season, number=number,
            number_end=ident.episodes[-1] if len(ident.episodes) > 1 else None,
            title=title or f"Episode {number}", synopsis=synopsis, runtime_s=runtime_s,
            air_date=air_date or ident.air_date, licence=licence, maturity=maturity, absolute_number=absolute,
        )
        audit_record(action="episode.created", subject=episode)
        if info:
            title_ratings_from_nfo(title=episode, mpaa=info.mpaa)
    elif episode.asset_id is None:  # announced by an episode guide: the delivery fills in what the guide left out
        episode.title = episode.title if title is None or episode.title != f"Episode {number}" else title
        episode.synopsis = episode.synopsis or synopsis
        episode.runtime_s = episode.runtime_s or runtime_s
        episode.number_end = episode.number_end or (ident.episodes[-1] if len(ident.episodes) > 1 else None)
        episode.maturity = maturity if episode.maturity is None else episode.maturity
        episode.absolute_number = episode.absolute_number or absolute
    if not episode.still and (thumb := found.artwork.get("thumb")):
        episode.still = artwork_import(source=thumb, kind="still")
    episode.licence = licence
    episode.save()
    return episode


def work_embargo_until(*, work: Work, at=None) -> dt.datetime | None:
    """When a held work may be shown: the later of its licence start and the day after its air date (next-day
    publishing); None when nothing holds it back at `at`."""
    at = at or clock.now()
    moments = []
    if work.licence_id and work.licence.starts_at > at:
        moments.append(work.licence.starts_at)
    air_date = Episode.objects.filter(pk=work.pk).values_list("air_date", flat=True).first()
    if air_date is not None:
        days = getattr(settings, "REELHOUSE_PUBLISH_DAYS_AFTER_AIR", 1)
        opens = timezone.make_aware(dt.datetime.combine(air_date + dt.timedelta(days=days), dt.time()))
        if opens > at:
            moments.append(opens)
    return max(moments) if moments else None


def work_publish(*, work: Work, asset) -> Work:
    """Make an asset the one viewers get for a work; the first publish stamps published_at. A work under embargo
    (air date or licence start still ahead) keeps the asset but stays unpublished until `works_publish_due`."""
    work = Work.objects.select_related("licence").get(pk=work.pk)
    work.asset = asset
    first = work.published_at is None
    held_until = work_embargo_until(work=work) if first else None
    if held_until is None:
        work.published_at = work.published_at or clock.now()
    work.save(update_fields=["asset", "published_at"])
    if held_until is not None:
        audit_record(action="work.held", subject=work, asset=asset.pk, until=held_until.isoformat())
        return work
    audit_record(action="work.published", subject=work, asset=asset.pk)
    if first:
        signals.work_available.send(sender=Work, work=work)
    return work


def works_publish_due(*, at=None) -> list[Work]:
    """Publish every held work whose embargo has passed (called by the scheduler); returns what was published."""
    at = at or clock.now()
    published = []
    for work in Work.objects.filter(asset__isnull=False, published_at__isnull=True).select_related("licence"):
        if work_embargo_until(work=work, at=at) is not None:
            continue
        if Work.objects.filter(pk=work.pk, published_at__isnull=True).update(published_at=at):
            work.published_at = at
            audit_record(action="work.published", subject=work, asset=work.asset_id, embargo_lifted=True)
            signals.work_available.send(sender=Work, work=work)
            published.append(work)
    return published


def episode_expect(*, series: Series, season_number: int, number: int, title: str = "",
                   air_date: dt.date | None = None, licence=None, absolute_number: int | None = None) -> Episode:
    """Record an episode from an episode guide before it is delivered (unpublished); fills in a missing air date,
    title or absolute number of a known one without touching anything else."""
    season, _ = Season.objects.get_or_create(series=series, number=season_number)
    episode = Episode.objects.filter(season=season, number=number).first()
    if episode is None:
        episode = Episode.objects.create(series=series, season=season, number=number, air_date=air_date,
                                         title=title or f"Episode {number}", licence=licence,
                                         absolute_number=absolute_number)
        audit_record(action="episode.expected", subject=episode)
        return episode
    changed = []
    if air_date and episode.air_date != air_date and episode.published_at is None:
        episode.air_date = air_date
        changed.append("air_date")
    if title and episode.title == f"Episode {number}":
        episode.title = title
        changed.append("title")
    if absolute_number and episode.absolute_number is None:
        episode.absolute_number = absolute_number
        changed.append("absolute_number")
    if changed:
        episode.save(update_fields=changed)
    return episode


def series_for_guide(*, title: str, year: int | None = None) -> Series:
    """The series an episode guide talks about, created when new."""
    series = Series.objects.filter(title__iexact=title, year=year).first() or (
        Series.objects.filter(title__iexact=title).first() if year is None else None)
    if series is None:
        series = Series.objects.create(title=title, year=year, sort_title=title,
                                       slug=unique_slug(Series, f"{title} {year or ''}"))
        audit_record(action="series.created", subject=series)
    return series


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
    from reelhouse.playback.models import PlaybackSession, ResumePoint

    watched = Counter(dict(ResumePoint.objects.values_list("work_id").annotate(n=Count("id")).values_list(
        "work_id", "n")))
    since = clock.now() - dt.timedelta(days=7)
    plays = Counter(dict(PlaybackSession.objects.filter(started_at__gte=since).values_list("work_id").annotate(
        n=Count("id")).values_list("work_id", "n")))
    published = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    series_of = dict(published.values_list("pk", "series_id"))
    windows, now = _licence_windows(), clock.now()
    series_licences = _series_licences(published)
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

    def rights(entry: SearchEntry, licence_ids) -> SearchEntry:
        entry.territories, entry.rights_recheck_at = entry_rights(licence_ids, windows, now)
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
                trending=series_trend[series.pk], genre_ids=series_genres[series.pk]), series_licences[series.pk]))
            if len(batch) >= batch_size:
                flush(batch)
        for film in Film.objects.filter(published_at__isnull=False, asset__isnull=False).iterator(
                chunk_size=batch_size):
            batch.append(rights(search_entry_for_film(film=film, popularity=watched[film.pk], trending=plays[film.pk],
                                                      genre_ids=film_genres[film.pk]), [film.licence_id]))
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
                popularity=watched[pk], trending=plays[pk], series_translations=s_tr), [licence_id]))
            if len(batch) >= batch_size:
                flush(batch)
        flush(batch)
    return done


# --- where entries may be shown -----------------------------------------------------------------
# An entry's `territories` say where its licences let it be shown now; `rights_recheck_at` is when that can next change
# (a licence starting or ending), and availability_refresh_due (every minute in `reelhouse run`) recomputes it then.
# Playback checks the licence itself at the exact instant; browsing may lag a boundary by up to that minute.

LicenceWindow = tuple[str, dt.datetime, dt.datetime | None]  # territory_key, starts_at, ends_at


def _licence_windows() -> dict[int, LicenceWindow]:
    from reelhouse.rights.models import Licence

    return {pk: (key, start, end) for pk, key, start, end in
            Licence.objects.values_list("pk", "territory_key", "starts_at", "ends_at")}


def entry_rights(licence_ids, windows: dict[int, LicenceWindow],
                 now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(territories, rights_recheck_at) of an entry whose works are under these licences (a series: its published
    episodes'; None for an unlicensed work, which browsing does not hold back: playback refuses it with its reason):
    the territories of the licences in force now, worldwide folded to ',WW,', and the next licence start or end."""
    codes, boundaries = set(), []
    for licence_id in licence_ids:
        if licence_id is None or licence_id not in windows:
            return None, None
        key, starts_at, ends_at = windows[licence_id]
        if starts_at > now:
            boundaries.append(starts_at)
            continue
        if ends_at is not None and ends_at <= now:
            continue
        codes.update(c for c in key.split(",") if c)
        if ends_at is not None:
            boundaries.append(ends_at)
    from reelhouse.rights.models import WORLDWIDE, territory_key

    return territory_key(WORLDWIDE if WORLDWIDE in codes else ",".join(codes)), min(boundaries, default=None)


def availability_refresh(*, work_ids=None, series_ids=None, licence_ids=None, now=None) -> int:
    """Recompute where entries may be shown: those of these works (films and episodes, and their series), these
    series, the works under these licences, or every entry when nothing is named. Ids go to the database a chunk at
    a time (a worldwide licence covers most of the catalog); only entries that changed are written, one UPDATE per
    outcome. Returns the number of entries changed."""
    now = now or clock.now()
    windows = _licence_windows()
    works = Work.objects.filter(published_at__isnull=False, asset__isnull=False)
    episodes = Episode.objects.filter(published_at__isnull=False, asset__isnull=False)
    with transaction.atomic():
        if work_ids is None and series_ids is None and licence_ids is None:
            return _rights_write(SearchEntry.objects.all(), works=works, episodes=episodes, windows=windows, now=now)
        work_ids, series_ids = set(work_ids or []), set(series_ids or [])
        if licence_ids:
            work_ids |= set(works.filter(licence_id__in=list(licence_ids)).values_list("pk", flat=True).iterator())
        for chunk in _chunks(work_ids):
            series_ids |= set(Episode.objects.filter(pk__in=chunk).values_list("series_id", flat=True))
        changed = 0
        for chunk in _chunks(work_ids):
            changed += _rights_write(
                SearchEntry.objects.filter(kind__in=[SearchEntry.Kind.FILM, SearchEntry.Kind.EPISODE],
                                           object_id__in=chunk),
                works=works.filter(pk__in=chunk), episodes=None, windows=windows, now=now)
        for chunk in _chunks(series_ids):
            changed += _rights_write(SearchEntry.objects.filter(kind=SearchEntry.Kind.SERIES, object_id__in=chunk),
                                     works=None, episodes=episodes.filter(series_id__in=chunk), windows=windows,
                                     now=now)
        return changed


RIGHTS_CHUNK = 5000  # ids per query: well under SQLite's limit of bound variables


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), RIGHTS_CHUNK):
        yield ids[start:start + RIGHTS_CHUNK]


def _series_licences(episodes) -> dict[int, set]:
    """Series id -> the licences of these episodes (None for an unlicensed one)."""
    out: dict[int, set] = defaultdict(set)
    for series_id, licence_id in episodes.values_list("series_id", "licence_id").distinct().iterator(
            chunk_size=20_000):
        out[series_id].add(licence_id)
    return out


def _rights_write(entries, *, works, episodes, windows, now) -> int:
    """Bring these entries' territories and recheck time in line with the licences of `works` (films and episodes)
    and of `episodes` (for series); an entry whose works are not among them is shown nowhere."""
    wanted = {}
    if episodes is not None:
        wanted = {(SearchEntry.Kind.SERIES, sid): entry_rights(ids, windows, now)
                  for sid, ids in _series_licences(episodes).items()}
    if works is not None:
        for work_id, licence_id in works.values_list("pk", "licence_id").iterator(chunk_size=20_000):
            rights = entry_rights([licence_id], windows, now)
            wanted[(SearchEntry.Kind.FILM, work_id)] = wanted[(SearchEntry.Kind.EPISODE, work_id)] = rights
    changes: dict[tuple, list[int]] = defaultdict(list)
    current = entries.values_list("pk", "kind", "object_id", "territories", "rights_recheck_at")
    for pk, kind, object_id, territories, recheck in current.iterator(chunk_size=20_000):
        rights = wanted.get((kind, object_id), ("", None))
        if rights != (territories, recheck):
            changes[rights].append(pk)
    for (territories, recheck), pks in changes.items():
        for chunk in _chunks(pks):
            SearchEntry.objects.filter(pk__in=chunk).update(territories=territories, rights_recheck_at=recheck)
    return sum(len(pks) for pks in changes.values())


def availability_refresh_due(*, now=None) -> int:
    """Recompute the entries whose licence window opened or closed since they were indexed (the scheduler runs
    this every minute); returns the entries changed."""
    now = now or clock.now()
    due = list(SearchEntry.objects.filter(rights_recheck_at__lte=now).values_list("kind", "object_id"))
    if not due:
        return 0
    return availability_refresh(now=now, series_ids=[oid for kind, oid in due if kind == SearchEntry.Kind.SERIES],
                                work_ids=[oid for kind, oid in due if kind != SearchEntry.Kind.SERIES])


def follow_set(*, profile, series: Series, following: bool) -> bool:
    """Follow or unfollow a series for a profile (idempotent); returns whether the profile now follows it."""
    from reelhouse.catalog.models import Follow

    if following:
        Follow.objects.get_or_create(profile=profile, series=series)
    else:
        Follow.objects.filter(profile=profile, series=series).delete()
    return following


def my_list_set(*, profile, series: Series | None = None, film: Film | None = None, listed: bool) -> bool:
    """Add a series or a film to a profile's My List, or take it off (idempotent); returns whether it is listed."""
    if (series is None) == (film is None):
        raise ValueError("my_list_set needs exactly one of series or film")
    key = {"series": series} if series is not None else {"film": film}
    if listed:
        MyListItem.objects.get_or_create(profile=profile, **key)
    else:
        MyListItem.objects.filter(profile=profile, **key).delete()
    return listed
