"""A delivery swapped under the scanner or the transcoder: replaced by a FIFO or a symbolic link to /dev/zero between
the scanner's check and its hash, or replaced (or rewritten) after it was accepted. The scanner never hangs and
quarantines the path with the reason; the transcode reads only the bytes that were hashed, so a changed file fails
its job with a reason (once, not retried) and is taken up as a new delivery. Real files, real ffmpeg."""

import os
import tempfile
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from reelhouse.core.jobs import job_kind
from reelhouse.ingest import scan
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.services import delivery_process
from reelhouse.media import services
from reelhouse.media.models import Asset, TranscodeJob
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EPISODE = "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Arrival.mkv"
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                    "QUEUES": ["default", "transcode", "ingest", "feeds"]}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": ["default", "transcode", "ingest", "feeds"]}}


def _in_thread(fn, limit_s: float = 120) -> bool:
    """Run fn in a thread; True when it came back (a scanner stuck on a FIFO or reading /dev/zero never does). The
    thread closes its database connections when it ends: with REELHOUSE_PG_POOL a connection left open by a thread
    that ends is never handed back, so each call took one of the test process's pool connections for good (6 of 8
    after this file on the PostgreSQL run, leaving the next live_server journey 2 to wait for)."""
    errors = []

    def run():
        try:
            fn()
        except BaseException as exc:  # re-raised below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit_s)
    if errors:
        raise errors[0]
    return not thread.is_alive()


def _swap_for_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # nobody ever writes to it: a blocking open or read waits for ever


def _swap_for_dev_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")  # an endless stream of zeros: hashing it never ends


@pytest.mark.parametrize("swap, what", [(_swap_for_fifo, "a FIFO"), (_swap_for_dev_zero, "a symbolic link")])
def test_a_file_swapped_between_the_check_and_the_hash_is_quarantined_and_never_hangs_the_scanner(
        licensed_source, clip_cache, monkeypatch, swap, what):
    path = deliver(licensed_source, EPISODE, clip_cache(seconds=1, size="320x180"))
    scan_until_settled(licensed_source, rounds=1)  # first sight: WAITING
    real_has_writer = scan.has_writer

    def swapped_then_checked(p):  # the last check before the hash: the uploader swaps the file right now
        swap(p)
        return real_has_writer(p)

    monkeypatch.setattr(scan, "has_writer", swapped_then_checked)
    assert _in_thread(lambda: scan_until_settled(licensed_source, rounds=1)), "the scanner hung"

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.QUARANTINED
    assert delivery.reason == (f"{EPISODE}: replaced by {what}{' (links are not followed)' if 'link' in what else ''}"
                               " while it was being checked; only regular files are taken (nothing was read; the "
                               "path is left as it is)")
    assert not TranscodeJob.objects.exists()
    monkeypatch.setattr(scan, "has_writer", real_has_writer)
    assert _in_thread(lambda: scan_until_settled(licensed_source)), "a later scan hung"
    assert Delivery.objects.get().state == Delivery.State.QUARANTINED  # said once, not retried in a loop
    assert path.is_symlink() or path.is_fifo()  # left as it is


@pytest.fixture(params=["hard link", "copy"])
def staging(request, settings, tmp_path):
    """Staging on the watch folder's filesystem (a hard link), or on another one (tmpfs: a copy)."""
    if request.param == "hard link":
        settings.VAR_DIR = tmp_path / "var"
        yield request.param
    else:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
            settings.VAR_DIR = Path(other)
            yield request.param


def _accepted(licensed_source, clip, settings) -> tuple[Path, Delivery, TranscodeJob]:
    settings.TASKS = HELD  # the transcode waits in the queue, as it would behind other jobs
    path = deliver(licensed_source, EPISODE, clip)
    scan_until_settled(licensed_source)
    delivery = delivery_process(delivery=Delivery.objects.get())
    assert delivery.state == Delivery.State.ACCEPTED, delivery.reason
    return path, delivery, TranscodeJob.objects.get()


def _packages() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "packages"
    return list(root.iterdir()) if root.exists() else []


