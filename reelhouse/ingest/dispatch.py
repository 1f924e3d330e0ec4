"""What starts ingest work and queues it: folder scans, filesystem notifications, partner-feed fetches and the
scheduler's beat. It sits above ingest.tasks (it enqueues them); the tasks call ingest.services, which never
enqueue, so the import graph has no cycle."""

import logging

from django.core.cache import cache

from reelhouse.catalog.services import works_publish_due
from reelhouse.core import clock
from reelhouse.core.logs import delivery_correlation
from reelhouse.ingest.jobs import delivery_process_queue, feed_fetch_queue
from reelhouse.ingest.models import Source
from reelhouse.ingest.scan import source_scan, source_scan_paths
from reelhouse.ingest.selectors import sources_ingesting
from reelhouse.ingest.services import (
    feed_downloads_purge,
    feed_read_and_download,
    feeds_due,
    guide_from_nfo,
    guides_refresh,
)
from reelhouse.rights.strikes import suspension_of

log = logging.getLogger(__name__)


def sources_scan(*, sources=None, on_progress=None) -> list:
    """Scan every enabled source folder whose ingest is not suspended and queue processing of each file that
    became complete."""
    reports = []
    for source in sources if sources is not None else sources_ingesting():
        if sources is not None and suspension_of(source) is not None:  # repeat-infringer policy: not read
            log.info("scan: source %s is suspended; not scanned", source.name)
            continue
        report = source_scan(source=source, on_progress=on_progress)
        for nfo in report.guide_nfos:
            guide_from_nfo(source=source, nfo=nfo)
        for delivery_id in report.received:
            with delivery_correlation(delivery_id):
                log.info("scan: delivery received from %s", source.name)
                delivery_process_queue(delivery_id)
        reports.append(report)
    return reports


def paths_notified(*, source: Source, paths: list) -> object:
    """Files a filesystem notification named: take each one step (as the periodic scan would) and queue the
    processing of those that became complete."""
    report = source_scan_paths(source=source, paths=paths)
    for nfo in report.guide_nfos:
        guide_from_nfo(source=source, nfo=nfo)
    for delivery_id in report.received:
        with delivery_correlation(delivery_id):
            log.info("scan: delivery received from %s (notified)", source.name)
            delivery_process_queue(delivery_id)
    return report


def feed_fetch(*, source: Source, network=None) -> dict:
    """Fetch a partner feed now (see services.feed_read_and_download) and queue the processing of each download."""
    return feed_read_and_download(source=source, network=network, on_delivery=delivery_process_queue)


def ingest_tick() -> dict:
    """One scheduler beat beyond watch-folder scans: queue due feed fetches, publish works whose embargo passed."""
    for source in feeds_due():
        Source.objects.filter(pk=source.pk).update(last_fetch_at=clock.now())  # not queued twice while it runs
        feed_fetch_queue(source.pk)
    guides_refresh()
    if cache.add("ingest:feed_downloads_purge", True, 3600):  # hourly is plenty for a retention in days
        feed_downloads_purge()
    return {"published": [w.pk for w in works_publish_due()]}
