"""Catalog reads for the pages, with their queries tuned (a fixed number per page)."""

from django.db.models import Exists, OuterRef, Prefetch

from reelhouse.catalog.models import Episode, Film, Season, Series
from reelhouse.playback.models import ResumePoint


def _published_episodes():
    return Episode.objects.filter(published_at__isnull=False, asset__isnull=False)


def series_visible():
    """Series with at least one published episode."""
    return Series.objects.filter(Exists(_published_episodes().filter(series=OuterRef("pk"))))


def films_visible():
    return Film.objects.filter(published_at__isnull=False, asset__isnull=False)


def home_rows(*, profile, limit: int = 30) -> dict:
    return {
        "series": list(series_visible().order_by("sort_title", "title")[:limit]),
        "films": list(films_visible().order_by("-published_at", "title")[:limit]),
    }


def series_page(*, series: Series, profile) -> dict:
    """Seasons with their published episodes and the profile's progress on each."""
    progress = {rp.work_id: rp for rp in ResumePoint.objects.filter(profile=profile, work__episode__series=series)}
    seasons = list(
        Season.objects.filter(series=series)
        .prefetch_related(Prefetch("episodes", queryset=_published_episodes().order_by("number")))
        .order_by("number")
    )
    for season in seasons:
        for ep in season.episodes.all():
            rp = progress.get(ep.pk)
            ep.progress_pct = (round(100 * rp.position_s / rp.duration_s) if rp and rp.duration_s and not rp.watched
                               else (100 if rp and rp.watched else 0))
    return {"series": series, "seasons": [s for s in seasons if s.episodes.all()]}
