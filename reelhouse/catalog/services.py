"""Catalog writes: create works from identified deliveries, import their artwork, publish them."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from reelhouse.catalog.models import Episode, Film, Season, Series, Work
from reelhouse.core import clock
from reelhouse.core.services import audit_record

log = logging.getLogger(__name__)
POSTER_WIDTH = 400  # the size the pages show; originals are never served
STILL_WIDTH = 480


def unique_slug(model, text: str) -> str:
    base = slugify(text, allow_unicode=False)[:300] or "untitled"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def artwork_import(*, source: Path | None, name: str, width: int) -> str:
    """Resize a local image once into MEDIA_ROOT/artwork/<name>.jpg; returns the path under MEDIA_ROOT or ''."""
    if source is None:
        return ""
    rel = f"artwork/{name}.jpg"
    dest = Path(settings.MEDIA_ROOT) / rel
    try:
        with Image.open(source) as img:
            img = img.convert("RGB")
            if img.width > width:
                img = img.resize((width, round(img.height * width / img.width)), Image.Resampling.LANCZOS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(".tmp")
            img.save(tmp, "JPEG", quality=85, optimize=True, progressive=True)
            tmp.replace(dest)
    except (OSError, UnidentifiedImageError) as exc:
        log.warning("artwork %s ignored: %s", source, exc)
        return ""
    return rel


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
            external_ids=(info.uniqueids if info else {}) or dict(ident.ids),
        )
        audit_record(action="series.created", subject=series)
    if not series.poster and (poster := found.artwork.get("poster")):
        series.poster = artwork_import(source=poster, name=f"series/{series.slug}-poster", width=POSTER_WIDTH)
        series.save(update_fields=["poster"])
    return series


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
                external_ids=(info.uniqueids if info else {}) or dict(ident.ids),
            )
            audit_record(action="film.created", subject=film)
        if not film.poster and (poster := found.artwork.get("poster")):
            film.poster = artwork_import(source=poster, name=f"films/{film.slug}-poster", width=POSTER_WIDTH)
        film.licence = licence
        film.save()
        return film

    series = _series_for(found)
    if ident.episodes:
        season_number, number = (ident.season if ident.season is not None else 1), ident.episodes[0]
    else:  # a daily show numbered by date: season = year, episode = day of the year
        season_number, number = ident.air_date.year, ident.air_date.timetuple().tm_yday
    season, _ = Season.objects.get_or_create(series=series, number=season_number)
    episode = Episode.objects.filter(season=season, number=number).first()
    if episode is None:
        air_date = (info.aired or info.premiered) if info else None
        episode = Episode.objects.create(
            series=series, season=season, number=number,
            number_end=ident.episodes[-1] if len(ident.episodes) > 1 else None,
            title=title or f"Episode {number}", synopsis=synopsis, runtime_s=runtime_s,
            air_date=air_date or ident.air_date, licence=licence,
        )
        audit_record(action="episode.created", subject=episode)
    if not episode.still and (thumb := found.artwork.get("thumb")):
        episode.still = artwork_import(source=thumb, name=f"episodes/{episode.pk}-still", width=STILL_WIDTH)
    episode.licence = licence
    episode.save()
    return episode


def work_publish(*, work: Work, asset) -> Work:
    """Make an asset the one viewers get for a work; the first publish stamps published_at."""
    work = Work.objects.get(pk=work.pk)
    work.asset = asset
    work.published_at = work.published_at or clock.now()
    work.save(update_fields=["asset", "published_at"])
    audit_record(action="work.published", subject=work, asset=asset.pk)
    return work
