"""Media writes: queue a transcode, run it into an immutable package, publish the result exactly once."""

import contextlib
import datetime as dt
import errno
import logging
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from reelhouse.catalog.services import work_publish
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.jobs import (
    LeaseLost,
    job_claim,
    job_enqueue,
    job_fail,
    job_heartbeat,
    job_lease_kept,
    job_release,
    job_succeed,
)
from reelhouse.core.logs import delivery_correlation
from reelhouse.core.storage import media_tree_delete, media_tree_upload, storage_is_local
from reelhouse.media import conf, signals
from reelhouse.media.fingerprints.services import fingerprint_publish, fingerprint_store
from reelhouse.media.models import Asset, Fingerprint, Rendition, TranscodeJob
from reelhouse.media.probe import MediaError, ProbeError
from reelhouse.media.provisional import (
    QUICK_SUFFIX,
    assets_provisional_remove,
    provisional_withdraw,
    quick_publish_enabled,
    quick_stage_start,
)
from reelhouse.media.staging import (
    SourceChanged,
    StagedSource,
    source_fetched,
    source_staged,
    sources_stored,
)

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 1.0
NEW_EPISODE_DAYS = 14  # an episode aired this recently (or still to air) is "new": it jumps the back catalogue
PRIORITY_NEW = 50
PRIORITY_BACK_CATALOGUE = 0
BUILDING_MARK = ".building-"  # package_build's temporary sibling: packages/.<name>.building-<hex>


class FfmpegMissing(MediaError):
    """The configured ffmpeg binary does not exist or cannot run."""


class DiskFull(MediaError):
    """The package did not fit on the media disk."""


def transcode_priority(*, delivery, from_watch_folder: bool) -> int:
    """New episodes before back catalogue: an episode aired within NEW_EPISODE_DAYS (or not aired yet), or
    anything dropped into a watch folder now (ingest says which) that is not an episode aired long ago. Partner
    feeds' other deliveries (bulk catalogue) wait behind them."""
    from reelhouse.catalog.models import Episode

    air_date = None
    if delivery.work_id is not None:
        air_date = Episode.objects.filter(pk=delivery.work_id).values_list("air_date", flat=True).first()
    if air_date is not None:
        recent = air_date >= clock.now().date() - dt.timedelta(days=NEW_EPISODE_DAYS)
        return PRIORITY_NEW if recent else PRIORITY_BACK_CATALOGUE
    return PRIORITY_NEW if from_watch_folder else PRIORITY_BACK_CATALOGUE


def transcode_job_create(*, delivery, from_watch_folder: bool) -> TranscodeJob:
    """Record a transcode for an accepted delivery and queue it (with its priority) once the transaction commits;
    `from_watch_folder`: the delivery was dropped into a watch folder (not fetched from a partner feed)."""
    # A failed job, or one whose package was held back (done without an asset), is not reused: the delivery was
    # retried, so it is built (and checked) again.
    job = (TranscodeJob.objects.filter(delivery=delivery).exclude(state=TranscodeJob.State.FAILED)
           .exclude(state=TranscodeJob.State.DONE, asset__isnull=True).first())
    if job is not None:
        return job
    job = TranscodeJob.objects.create(delivery=delivery, priority=transcode_priority(
        delivery=delivery, from_watch_folder=from_watch_folder))
    job_enqueue(job=job)
    return job


def package_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "packages"


def ffmpeg_check() -> str:
    """The ffmpeg binary's path, or FfmpegMissing saying what to do."""
    try:
        path = conf.ffmpeg_path()
    except RuntimeError as exc:  # imageio-ffmpeg without its bundled binary
        raise FfmpegMissing(f"ffmpeg not found ({exc}); set REELHOUSE_FFMPEG or reinstall imageio-ffmpeg") from exc
    if not shutil.which(path):
        raise FfmpegMissing(f"ffmpeg not found at {path}; set REELHOUSE_FFMPEG or reinstall")
    return path


def disk_full_message(*, source: Path, at: Path) -> str:
    """'disk full at <path>: N MB free, package needs about M MB' (the need estimated from the ladder's bitrates)."""
    from reelhouse.media.probe import probe
    from reelhouse.media.transcode.ladder import AUDIO_KBPS, ladder_for

    folder = at if at.is_dir() else at.parent
    free_mb = shutil.disk_usage(folder).free / 1e6
    try:
        info = probe(source)
        kbps = sum(r.maxrate_kbps for r in ladder_for(info.display_width, info.display_height)) + AUDIO_KBPS
        need = f"about {kbps * 1000 / 8 * info.duration_s / 1e6:.0f} MB"
    except (MediaError, ValueError):
        need = "an unknown amount"
    return f"disk full at {folder}: {free_mb:.0f} MB free, package needs {need}"


