"""core.jobs: atomic claims, leases renewed by heartbeats, reclaim of dead workers, backoff and the attempt limit."""

import datetime as dt
import socket
import subprocess
import sys

import pytest

from reelhouse.core import clock
from reelhouse.core.jobs import (
    LeaseLost,
    backoff_seconds,
    job_claim,
    job_fail,
    job_heartbeat,
    job_succeed,
    jobs_reclaim,
    owner_is_dead,
)
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.models import Delivery
from reelhouse.media import signals
from reelhouse.media.models import TranscodeJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(licensed_source, settings):
    settings.REELHOUSE_JOB_LEASE_S = 30
    settings.REELHOUSE_JOB_BACKOFF_S = 10
    settings.REELHOUSE_JOB_MAX_ATTEMPTS = 3
    delivery = Delivery.objects.create(source=licensed_source, path="Show/S01E01.mkv", size=10, mtime_ns=1,
                                       sha256="a" * 64, state=Delivery.State.ACCEPTED)
    return TranscodeJob.objects.create(delivery=delivery)


@pytest.fixture
def failures():
    seen = []

    def listener(sender, *, job, reason, **kwargs):
        seen.append((job.pk, reason))

    signals.package_failed.connect(listener)
    yield seen
    signals.package_failed.disconnect(listener)


def test_only_one_worker_claims_a_job(job):
    first = job_claim(model=TranscodeJob, pk=job.pk, owner="host-a:1")
    second = job_claim(model=TranscodeJob, pk=job.pk, owner="host-b:2")
    assert first is not None and first.lease_owner == "host-a:1" and first.attempts == 1
    assert first.state == TranscodeJob.State.RUNNING
    assert first.lease_expires_at == first.heartbeat_at + dt.timedelta(seconds=30)
    assert second is None
    assert TranscodeJob.objects.get().lease_owner == "host-a:1"


def test_heartbeat_renews_the_lease_and_writes_progress(job):
    held = job_claim(model=TranscodeJob, pk=job.pk, owner="host-a:1")
    clock.advance(dt.timedelta(seconds=20))
    job_heartbeat(job=held, progress=0.4, speed=2.5)
    row = TranscodeJob.objects.get()
    assert (row.progress, row.speed) == (0.4, 2.5)
    assert row.heartbeat_at > held.started_at + dt.timedelta(seconds=19)
    assert row.lease_expires_at == row.heartbeat_at + dt.timedelta(seconds=30)
    clock.advance(dt.timedelta(seconds=20))  # 40 s after the claim, 20 s after the beat: still held
    assert jobs_reclaim() == []


def test_expired_lease_is_reclaimed_with_backoff_and_the_zombie_cannot_write(job):
    held = job_claim(model=TranscodeJob, pk=job.pk, owner="far-away-host:4242")
    clock.advance(dt.timedelta(seconds=31))
    [reclaimed] = jobs_reclaim()
    assert reclaimed.previous_owner == "far-away-host:4242" and reclaimed.state == "queued"
    row = TranscodeJob.objects.get()
    assert row.state == TranscodeJob.State.QUEUED and row.lease_owner == "" and row.attempts == 1
    assert clock.now() + dt.timedelta(seconds=9) < row.retry_at <= clock.now() + dt.timedelta(seconds=10)
    assert "worker far-away-host:4242 stopped answering" in row.error
    # The old holder wakes up: it may neither beat nor finish.
    with pytest.raises(LeaseLost):
        job_heartbeat(job=held, progress=0.9)
    with pytest.raises(LeaseLost):
        job_succeed(job=held)
    again = job_claim(model=TranscodeJob, pk=job.pk, owner="host-b:7")
    assert again.attempts == 2 and again.lease_owner == "host-b:7"


def test_backoff_doubles_per_attempt(settings):
    settings.REELHOUSE_JOB_BACKOFF_S = 30
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600


def test_after_the_attempt_limit_the_job_fails_once_with_its_last_words(job, failures):
    for attempt in (1, 2, 3):
        held = job_claim(model=TranscodeJob, pk=job.pk, owner=f"host:{attempt}")
        assert held is not None and held.attempts == attempt
        state = job_fail(job=held, error=f"ffmpeg exited with status 1: Error while decoding stream #{attempt}")
        assert state == ("failed" if attempt == 3 else "queued")
    row = TranscodeJob.objects.get()
    assert row.state == TranscodeJob.State.FAILED and row.finished_at is not None
    assert row.error == "gave up after 3 attempts; last: ffmpeg exited with status 1: Error while decoding stream #3"
    assert failures == [(job.pk, row.error)]
    assert Delivery.objects.get().state == Delivery.State.FAILED  # ingest listened
    assert job_claim(model=TranscodeJob, pk=job.pk) is None


def test_a_job_abandoned_on_its_last_attempt_fails_and_keeps_the_earlier_error(job, failures):
    for attempt in (1, 2):
        held = job_claim(model=TranscodeJob, pk=job.pk, owner=f"host:{attempt}")
        job_fail(job=held, error="ffmpeg exited with status 1: Invalid data found when processing input")
    job_claim(model=TranscodeJob, pk=job.pk, owner="far-away-host:9")
    clock.advance(dt.timedelta(minutes=5))
    [reclaimed] = jobs_reclaim()
    assert reclaimed.state == "failed"
    row = TranscodeJob.objects.get()
    assert row.error.startswith("gave up after 3 attempts; last: worker far-away-host:9 stopped answering")
    assert "Invalid data found when processing input" in row.error
    assert len(failures) == 1
    assert jobs_reclaim() == [] and len(failures) == 1  # a second sweep changes nothing


def test_permanent_failure_is_not_retried(job, failures):
    held = job_claim(model=TranscodeJob, pk=job.pk, owner="host:1")
    assert job_fail(job=held, error="S01E01.mkv: no video stream (audio-only file)", retry=False) == "failed"
    assert TranscodeJob.objects.get().error == "S01E01.mkv: no video stream (audio-only file)"
    assert len(failures) == 1


def test_a_dead_process_on_this_host_is_reclaimed_before_its_lease_expires(job):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job_claim(model=TranscodeJob, pk=job.pk, owner=f"{socket.gethostname()}:{gone.pid}")
    [reclaimed] = jobs_reclaim()  # no clock movement: the lease is still valid
    assert reclaimed.state == "queued"
    assert AuditEvent.objects.filter(action="transcode.leftovers_removed").count() == 0  # nothing was built yet


def test_owner_liveness():
    assert not owner_is_dead(f"{socket.gethostname()}:{__import__('os').getpid()}")
    assert not owner_is_dead("some-other-host:1")  # another machine: only its lease can tell
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        import time

        for _ in range(50):  # exited but not reaped yet: still a zombie in the process table
            if owner_is_dead(f"{socket.gethostname()}:{zombie.pid}"):
                break
            time.sleep(0.1)
        assert owner_is_dead(f"{socket.gethostname()}:{zombie.pid}")
    finally:
        zombie.wait()
