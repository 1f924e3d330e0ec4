"""From an identified delivery to a work: series, season, episode or film, with metadata and artwork; episode guides."""

from django.db import transaction

from reelhouse.catalog.artwork import artwork_import
from reelhouse.catalog.models import (
    Episode,
    Film,
    Season,
    Series,
    Work,
)
from reelhouse.catalog.ratings import rating_age
from reelhouse.catalog.selectors.titles import films_matching
from reelhouse.catalog.services.maturity import title_ratings_from_nfo
from reelhouse.catalog.services.metadata import credits_set, genres_for, studios_for, unique_slug
from reelhouse.catalog.services.title_translations import _original_title
from reelhouse.core.audit import audit_record


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
        if ident.year is None:  # a film named without a year: the one catalogued film of that title, if only one
            matches = films_matching(title=title, licence=licence)
            film = matches[0] if len(matches) == 1 else Film.objects.filter(title__iexact=title, year=None).first()
        else:
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
