"""What crashed workers leave behind, removed: a dead attempt's package (on reclaim) and, by the scheduler's sweep,
temporary .building folders, uploads no asset points at and staged sources of jobs no longer running."""

import datetime as dt
import logging
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.jobs import lease_seconds
from reelhouse.core.storage import media_listdir, media_tree_delete, media_walk, storage_is_local
from reelhouse.media.models import Asset, TranscodeJob
from reelhouse.media.provisional import QUICK_SUFFIX
from reelhouse.media.services import BUILDING_MARK, package_root
from reelhouse.media.staging import staging_remove_except

log = logging.getLogger(__name__)


def transcode_job_leftovers_remove(*, job: TranscodeJob) -> list[str]:
    """Remove what a dead attempt left: its temporary .building folder, and its finished folder (on object storage:
    its uploaded objects, whole or partial) if no asset points at it (the worker died before the commit)."""
    if not job.package_dir:
        return []
    if not storage_is_local():
        removed = [d for d in (job.package_dir, job.package_dir + QUICK_SUFFIX)
                   if not Asset.objects.filter(directory=d).exists() and media_tree_delete(d)]
    else:
        target = Path(settings.MEDIA_ROOT) / job.package_dir
        paths = list(target.parent.glob(f".{target.name}{BUILDING_MARK}*"))
        for finished in (target, target.with_name(target.name + QUICK_SUFFIX)):
            directory = f"{job.package_dir}{finished.name[len(target.name):]}"
            if finished.exists() and not Asset.objects.filter(directory=directory).exists():
                paths.append(finished)
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)
        removed = [str(p) for p in paths]
    if removed:
        audit_record(action="transcode.leftovers_removed", subject=job, paths=removed)
    return removed


def packages_sweep(*, older_than_s: float | None = None) -> int:
    """Remove the remains of crashed workers that no running job is building and that have not changed for a lease
    period: temporary .building folders under packages/ on local disk; on object storage, package folders no asset
    points at (an upload interrupted before its asset was committed; see _orphan_uploads_remove for which it lists)."""
    older_than_s = lease_seconds() if older_than_s is None else older_than_s
    live = {Path(d).name for d in TranscodeJob.objects.filter(state=TranscodeJob.State.RUNNING)
            .values_list("package_dir", flat=True)}
    if not storage_is_local():
        return _orphan_uploads_remove(live=live, older_than_s=older_than_s)
    root = package_root()
    if not root.is_dir():
        return 0
    removed = 0
    for path in root.glob(f".*{BUILDING_MARK}*"):
        name = path.name[1:].split(BUILDING_MARK, 1)[0]
        if name in live or time.time() - path.stat().st_mtime < older_than_s:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


FULL_LISTING_S = 86400.0  # how often the bucket sweep lists every folder of packages/ (what a failed clean-up left)
RECENT_LEASES = 3  # the frequent bucket sweep looks at the folders of jobs active within this many lease periods
_bucket_swept_at: float | None = None  # listing a bucket is not free: at most once per lease period per process
_bucket_listed_at: float | None = None  # the last full listing of packages/ (None: not yet in this process)


def _orphan_uploads_remove(*, live: set[str], older_than_s: float) -> int:
    """Remove uploads no asset points at: each lease period, only the folders of transcode jobs (and their quick
    rungs) that were active lately and are not running, the only places a recent crash can have left objects (a
    job's folder is recorded before its first upload, see media.services); once a day, and at the first sweep of
    a process, every folder under packages/ (listing the whole bucket: what an earlier clean-up failed to remove)."""
    global _bucket_swept_at, _bucket_listed_at
    now = time.monotonic()
    if _bucket_swept_at is not None and now - _bucket_swept_at < older_than_s:
        return 0
    _bucket_swept_at = now
    if _bucket_listed_at is None or now - _bucket_listed_at >= FULL_LISTING_S:
        _bucket_listed_at = now
        folders = media_listdir("packages")[0]
    else:
        folders = _recent_job_folders(since_s=older_than_s + RECENT_LEASES * lease_seconds())
    folders = [f for f in folders if f not in live and f.removesuffix(QUICK_SUFFIX) not in live]
    removed = 0
    for start in range(0, len(folders), 500):
        batch = {f"packages/{f}" for f in folders[start:start + 500]}
        for directory in sorted(batch - set(Asset.objects.filter(directory__in=batch)
                                            .values_list("directory", flat=True))):
            newest = max((f.modified for f in media_walk(directory)), default=None)
            if newest is not None and time.time() - newest >= older_than_s and media_tree_delete(directory):
                log.info("sweep: removed %s, an upload no asset points at", directory)
                removed += 1
    return removed


def _recent_job_folders(*, since_s: float) -> list[str]:
    """The package folders (names under packages/, with their quick rungs') of the transcode jobs that held a lease
    within the last `since_s` seconds and are not running now."""
    since = clock.now() - dt.timedelta(seconds=since_s)
    dirs = (TranscodeJob.objects.exclude(state=TranscodeJob.State.RUNNING).exclude(package_dir="")
            .filter(Q(heartbeat_at__gte=since) | Q(finished_at__gte=since)).values_list("package_dir", flat=True))
    names = sorted({Path(d).name for d in dirs if Path(d).parent.as_posix() == "packages"})
    return [f for name in names for f in (name, name + QUICK_SUFFIX)]


def staging_sweep(*, older_than_s: float | None = None) -> int:
    """Remove the staged sources of jobs that are not running (a killed worker's copy), once a lease period old."""
    live = {f"job-{pk}" for pk in TranscodeJob.objects.filter(state=TranscodeJob.State.RUNNING)
            .values_list("pk", flat=True)}
    return staging_remove_except(keep=live, older_than_s=lease_seconds() if older_than_s is None else older_than_s)
