"""Media writes: queue a transcode, run it into an immutable package, publish the result."""

import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reelhouse.catalog.services import work_publish
from reelhouse.core import clock
from reelhouse.core.services import audit_record
from reelhouse.media import signals
from reelhouse.media.models import Asset, Rendition, TranscodeJob
from reelhouse.media.probe import MediaError
from reelhouse.media.transcode.package import package_build

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 1.0


def transcode_job_create(*, delivery) -> TranscodeJob:
    """Record a transcode for an accepted delivery and queue it once the transaction commits."""
    job = TranscodeJob.objects.filter(delivery=delivery).exclude(state=TranscodeJob.State.FAILED).first()
    if job is not None:
        return job
    job = TranscodeJob.objects.create(delivery=delivery)
    from reelhouse.media.tasks import transcode_run

    transaction.on_commit(lambda: transcode_run.enqueue(job.pk))
    return job


def package_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "packages"


def transcode_job_run(*, job: TranscodeJob) -> TranscodeJob:
    """Build the delivery's package, record its asset and renditions, and publish it to the work."""
    if job.state == TranscodeJob.State.DONE:
        return job
    delivery = job.delivery
    existing = Asset.objects.filter(source_sha256=delivery.sha256, work=delivery.work).first()
    if existing is not None:  # the same file was packaged before: reuse it, never encode twice
        return _finish(job, existing)

    now = clock.now()
    TranscodeJob.objects.filter(pk=job.pk).update(state=TranscodeJob.State.RUNNING, started_at=now,
                                                  heartbeat_at=now, attempts=job.attempts + 1)
    source = Path(delivery.source.path) / delivery.path
    directory = f"packages/{uuid.uuid4().hex}"
    last_write = 0.0

    def on_progress(p) -> None:
        nonlocal last_write
        if time.monotonic() - last_write >= PROGRESS_EVERY_S:
            last_write = time.monotonic()
            TranscodeJob.objects.filter(pk=job.pk).update(progress=p.fraction, speed=p.speed,
                                                          heartbeat_at=clock.now())

    try:
        result = package_build(source=source, dest=Path(settings.MEDIA_ROOT) / directory, on_progress=on_progress,
                               preset=getattr(settings, "REELHOUSE_X264_PRESET", None))
    except MediaError as exc:
        job.refresh_from_db()
        job.state = TranscodeJob.State.FAILED
        job.error = str(exc)
        job.finished_at = clock.now()
        job.save(update_fields=["state", "error", "finished_at"])
        audit_record(action="transcode.failed", subject=job, error=str(exc)[-2000:])
        signals.package_failed.send(sender=TranscodeJob, job=job, reason=str(exc))
        return job

    with transaction.atomic():
        asset = Asset.objects.create(
            work=delivery.work, delivery=delivery, source_sha256=delivery.sha256, directory=directory,
            duration_s=result.duration_s, width=result.width, height=result.height,
        )
        Rendition.objects.bulk_create(
            Rendition(asset=asset, name=r["name"], width=r["width"], height=r["height"], bandwidth=r["bandwidth"],
                      codecs=r["codecs"])
            for r in result.renditions
        )
        return _finish(job, asset)


def _finish(job: TranscodeJob, asset: Asset) -> TranscodeJob:
    job.refresh_from_db()
    job.state = TranscodeJob.State.DONE
    job.progress = 1.0
    job.asset = asset
    job.finished_at = clock.now()
    job.save(update_fields=["state", "progress", "asset", "finished_at"])
    work_publish(work=asset.work, asset=asset)
    audit_record(action="transcode.done", subject=job, asset=asset.pk)
    signals.package_published.send(sender=TranscodeJob, job=job, asset=asset)
    return job
