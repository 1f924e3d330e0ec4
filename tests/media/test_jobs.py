"""Transcode jobs in the pipeline: clear reports for a missing ffmpeg and a full disk, a job taken over mid-build
stops without publishing, a dead attempt's leftovers are removed, new episodes go before back catalogue, and the
operator sees progress, speed, ETA and attempts."""

import errno
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode
from reelhouse.core.jobs import job_claim, jobs_reclaim
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.services import delivery_process
from reelhouse.media import services, sweeps
from reelhouse.media.models import Asset, TranscodeJob
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EPISODE = "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Arrival.mkv"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": ["default", "transcode", "ingest", "feeds"]}}
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                    "QUEUES": ["default", "transcode", "ingest", "feeds"]}}


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    settings.REELHOUSE_JOB_BACKOFF_S = 0
    settings.REELHOUSE_JOB_MAX_ATTEMPTS = 3


def packages() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT) / "packages"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_missing_ffmpeg_is_reported_with_what_to_do(settings, licensed_source, clip_cache):
    settings.REELHOUSE_FFMPEG = "/opt/nowhere/ffmpeg"
    deliver(licensed_source, EPISODE, clip_cache(seconds=1, size="320x180"))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    assert job.state == TranscodeJob.State.FAILED and job.attempts == 3
    assert job.error == ("gave up after 3 attempts; last: ffmpeg not found at /opt/nowhere/ffmpeg; "
                         "set REELHOUSE_FFMPEG or reinstall")
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED and "ffmpeg not found at /opt/nowhere/ffmpeg" in delivery.reason
    assert AuditEvent.objects.filter(action="transcode.failed").count() == 1  # package_failed sent once
    assert packages() == []


