"""Ingest writes: take a received delivery through identification, licence check and acceptance."""

import logging
from pathlib import Path

from django.db import transaction

from reelhouse.catalog.services import work_for_identification
from reelhouse.core import clock
from reelhouse.core.services import audit_record
from reelhouse.ingest.identify import identify
from reelhouse.ingest.models import Delivery
from reelhouse.media.probe import MediaError, probe
from reelhouse.media.services import transcode_job_create
from reelhouse.rights.selectors import licence_problem

log = logging.getLogger(__name__)


def delivery_path(delivery: Delivery) -> Path:
    return Path(delivery.source.path) / delivery.path


def _set_state(delivery: Delivery, state: str, reason: str = "", **fields) -> Delivery:
    delivery.state = state
    delivery.reason = reason
    delivery.updated_at = clock.now()
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()
    audit_record(action=f"delivery.{state}", subject=delivery, reason=reason)
    return delivery


def delivery_quarantine(*, delivery: Delivery, reason: str) -> Delivery:
    """Hold a delivery back with a reason an operator can act on; the file itself is left as it is."""
    log.info("quarantined: %s", reason)
    return _set_state(delivery, Delivery.State.QUARANTINED, reason)


def delivery_process(*, delivery: Delivery) -> Delivery:
    """Identify, probe and licence-check a received delivery; accept it (queueing its transcode) or
    quarantine it. Re-running on a delivery that already moved on does nothing."""
    if delivery.state != Delivery.State.RECEIVED:
        return delivery
    path = delivery_path(delivery)
    if not path.is_file():
        return delivery_quarantine(delivery=delivery, reason=f"{delivery.path}: file disappeared before processing")
    if delivery.size == 0:
        return delivery_quarantine(delivery=delivery, reason=f"{delivery.path}: empty file (0 bytes)")

    duplicate = (Delivery.objects.filter(sha256=delivery.sha256, state=Delivery.State.PUBLISHED)
                 .exclude(pk=delivery.pk).first())
    if duplicate is not None:
        return _set_state(delivery, Delivery.State.DUPLICATE,
                          f"same content (sha256) as delivery #{duplicate.pk} '{duplicate.path}', already published",
                          work_id=duplicate.work_id)

    found = identify(path, Path(delivery.source.path))
    identity = found.identity
    delivery.identity = identity.as_json() | {"warnings": found.warnings}
    if identity.kind not in ("episode", "film"):
        reason = identity.reason or f"{delivery.path}: identified as {identity.kind}, not an episode or a film"
        return delivery_quarantine(delivery=delivery, reason=reason)

    try:
        probed = probe(path)
    except MediaError as exc:
        return delivery_quarantine(delivery=delivery, reason=str(exc))

    licence = delivery.source.licence
    if problem := licence_problem(licence=licence):
        return delivery_quarantine(
            delivery=delivery, reason=f"source '{delivery.source.name}' has no current licence: {problem}"
        )

    with transaction.atomic():
        work = work_for_identification(found=found, licence=licence, runtime_s=round(probed.duration_s))
        delivery = _set_state(delivery, Delivery.State.ACCEPTED, "", work=work, licence=licence)
        transcode_job_create(delivery=delivery)
    return delivery


def on_package_published(sender, *, job, asset, **kwargs) -> None:
    """media published the package built from a delivery: the delivery is done."""
    _set_state(job.delivery, Delivery.State.PUBLISHED)


def on_package_failed(sender, *, job, reason, **kwargs) -> None:
    """The transcode failed for good: keep ffmpeg's words as the delivery's reason."""
    _set_state(job.delivery, Delivery.State.FAILED, reason)


def sources_scan(*, sources=None) -> list:
    """Scan every enabled watch folder and queue processing of each file that became complete."""
    from reelhouse.ingest.models import Source
    from reelhouse.ingest.scan import source_scan
    from reelhouse.ingest.tasks import delivery_process as delivery_process_task

    reports = []
    for source in sources if sources is not None else Source.objects.filter(enabled=True):
        report = source_scan(source=source)
        for delivery_id in report.received:
            delivery_process_task.enqueue(delivery_id)
        reports.append(report)
    return reports