@pytest.mark.parametrize("how", ["renamed over", "rewritten in place"])
def test_a_file_replaced_after_acceptance_fails_its_transcode_and_comes_back_as_a_new_delivery(
        licensed_source, clip_cache, settings, staging, how):
    path, delivery, job = _accepted(licensed_source, clip_cache(seconds=1, size="320x180"), settings)
    other = clip_cache(seconds=2, size="320x180").read_bytes()
    if how == "renamed over":
        incoming = path.with_name(".incoming.tmp")
        incoming.write_bytes(other)
        os.replace(incoming, path)
    else:
        with open(path, "r+b") as fh:
            fh.write(other)
            fh.truncate()

    assert services.transcode_job_run(job_id=job.pk) == TranscodeJob.State.FAILED
    job.refresh_from_db()
    assert job.attempts == 1  # not retried: retrying cannot bring the accepted bytes back
    assert "Arrival.mkv: the file changed after it was accepted (accepted with sha256 " in job.error
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and "changed after it was accepted" in delivery.reason
    assert not Asset.objects.exists() and _packages() == []
    assert not any((Path(settings.VAR_DIR) / "staging").iterdir())  # the staged file is gone
    assert path.read_bytes() == other  # nothing lost: the new file is where it was put

    settings.TASKS = IMMEDIATE
    scan_until_settled(licensed_source)  # the new file is a new delivery, published from its own bytes
    newest = Delivery.objects.exclude(pk=delivery.pk).get()
    assert newest.state == Delivery.State.PUBLISHED, newest.reason
    assert Asset.objects.get().source_sha256 == newest.sha256 != delivery.sha256


def test_a_hard_linked_source_rewritten_during_the_transcode_is_not_published(licensed_source, clip_cache, settings,
                                                                            monkeypatch):
    settings.VAR_DIR = settings.MEDIA_ROOT.parent / "var"  # same filesystem: staged by hard link
    path, _, job = _accepted(licensed_source, clip_cache(seconds=1, size="320x180"), settings)
    from reelhouse.media.transcode import package

    real_build = package.package_build

    def build_while_the_uploader_writes(**kwargs):
        result = real_build(**kwargs)
        with open(path, "ab") as fh:  # same inode as the staged link
            fh.write(b"\0" * 4096)
        return result

    monkeypatch.setattr(package, "package_build", build_while_the_uploader_writes)
    assert services.transcode_job_run(job_id=job.pk) == TranscodeJob.State.FAILED
    job.refresh_from_db()
    assert "the file changed while it was being transcoded" in job.error and job.attempts == 1
    assert not Asset.objects.filter(provisional=False).exists() and not [
        p for p in _packages() if not p.name.endswith("-quick")]


def test_an_unchanged_delivery_is_built_from_its_staged_copy_and_published(licensed_source, clip_cache, settings,
                                                                          staging, monkeypatch):
    path, delivery, job = _accepted(licensed_source, clip_cache(seconds=1, size="320x180"), settings)
    from reelhouse.media.transcode import package

    real_build, read_from = package.package_build, []

    def build(**kwargs):
        read_from.append((kwargs["source"], os.stat(kwargs["source"]).st_ino == os.stat(path).st_ino))
        return real_build(**kwargs)

    monkeypatch.setattr(package, "package_build", build)
    assert services.transcode_job_run(job_id=job.pk) == TranscodeJob.State.DONE
    [(source, same_inode)] = read_from
    assert source.parent == Path(settings.VAR_DIR) / "staging" / f"job-{job.pk}" and source.name == "source.mkv"
    assert same_inode == (staging == "hard link")  # a hard link on the same filesystem, else a private copy
    assert Asset.objects.get(provisional=False).source_sha256 == delivery.sha256
    assert not any((Path(settings.VAR_DIR) / "staging").iterdir())


@pytest.mark.parametrize("make", [os.mkfifo, lambda p: p.symlink_to("/dev/zero")])
def test_an_nfo_that_is_a_fifo_or_a_link_to_dev_zero_does_not_hang_the_scanner(licensed_source, make):
    nfo = Path(licensed_source.path) / "Harbour Lights (2019)/Season 01/Harbour Lights - S01E02 - Fog.nfo"
    nfo.parent.mkdir(parents=True)
    make(nfo)  # an episode NFO without its video: the scanner reads it for the episode guide
    assert _in_thread(lambda: scan_until_settled(licensed_source)), "the scanner hung on the NFO"
    from reelhouse.ingest.nfo import NfoError, read_nfo_all

    with pytest.raises(NfoError, match=r"cannot read NFO \(a (FIFO|symbolic link)"):
        read_nfo_all(nfo)


def test_a_killed_workers_staged_copy_is_swept_but_a_running_jobs_is_kept(licensed_source, clip_cache, settings):
    settings.VAR_DIR = settings.MEDIA_ROOT.parent / "var"
    _, _, job = _accepted(licensed_source, clip_cache(seconds=1, size="320x180"), settings)
    root = Path(settings.VAR_DIR) / "staging"
    for name in (f"job-{job.pk}", "job-999999"):
        (root / name).mkdir(parents=True)
        (root / name / "source.mkv").write_bytes(b"x" * 1000)
        os.utime(root / name, (0, 0))
    TranscodeJob.objects.filter(pk=job.pk).update(state=TranscodeJob.State.RUNNING)
    assert job_kind(TranscodeJob).sweep() >= 1
    assert sorted(p.name for p in root.iterdir()) == [f"job-{job.pk}"]