def test_full_disk_is_reported_with_free_and_needed_space(licensed_source, clip_cache, monkeypatch):
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        if services.BUILDING_MARK in str(src):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    deliver(licensed_source, EPISODE, clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    assert job.state == TranscodeJob.State.FAILED and job.attempts == 3
    assert job.error.startswith(f"gave up after 3 attempts; last: disk full at {django_settings.MEDIA_ROOT}/packages: ")
    assert " MB free, package needs about " in job.error and job.error.endswith(" MB")
    assert packages() == [] and not Asset.objects.exists()


def test_a_job_taken_over_mid_build_stops_and_publishes_nothing(licensed_source, clip_cache, monkeypatch):
    real_heartbeat = services.job_heartbeat
    monkeypatch.setattr(services, "PROGRESS_EVERY_S", 0)

    def heartbeat(*, job, **fields):
        if fields.get("progress", 0) > 0:  # another worker took the job while we were encoding
            TranscodeJob.objects.filter(pk=job.pk).update(lease_owner="other-host:99")
        return real_heartbeat(job=job, **fields)

    monkeypatch.setattr(services, "job_heartbeat", heartbeat)
    deliver(licensed_source, EPISODE, clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    assert (job.state, job.lease_owner, job.attempts) == (TranscodeJob.State.RUNNING, "other-host:99", 1)
    assert not Asset.objects.exists() and packages() == []


def test_dead_attempt_leftovers_are_removed_and_the_retry_publishes_once(settings, licensed_source, clip_cache):
    settings.TASKS = HELD  # the transcode is queued but no worker runs it yet
    deliver(licensed_source, EPISODE, clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    delivery_process(delivery=Delivery.objects.get())
    job = job_claim(model=TranscodeJob, pk=TranscodeJob.objects.get().pk, owner="far-away-host:7")
    # What a worker killed between the encode and the commit leaves: a finished folder and a temporary one.
    root = Path(settings.MEDIA_ROOT) / "packages"
    (root / "dead0001" / "v360").mkdir(parents=True)
    (root / ".dead0001.building-1a2b3c4d" / "v360").mkdir(parents=True)
    TranscodeJob.objects.filter(pk=job.pk).update(package_dir="packages/dead0001",
                                                  lease_expires_at=job.heartbeat_at)
    settings.TASKS = IMMEDIATE
    [reclaimed] = jobs_reclaim()
    assert reclaimed.state == "queued"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (TranscodeJob.State.DONE, 2)
    asset = Asset.objects.get()
    assert packages() == [Path(asset.directory).name]
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED
    jobs_reclaim()
    services.transcode_job_run(job_id=job.pk)  # a stray duplicate task does nothing
    assert Asset.objects.count() == 1 and len(packages()) == 1


def test_sweep_removes_only_stale_temporary_folders(settings, licensed_source):
    root = Path(settings.MEDIA_ROOT) / "packages"
    stale, fresh = root / ".aaaa.building-00000001", root / ".bbbb.building-00000002"
    published = root / "cccc"
    for path in (stale, fresh, published):
        path.mkdir(parents=True)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(published, (old, old))
    assert sweeps.packages_sweep(older_than_s=60) == 1
    assert packages() == [".bbbb.building-00000002", "cccc"]


def _db_worker(queue: str) -> None:
    """Run django-tasks-db's real worker in this process until its queue is empty."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", queue_name=queue, batch=True, startup_delay=False, reload=False, interval=0,
                     verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_new_episodes_are_transcoded_before_back_catalogue(settings, licensed_source, clip_cache):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "transcode", "ingest", "feeds"]}}
    today = time.strftime("%Y-%m-%d")
    for number, aired in ((1, "2015-03-01"), (2, "2015-03-08"), (3, today)):  # the new one arrives last
        clip = clip_cache(seconds=1, size="320x180", pattern=["testsrc", "testsrc2", "smptebars"][number - 1])
        video = deliver(licensed_source, f"Old Harbour/Season 01/Old Harbour - S01E0{number}.mkv", clip)
        video.with_suffix(".nfo").write_text(f"<episodedetails><title>Part {number}</title><season>1</season>"
                                             f"<episode>{number}</episode><aired>{aired}</aired></episodedetails>")
        scan_until_settled(licensed_source)
        _db_worker("ingest")  # identify and accept (its own queue): each transcode is queued in delivery order
    assert list(Episode.objects.order_by("number").values_list("air_date", flat=True))[2].isoformat() == today
    assert list(TranscodeJob.objects.order_by("created_at").values_list("priority", flat=True)) == [
        services.PRIORITY_BACK_CATALOGUE, services.PRIORITY_BACK_CATALOGUE, services.PRIORITY_NEW]
    _db_worker("transcode")
    claimed = [e.subject_id for e in AuditEvent.objects.filter(action="transcode.claimed").order_by("at", "id")]
    by_created = [str(pk) for pk in TranscodeJob.objects.order_by("created_at").values_list("pk", flat=True)]
    assert claimed == [by_created[2], by_created[0], by_created[1]]
    assert set(TranscodeJob.objects.values_list("state", flat=True)) == {TranscodeJob.State.DONE}


def test_operator_sees_progress_speed_eta_and_attempts(licensed_source, clip_cache, client):
    deliver(licensed_source, EPISODE, clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    TranscodeJob.objects.update(state="running", progress=0.42, speed=3.5, eta_s=75, attempts=2,
                                lease_owner="encoder-3:4242")
    call_command("jobs")
    client.force_login(user_create(email="op@example.com", password="x" * 16, is_staff=True, is_superuser=True))
    page = client.get("/admin/media/transcodejob/").content.decode()
    assert '<progress value="42"' in page and "3.5x real time" in page and "1m 15s" in page
    assert "2/3" in page and "encoder-3:4242" in page


def test_jobs_command_draws_bars(licensed_source, clip_cache, capsys):
    deliver(licensed_source, EPISODE, clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    TranscodeJob.objects.update(state="running", progress=0.42, speed=3.5, eta_s=75, lease_owner="encoder-3:4242")
    call_command("jobs")
    out = capsys.readouterr().out
    assert "Harbour Lights - S01E01 - Arrival.mkv" in out and "42%" in out and "3.5x real time" in out
    assert "1m 15s" in out and "encoder-3:4242" in out and "━" in out
    TranscodeJob.objects.update(state="done", progress=1.0)
    call_command("jobs")
    assert "no transcode jobs queued or running" in capsys.readouterr().out
    call_command("jobs", "--all")
    assert "100%" in capsys.readouterr().out


def test_a_long_enough_delivery_gets_the_adaptive_ladder_and_the_operator_sees_why(settings, licensed_source,
                                                                                   clip_cache):
    settings.REELHOUSE_ADAPTIVE_MIN_S = 3  # the 4-s clip counts as long
    settings.REELHOUSE_QUICK_PUBLISH = False
    deliver(licensed_source, EPISODE, clip_cache(seconds=4, size="320x180"))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    assert job.state == TranscodeJob.State.DONE
    event = AuditEvent.objects.get(action="transcode.ladder", subject_id=str(job.pk))
    [rung] = event.detail["rungs"]
    assert rung["rung"] == "v180" and event.detail["asset"] == job.asset_id and event.detail["probe_s"] > 0
    assert rung["reason"].startswith("CRF ") if rung["crf"] is not None else "fixed bitrate" in rung["reason"]
