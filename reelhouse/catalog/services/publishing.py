"""Publishing works: the embargo a licence sets, publishing a packaged work, publishing what is due."""

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from reelhouse.catalog import signals
from reelhouse.catalog.artwork import artwork_import
from reelhouse.catalog.models import (
    Episode,
    Work,
)
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.storage import media_fetch
from reelhouse.rights import rule


def work_embargo_until(*, work: Work, at=None) -> dt.datetime | None:
    """When a held work may be shown: the later of its licence start and the day after its air date (next-day
    publishing); None when nothing holds it back at `at`."""
    at = at or clock.now()
    moments = []
    if licence_start := rule.embargo_until(work.licence if work.licence_id else None, at):
        moments.append(licence_start)
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
    if problem := _withdrawal_standing(work.pk):
        raise WorkWithdrawn(f"{work}: {problem}")
    work = Work.objects.select_related("licence").get(pk=work.pk)
    before = {"asset": work.asset_id, "published_at": work.published_at}
    work.asset = asset
    first = work.published_at is None
    held_until = work_embargo_until(work=work) if first else None
    if held_until is None:
        work.published_at = work.published_at or clock.now()
    work.save(update_fields=["asset", "published_at"])
    _episode_still_from_package(work=work, asset=asset)
    if held_until is not None:
        audit_record(action="work.held", subject=work, asset=asset.pk, until=held_until.isoformat())
        return work
    audit_record(action="work.published", subject=work, asset=asset.pk, before=before,
                 after={"asset": work.asset_id, "published_at": work.published_at})
    if first:
        signals.work_available.send(sender=Work, work=work)
    return work


def _episode_still_from_package(*, work: Work, asset) -> None:
    """An episode with no still of its own (no NFO thumb) gets the frame its package took at 10% of the video, so
    every row of an episode list shows a picture, as Jellyfin extracts one."""
    if not Episode.objects.filter(pk=work.pk, still="").exists():
        return
    with tempfile.TemporaryDirectory(prefix="rh-still-") as tmp:
        frame = Path(tmp) / "poster.jpg"
        try:  # from the package wherever it is stored (local disk or the object store)
            media_fetch(f"{asset.directory}/poster.jpg", frame)
        except FileNotFoundError:
            return
        if still := artwork_import(source=frame, kind="still"):
            Episode.objects.filter(pk=work.pk).update(still=still)


def works_publish_due(*, at=None) -> list[Work]:
    """Publish every held work whose embargo has passed (called by the scheduler); returns what was published."""
    at = at or clock.now()
    published = []
    from reelhouse.rights.models import WorkWithdrawal

    held = Work.objects.filter(asset__isnull=False, published_at__isnull=True).exclude(
        pk__in=WorkWithdrawal.objects.filter(lifted_at__isnull=True, territories="").values("work_id"))
    for work in held.select_related("licence"):
        if work_embargo_until(work=work, at=at) is not None:
            continue
        if Work.objects.filter(pk=work.pk, published_at__isnull=True).update(published_at=at):
            work.published_at = at
            audit_record(action="work.published", subject=work, asset=work.asset_id, embargo_lifted=True,
                         before={"published_at": None}, after={"published_at": at})
            signals.work_available.send(sender=Work, work=work)
            published.append(work)
    return published


class WorkWithdrawn(Exception):
    """A work withdrawn on a notice cannot be (re)published until the withdrawal is lifted."""


def _withdrawal_standing(work_id: int) -> str:
    from reelhouse.rights.selectors import withdrawal_problem

    return withdrawal_problem(work_id=work_id)


def works_withdraw(*, works, reason: str) -> list[int]:
    """Take works off the service at once: unpublished (their package kept for a restoration), hidden from rows,
    listings and search, and every running stream of them ended (playback listens to the save). Returns the ids of
    the works that were shown until now."""
    from reelhouse.catalog.services.availability import availability_refresh

    taken = []
    for work in works:
        if work.published_at is None:
            continue
        work.published_at = None
        work.save(update_fields=["published_at"])
        audit_record(action="work.withdrawn", subject=work, reason=reason[:500])
        taken.append(work.pk)
    availability_refresh(work_ids=[w.pk for w in works])
    return taken


def work_restore(*, work: Work, published_at, reason: str) -> Work:
    """Put a withdrawn work back as it was (same package, same publish date), once no withdrawal stands."""
    from reelhouse.catalog.services.search_index import search_entries_sync

    if problem := _withdrawal_standing(work.pk):
        raise WorkWithdrawn(f"{work}: {problem}")
    work = Work.objects.get(pk=work.pk)
    if work.asset_id is None or work.published_at is not None:
        return work
    work.published_at = published_at or clock.now()
    work.save(update_fields=["published_at"])
    audit_record(action="work.restored", subject=work, reason=reason[:500])
    search_entries_sync(work=work)  # followers are not told again: this is no new episode
    return work