def transcode_job_run(*, job_id: int) -> str:
    """Claim the job, build the delivery's package, record its asset and renditions, publish it to the work.
    Returns the job's state afterwards ('skipped' when another worker holds it or it already ended)."""
    job = job_claim(model=TranscodeJob, pk=job_id)
    if job is None:
        return "skipped"
    audit_record(action="transcode.claimed", subject=job, owner=job.lease_owner, attempt=job.attempts)
    try:
        with delivery_correlation(job.delivery_id):
            log.info("transcode #%s: started (attempt %s)", job.pk, job.attempts, extra={"step": "transcode"})
            return _run_claimed(job)
    except LeaseLost as exc:
        log.warning("%s", exc)
        return "lost"
    except MediaError as exc:
        return job_fail(job=job, error=str(exc), retry=not isinstance(exc, ProbeError))
    except Exception as exc:  # a bug or an unexpected OS error must not leave the job RUNNING
        log.exception("transcode #%s crashed", job.pk)
        return job_fail(job=job, error=f"{type(exc).__name__}: {exc}")
    except BaseException:  # the worker is being stopped: hand the job back for another worker
        job_release(job=job)
        raise


def _run_claimed(job: TranscodeJob) -> str:
    delivery = job.delivery
    existing = Asset.objects.filter(source_sha256=delivery.sha256, work_id=delivery.work_id,
                                    provisional=False).first()
    if existing is not None and delivery.sha256:  # packaged before (an earlier attempt committed): reuse it
        with transaction.atomic():
            job_succeed(job=job, asset=existing, progress=1.0, eta_s=0)
            _publish(job, existing)
        return job.state

    ffmpeg_check()
    directory = f"packages/{uuid.uuid4().hex}"
    job_heartbeat(job=job, package_dir=directory, progress=0.0, speed=None, eta_s=None)
    with contextlib.ExitStack() as stack:
        with job_lease_kept(job):  # hashing (and maybe copying or fetching) a large file reports no progress
            if sources_stored():  # object storage: no shared filesystem, the source comes from the bucket
                staged, subtitles = stack.enter_context(source_fetched(
                    sha256=delivery.sha256, suffix=Path(delivery.path).suffix, key=f"job-{job.pk}",
                    subtitles=(delivery.identity or {}).get("subtitles")))
            else:
                staged = stack.enter_context(source_staged(original=Path(delivery.source.path) / delivery.path,
                                                           sha256=delivery.sha256, key=f"job-{job.pk}"))
                subtitles = _sidecar_subtitles(delivery)
        return _build_staged(job, directory, staged, subtitles)


def _build_staged(job: TranscodeJob, directory: str, staged: StagedSource, subtitles: list[dict]) -> str:
    """Build, check and publish the package of the staged source (the bytes that were accepted). On object storage
    the package is built in the job's private staging folder (local scratch) and uploaded, playlists last, before
    any row points at it."""
    from reelhouse.media.transcode.package import package_build

    delivery = job.delivery
    source = staged.path
    remote = not storage_is_local()
    dest = staged.path.parent / "package" if remote else Path(settings.MEDIA_ROOT) / directory
    last_write = 0.0
    quick = None
    if quick_publish_enabled():  # on object storage it grows in the job's scratch and is uploaded as it grows
        try:
            with job_lease_kept(job):
                quick = quick_stage_start(job=job, source=source, directory=directory + QUICK_SUFFIX,
                                          scratch=staged.path.parent / "quick" if remote else None)
        except MediaError as exc:  # the full build below reports a bad source properly
            log.warning("transcode #%s: no quick rung: %s", job.pk, exc)

    def on_progress(p) -> None:
        nonlocal last_write
        if time.monotonic() - last_write >= PROGRESS_EVERY_S:
            last_write = time.monotonic()
            eta = None
            if p.speed and p.fraction > 0:
                eta = p.out_time_s * (1 - p.fraction) / p.fraction / p.speed
            job_heartbeat(job=job, progress=p.fraction, speed=p.speed, eta_s=eta)

    try:
        try:
            with job_lease_kept(job):  # subtitles, downloads and poster report no progress
                result = package_build(source=source, dest=dest, on_progress=on_progress,
                                       preset=getattr(settings, "REELHOUSE_X264_PRESET", None),
                                       subtitles=subtitles)
        except FileNotFoundError as exc:
            if exc.filename and Path(str(exc.filename)).name.startswith("ffmpeg"):
                raise FfmpegMissing(f"ffmpeg not found at {exc.filename}; set REELHOUSE_FFMPEG or reinstall") from exc
            raise
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFull(disk_full_message(source=source, at=dest.parent)) from exc
            raise
        except MediaError as exc:
            if "No space left on device" in str(exc):
                raise DiskFull(f"{disk_full_message(source=source, at=dest.parent)} (ffmpeg: {exc})") from exc
            raise

        if quick is not None:
            quick.wait()  # far ahead of the full ladder: this only reaps the finished process
        try:
            staged.verify()  # a hard-linked original rewritten in place meanwhile is not published
        except SourceChanged:
            _package_discard(dest, directory, uploaded=False)
            raise
        fingerprint = _fingerprint_keep(job, result)
        if held := _vetting_hold(job, fingerprint):
            _package_discard(dest, directory, uploaded=False)
            if quick is not None:
                quick.stop()
            provisional_withdraw(delivery=delivery, reason=held)
            with transaction.atomic():
                job_succeed(job=job, progress=1.0, eta_s=0)
                audit_record(action="transcode.held", subject=job, reason=held[:500])
            return job.state
        if remote:
            with job_lease_kept(job):  # all of it stored before any row names it; on failure none of it stays
                media_tree_upload(local=dest, prefix=directory)
        try:
            with transaction.atomic():
                asset = Asset.objects.create(
                    work_id=delivery.work_id, delivery=delivery, source_sha256=delivery.sha256, directory=directory,
                    duration_s=result.duration_s, width=result.width, height=result.height,
                )
                Rendition.objects.bulk_create(
                    Rendition(asset=asset, name=r["name"], width=r["width"], height=r["height"],
                              bandwidth=r["bandwidth"], codecs=r["codecs"])
                    for r in result.renditions
                )
                if result.ladder:  # what the content-adaptive probe chose per rung, for the operator
                    audit_record(action="transcode.ladder", subject=job, asset=asset.pk,
                                 probe_s=round(result.ladder_probe_s or 0, 1),
                                 rungs=[{k: d[k] for k in ("rung", "crf", "fixed_kbps", "expected_kbps", "reason")}
                                        for d in result.ladder])
                job_succeed(job=job, asset=asset, progress=1.0, eta_s=0)
                if fingerprint is not None:
                    fingerprint_publish(fingerprint=fingerprint, asset=asset)
                _publish(job, asset)
                assets_provisional_remove(work_id=delivery.work_id)  # at once when nobody is watching it
        except (LeaseLost, IntegrityError) as exc:
            _package_discard(dest, directory, uploaded=remote)
            published = Asset.objects.filter(source_sha256=delivery.sha256, work_id=delivery.work_id,
                                             provisional=False).exists()
            if isinstance(exc, IntegrityError) and not published:
                raise  # not a second publish: a real error, retried like any other
            # Another attempt published this source first (or took the job): ours is surplus, never a second package.
            raise LeaseLost(f"transcode #{job.pk}: package of delivery #{delivery.pk} already published "
                            f"or job taken over; removed surplus {directory}") from None
    except LeaseLost:
        if quick is not None:  # this attempt is over: a new owner builds (and quick-publishes) afresh
            quick.stop()
            provisional_withdraw(delivery=delivery, reason="transcode job taken over")
        raise
    except Exception:  # the job is retried or fails: its retry supersedes, or its failure withdraws, the quick rung
        if quick is not None and remote:  # meanwhile it is completed (ENDLIST), as on disk where its ffmpeg runs on
            quick.finish()
        raise
    finally:
        if quick is not None and remote:  # its scratch folder goes with the job's: nothing may write there after
            quick.stop()
    return job.state


