"""Ingest reads: episode states for series tracking, the Missing list per licensor, the upcoming calendar,
quarantine listings."""

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.ingest.models import Delivery, Source
from reelhouse.rights.strikes import suspended_keys


class EpisodeState:
    UNAIRED = "unaired"
    EXPECTED = "expected"  # aired, not yet delivered
    DELIVERED = "delivered"  # a file arrived and is held (embargo, or waiting)
    PROCESSING = "processing"  # transcoding
    AVAILABLE = "available"
    SKIPPED = "skipped"


def sources_ingesting(**filters) -> QuerySet:
    """Enabled sources whose ingest is not suspended (rights.strikes: the source's own strikes or its licensor's)."""
    own, licensors = suspended_keys(Source._meta.label_lower)
    return Source.objects.filter(enabled=True, **filters).exclude(pk__in=own).exclude(licensor_id__in=licensors)


def sources_of_work(work) -> QuerySet:
    """The sources whose deliveries brought a work in (rights.strikes finds whom to strike with it)."""
    states = [Delivery.State.ACCEPTED, Delivery.State.PUBLISHED, Delivery.State.REPLACED]
    return Source.objects.filter(deliveries__work_id=work.pk, deliveries__state__in=states).distinct()


def today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def _with_delivery_flags(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        _processing=Exists(Delivery.objects.filter(work=OuterRef("pk"), state=Delivery.State.ACCEPTED)),
        _delivered=Exists(Delivery.objects.filter(work=OuterRef("pk"), state__in=[
            Delivery.State.RECEIVED, Delivery.State.PUBLISHED])),
    )


def episode_state(episode: Episode, *, on: dt.date | None = None) -> str:
    """One episode's tracking state (pass an episode from `episodes_tracked` to avoid two queries)."""
    on = on or today()
    if episode.skipped:
        return EpisodeState.SKIPPED
    if episode.asset_id and episode.published_at:
        return EpisodeState.AVAILABLE
    processing = getattr(episode, "_processing", None)
    if processing is None:
        processing = Delivery.objects.filter(work=episode, state=Delivery.State.ACCEPTED).exists()
    if processing:
        return EpisodeState.PROCESSING
    delivered = getattr(episode, "_delivered", None)
    if delivered is None:
        delivered = Delivery.objects.filter(work=episode, state__in=[Delivery.State.RECEIVED,
                                                                     Delivery.State.PUBLISHED]).exists()
    if episode.asset_id or delivered:
        return EpisodeState.DELIVERED
    if episode.air_date is not None and episode.air_date <= on:
        return EpisodeState.EXPECTED
    return EpisodeState.UNAIRED


def episodes_tracked(*, series=None) -> QuerySet:
    """Episodes with what `episode_state` needs, in one query."""
    qs = Episode.objects.select_related("series", "season", "licence__licensor")
    if series is not None:
        qs = qs.filter(series=series)
    return _with_delivery_flags(qs)


def episodes_missing(*, licensor=None, on: dt.date | None = None) -> QuerySet:
    """Aired but undelivered episodes (not skipped), oldest air date first."""
    on = on or today()
    qs = (episodes_tracked().filter(skipped=False, air_date__lte=on, asset__isnull=True)
          .filter(_processing=False, _delivered=False))
    if licensor is not None:
        qs = qs.filter(licence__licensor=licensor)
    return qs.order_by("air_date", "series__title", "season__number", "number")


def missing_by_licensor(*, on: dt.date | None = None) -> dict:
    """{licensor name (or 'No licence'): [episodes]} for the Missing page."""
    groups = defaultdict(list)
    for episode in episodes_missing(on=on):
        groups[episode.licence.licensor.name if episode.licence_id else "No licence"].append(episode)
    return dict(sorted(groups.items()))


def episodes_upcoming(*, days: int = 60, on: dt.date | None = None) -> QuerySet:
    """Episodes airing from today on (within `days`), soonest first; with their state."""
    on = on or today()
    return (episodes_tracked().filter(skipped=False, air_date__gte=on, air_date__lte=on + dt.timedelta(days=days))
            .order_by("air_date", "series__title", "season__number", "number"))


def deliveries_held(*, limit: int = 200) -> QuerySet:
    """Quarantined and failed deliveries, newest first: what an operator has to act on."""
    return (Delivery.objects.filter(state__in=[Delivery.State.QUARANTINED, Delivery.State.FAILED])
            .select_related("source").order_by("-updated_at")[:limit])


def content_matches(*, delivery: Delivery) -> list[dict]:
    """The library works a held delivery's fingerprint matched, each with its matching segments side by side
    (the delivery's time range and the work's), for the quarantine page."""
    from reelhouse.media.models import FingerprintMatch

    found = []
    for match in FingerprintMatch.objects.filter(delivery=delivery).select_related("work"):
        found.append({"match": match, "work": match.work, "score": match.score, "mirrored": match.mirrored,
                      "by": match.by,
                      "segments": [{"index": k, "start": s[0], "end": s[1], "work_start": s[2], "work_end": s[3]}
                                   for k, s in enumerate(match.segments[:MATCH_SEGMENTS_SHOWN])],
                      "more": max(0, len(match.segments) - MATCH_SEGMENTS_SHOWN)})
    return found


MATCH_SEGMENTS_SHOWN = 6
