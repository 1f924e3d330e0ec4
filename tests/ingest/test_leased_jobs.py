"""Processing a delivery and fetching a feed run under a lease (core.jobs), like transcodes: a worker process
SIGKILLed while it holds one is noticed by the scheduler, the job is retried and finishes exactly once."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection

from reelhouse.core import jobs, scheduler
from reelhouse.ingest.jobs import delivery_process_queue, feed_fetch_queue
from reelhouse.ingest.models import Delivery, DeliveryJob, FeedFetchJob, Source
from reelhouse.media.models import Asset, TranscodeJob
from tests.conftest import deliver
from tests.processes import ROOT

pytestmark = pytest.mark.django_db(transaction=True)
QUEUES = ["default", "transcode", "ingest", "feeds"]
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": QUEUES}}
HOLDER = """
import sys, time, django
django.setup()
from reelhouse.core.jobs import job_claim
from django.apps import apps
model = apps.get_model(sys.argv[1])
job = job_claim(model=model, pk=int(sys.argv[2]))
print("claimed" if job else "refused", flush=True)
time.sleep(600)
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _holder_killed_while_holding(label: str, pk: int) -> int:
    """A separate worker process claims the job (the real claim of core.jobs, on the same database) and is
    SIGKILLed while it holds the lease, mid-job. Returns its pid."""
    env = os.environ | {"DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "reelhouse.settings"}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, label, str(pk)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "claimed"
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        holder.wait(30)
    return holder.pid


def _reclaim() -> None:
    """One scheduler beat (its registered reclaim)."""
    job = next(j for j in scheduler.periodic_jobs() if j.name == "core.jobs_reclaim")
    job.run()


def test_delivery_and_feed_jobs_are_registered_kinds_on_their_own_queues():
    kinds = jobs.job_models()
    assert {DeliveryJob, FeedFetchJob, TranscodeJob} <= set(kinds)
    queues = {jobs.job_kind(m).task.queue_name for m in (DeliveryJob, FeedFetchJob, TranscodeJob)}
    assert queues == {"ingest", "feeds", "transcode"}
    assert set(queues) <= set(django_settings.TASKS["default"]["QUEUES"])


def test_a_killed_worker_mid_delivery_process_is_reclaimed_and_the_delivery_is_processed_once(
        licensed_source, clip_cache, settings):
    settings.REELHOUSE_STABLE_SECONDS = 0
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache(seconds=4))
    settings.TASKS = HELD  # the scan queues the job; no worker runs it yet
    from reelhouse.ingest.dispatch import sources_scan

    sources_scan(sources=[licensed_source])
    sources_scan(sources=[licensed_source])
    job = DeliveryJob.objects.get()
    assert job.state == "queued" and Delivery.objects.get().state == Delivery.State.RECEIVED
    dead = _holder_killed_while_holding("ingest.DeliveryJob", job.pk)
    job.refresh_from_db()
    assert job.state == "running" and job.lease_owner.endswith(f":{dead}")
    assert delivery_process_queue(job.delivery_id) == job  # not queued twice while it is held

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": QUEUES}}
    _reclaim()  # the dead worker's lease is taken back at once (its process on this host is gone) and retried

    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_owner) == ("done", 2, "")
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED
    assert TranscodeJob.objects.count() == 1 and Asset.objects.filter(provisional=False).count() == 1
    _reclaim()  # nothing more to take back: still exactly once
    assert DeliveryJob.objects.count() == 1 and TranscodeJob.objects.count() == 1


def test_a_killed_worker_mid_feed_fetch_is_reclaimed_and_queued_again_once(licensed_source, settings):
    settings.TASKS = HELD
    source = Source.objects.create(name="Partner feed", kind=Source.Kind.FEED, feed_url="https://feeds.example/x.json",
                                   licensor=licensed_source.licensor, licence=licensed_source.licence)
    job = feed_fetch_queue(source.pk)
    assert feed_fetch_queue(source.pk) == job  # one fetch of a feed at a time
    _holder_killed_while_holding("ingest.FeedFetchJob", job.pk)
    _reclaim()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_owner) == ("queued", 1, "")
    assert "stopped answering" in job.error or "vanished" in job.error
    assert FeedFetchJob.objects.count() == 1
