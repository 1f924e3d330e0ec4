"""Episode guides: episodes expected before their files arrive, and the series a guide names."""

import datetime as dt

from reelhouse.catalog.models import (
    Episode,
    Season,
    Series,
)
from reelhouse.catalog.services.metadata import unique_slug
from reelhouse.core.audit import audit_record


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
