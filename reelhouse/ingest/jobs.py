"""Ingest's leased job kinds: processing a delivery and fetching a partner feed. Queued through here (one record per
run, one queue per kind), so a worker killed mid-way leaves a record the scheduler takes back (core.jobs)."""

from reelhouse.core.jobs import LeasedJob, job_enqueue
from reelhouse.ingest.models import DeliveryJob, FeedFetchJob

ACTIVE = [LeasedJob.State.QUEUED, LeasedJob.State.RUNNING]


def delivery_process_queue(delivery_id: int) -> DeliveryJob:
    """Queue the processing of a received delivery, unless a run of it is already queued or running."""
    job = DeliveryJob.objects.filter(delivery_id=delivery_id, state__in=ACTIVE).first()
    if job is None:
        job = DeliveryJob.objects.create(delivery_id=delivery_id)
        job_enqueue(job=job)
    return job


def feed_fetch_queue(source_id: int) -> FeedFetchJob:
    """Queue a fetch of a partner feed, unless one is already queued or running."""
    job = FeedFetchJob.objects.filter(source_id=source_id, state__in=ACTIVE).first()
    if job is None:
        job = FeedFetchJob.objects.create(source_id=source_id)
        job_enqueue(job=job)
    return job