def _package_discard(dest: Path, directory: str, *, uploaded: bool) -> None:
    """Remove a package that will not be published: the local folder, and on object storage what was uploaded."""
    shutil.rmtree(dest, ignore_errors=True)
    if uploaded:
        media_tree_delete(directory)


def _publish(job: TranscodeJob, asset: Asset) -> None:
    job.asset = asset
    work_publish(work=asset.work, asset=asset)
    audit_record(action="transcode.done", subject=job, asset=asset.pk, attempts=job.attempts)
    log.info("transcode #%s: packaged as asset #%s", job.pk, asset.pk, extra={"step": "transcode"})
    signals.package_published.send(sender=TranscodeJob, job=job, asset=asset)


def transcode_job_failed(*, job: TranscodeJob, reason: str) -> None:
    """The job was given up for good (called once, by core.jobs): tell ingest, keep the words for the operator,
    and take back the provisional quick package (the delivery failed; it must not stay published at 360p)."""
    audit_record(action="transcode.failed", subject=job, error=reason[-2000:])
    provisional_withdraw(delivery=job.delivery, reason=reason)
    signals.package_failed.send(sender=TranscodeJob, job=job, reason=reason)


def _fingerprint_keep(job: TranscodeJob, result) -> Fingerprint | None:
    """Store the fingerprint tapped from the encode (one per delivery: a retried job replaces its own)."""
    if result.fingerprint is None:
        return None
    Fingerprint.objects.filter(delivery=job.delivery, in_library=False).delete()
    return fingerprint_store(printed=result.fingerprint, delivery=job.delivery, work_id=job.delivery.work_id)


def _vetting_hold(job: TranscodeJob, fingerprint: Fingerprint | None) -> str:
    """Why the built package must not be published ('' when it may): asked of signals.package_vetting."""
    for _receiver, reason in signals.package_vetting.send(sender=TranscodeJob, job=job, fingerprint=fingerprint):
        if reason:
            return reason
    return ""


def _sidecar_subtitles(delivery) -> list[dict]:
    """The subtitle files ingest found beside the video (Jellyfin naming), still inside the source's folder."""
    root = Path(delivery.source.path).resolve()
    found = []
    for entry in (delivery.identity or {}).get("subtitles") or []:
        path = Path(entry.get("path", "")).resolve()
        if path.is_relative_to(root) and path.is_file():
            found.append(entry | {"path": path})
    return found
