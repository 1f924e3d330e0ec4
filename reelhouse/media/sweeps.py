"""What crashed workers leave behind, removed: a dead attempt's package (on reclaim) and, by the scheduler's sweep,
temporary .building folders, uploads no asset points at and staged sources of jobs no longer running."""

import logging
import shutil
import time
from pathlib import Path

from django.conf import settings

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
    points at (an upload interrupted before its asset was committed)."""
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


_bucket_swept_at = 0.0  # listing a bucket's packages is not free: at most once per lease period per process


def _orphan_uploads_remove(*, live: set[str], older_than_s: float) -> int:
    global _bucket_swept_at
    if time.monotonic() - _bucket_swept_at < older_than_s:
        return 0
    _bucket_swept_at = time.monotonic()
    folders = [f for f in media_listdir("packages")[0]
               if f not in live and f.removesuffix(QUICK_SUFFIX) not in live]
    removed = 0
    for start in range(0, len(folders), 500):
        batch = {f"packages/{f}" for f in folders[start:start + 500]}
        for directory in sorted(batch - set(Asset.objects.filter(directory__in=batch)
                                            .values_list("directory", flat=True))):
            newest = max((f.modified for f in media_walk(directory)), default=0.0)
            if time.time() - newest >= older_than_s and media_tree_delete(directory):
                log.info("sweep: removed %s, an upload no asset points at", directory)
                removed += 1
    return removed


def staging_sweep(*, older_than_s: float | None = None) -> int:
    """Remove the staged sources of jobs that are not running (a killed worker's copy), once a lease period old."""
    live = {f"job-{pk}" for pk in TranscodeJob.objects.filter(state=TranscodeJob.State.RUNNING)
            .values_list("pk", flat=True)}
    return staging_remove_except(keep=live, older_than_s=lease_seconds() if older_than_s is None else older_than_s)
