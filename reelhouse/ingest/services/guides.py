"""Episode guides: from a feed, an NFO beside the files or a metadata provider; periodic refresh."""

import logging
from pathlib import Path

from django.core.cache import cache

from reelhouse.catalog.services import episode_expect, series_for_guide
from reelhouse.ingest import conf, metadata
from reelhouse.ingest.identify import identify
from reelhouse.ingest.models import Source
from reelhouse.ingest.naming import VIDEO_SUFFIXES

log = logging.getLogger(__name__)


def guide_apply(*, source: Source, entries: list) -> list:
    """Record announced episodes (with air dates) before they are delivered, so they can be tracked as missing."""
    episodes = []
    for entry in entries:
        series = series_for_guide(title=entry.series, year=entry.year)
        episodes.append(episode_expect(series=series, season_number=entry.season, number=entry.episode,
                                       title=entry.title, air_date=entry.air_date, licence=source.licence))
    return episodes


def guide_from_nfo(*, source: Source, nfo: Path) -> list:
    """An episode NFO that arrived without its video announces the episode (with its air date) before delivery."""
    if any(nfo.with_suffix(suffix).exists() for suffix in VIDEO_SUFFIXES):
        return []  # the video is here: its delivery records the episode
    found = identify(nfo.with_suffix(".mkv"), Path(source.path))
    ident, info = found.identity, found.item_info
    if ident.kind != "episode" or not ident.episodes or not ident.series:
        return []
    series = series_for_guide(title=ident.series, year=ident.year)
    air_date = (info.aired or info.premiered) if info else ident.air_date
    title = (info.title if info else "") or ""
    return [episode_expect(series=series, season_number=ident.season if ident.season is not None else 1,
                           number=n, title=title if n == ident.episodes[0] else "", air_date=air_date,
                           licence=source.licence) for n in ident.episodes]


def guide_from_provider(*, series, series_id: str, licence=None, force: bool = False) -> list:
    """Record a series' episode guide (titles, air dates) from the online metadata provider, at most once a day
    per series unless forced. Without a provider, or when it fails, nothing happens (the failure is logged)."""
    p = metadata.provider()
    key = f"ingest:guide:{p.name if p else '-'}:{series.pk}"
    if p is None or (not force and cache.get(key)):
        return []
    cache.set(key, True, conf.GUIDE_REFRESH_S)  # also when it fails: no hammering a provider that is down
    try:
        guide = p.series_guide(series_id=series_id)
    except metadata.ProviderError as exc:
        log.warning("episode guide of %s not refreshed: %s", series, exc)
        return []
    return [episode_expect(series=series, season_number=g.season, number=g.episode, title=g.title,
                           air_date=g.air_date, licence=licence) for g in guide]


def guides_refresh(*, limit: int = 20, every_s: int = 600) -> int:
    """Scheduler: refresh the provider episode guides of series that carry the provider's id and were not read in
    the last day; a few per run, and runs at most every `every_s` seconds (the beat itself is every few seconds)."""
    from reelhouse.catalog.models import Series

    p = metadata.provider()
    if p is None or not cache.add("ingest:guides_refresh", True, every_s):
        return 0
    done = 0
    batch = []
    for series in Series.objects.filter(external_ids__has_key=p.name).only("pk", "external_ids").order_by("pk") \
            .iterator(chunk_size=500):
        batch.append(series)
        if len(batch) < 500:
            continue
        done += _guides_refresh_batch(p, batch, limit - done)
        batch = []
        if done >= limit:
            return done
    return done + _guides_refresh_batch(p, batch, limit - done)


def _guides_refresh_batch(p, batch: list, room: int) -> int:
    fresh = cache.get_many([f"ingest:guide:{p.name}:{s.pk}" for s in batch])
    done = 0
    for series in batch:
        if done >= room:
            break
        if f"ingest:guide:{p.name}:{series.pk}" in fresh:
            continue
        latest = series.episodes.exclude(licence=None).select_related("licence").order_by("-pk").first()
        guide_from_provider(series=series, series_id=str(series.external_ids[p.name]),
                            licence=latest.licence if latest else None)
        done += 1
    return done
