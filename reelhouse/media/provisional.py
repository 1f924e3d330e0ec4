"""Provisional packages: the quick low rung that makes a new delivery watchable within seconds while the full ladder
encodes, taken back when the delivery fails, and removed once superseded and no longer played."""

import datetime as dt
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reelhouse.catalog.services import work_publish
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.core.storage import media_tree_delete
from reelhouse.media import signals
from reelhouse.media.models import Asset, Rendition, TranscodeJob
from reelhouse.media.probe import probe
from reelhouse.media.quick_upload import QuickUpload
from reelhouse.media.transcode.quick import QuickEncode, QuickNotReady, quick_start

log = logging.getLogger(__name__)
QUICK_SUFFIX = "-quick"  # the provisional quick rung of packages/<name> lives in packages/<name>-quick
QUICK_READY_TIMEOUT_S = 120.0
OPENING_CHECK_S = 60.0  # the quick rung waits until this much of the delivery was compared with the library


def quick_publish_enabled() -> bool:
    return bool(getattr(settings, "REELHOUSE_QUICK_PUBLISH", True))


def provisional_grace_s() -> float:
    """How long a superseded provisional package outlives the last heartbeat of a session playing it."""
    return float(getattr(settings, "REELHOUSE_PROVISIONAL_GRACE_S", 300))


def quick_stage_start(*, job: TranscodeJob, source: Path, directory: str,
                      scratch: Path | None = None) -> QuickEncode | QuickUpload | None:
    """Make a new delivery watchable within seconds: start an ultrafast low-rung encode of `source` as a growing
    EVENT playlist in `directory` (under MEDIA_ROOT; on object storage: in the worker's private `scratch` folder,
    uploaded to `directory` in the bucket as it grows, see media.quick_upload), and once its first segment exists
    (is stored) publish it to the work as a provisional asset. Returns the running encode (it keeps growing; the
    caller reaps it), or None when the work already has a package (a re-encode, or a retry after the provisional
    one was published) or the quick encode produced nothing in time (logged; the full ladder still publishes)."""
    from reelhouse.catalog.models import Work

    delivery = job.delivery
    if delivery.work_id is None or Work.objects.filter(pk=delivery.work_id, asset__isnull=False).exists():
        return None
    if known := _opening_known(job=job, source=source):
        log.info("transcode #%s: no quick rung: %s", job.pk, known)
        audit_record(action="transcode.quick_skipped", subject=job, reason=known)
        return None
    info = probe(source)
    dest = Path(settings.MEDIA_ROOT) / directory if scratch is None else scratch
    encode = quick_start(source=source, directory=dest, info=info)
    if scratch is not None:
        encode = QuickUpload(encode=encode, prefix=directory).start()
    try:
        encode.wait_ready(timeout_s=QUICK_READY_TIMEOUT_S)
        with transaction.atomic():
            asset = Asset.objects.create(
                work_id=delivery.work_id, delivery=delivery, source_sha256=delivery.sha256, directory=directory,
                duration_s=info.duration_s, width=info.display_width, height=info.display_height, provisional=True,
            )
            rung = encode.rung
            Rendition.objects.create(asset=asset, name=rung.name, width=rung.width, height=rung.height,
                                     bandwidth=rung.maxrate_kbps * 1000, codecs="avc1.4d401f,mp4a.40.2")
            work_publish(work=asset.work, asset=asset)
            audit_record(action="transcode.provisional", subject=job, asset=asset.pk, directory=directory)
    except QuickNotReady as exc:
        _quick_discard(encode, dest, directory)
        log.warning("transcode #%s: %s", job.pk, exc)
        audit_record(action="transcode.quick_failed", subject=job, error=str(exc)[-1000:])
        return None
    except BaseException:
        _quick_discard(encode, dest, directory)
        raise
    signals.package_provisional.send(sender=TranscodeJob, job=job, asset=asset)
    return encode


def _quick_discard(encode: QuickEncode | QuickUpload, dest: Path, directory: str) -> None:
    """Stop an unpublished quick encode and remove it: its folder, and on object storage what it had stored."""
    encode.stop()
    shutil.rmtree(dest, ignore_errors=True)
    _folder_remove(directory)


def _folder_remove(directory: str) -> None:
    """Delete a provisional package's files (disk or bucket), best effort: a store that fails now (the reason a
    quick upload often fails) must not fail the transcode; the scheduler's sweep removes what no asset names."""
    try:
        media_tree_delete(directory)
    except Exception as exc:
        log.warning("could not remove %s (left to the sweep): %s", directory, exc)


def _opening_known(*, job: TranscodeJob, source: Path) -> str:
    """Why the delivery must wait for the full build's content check before anything of it is shown: its first
    OPENING_CHECK_S already look like a work of the library (a withdrawn one, another licensor's); '' when not.
    A quick look (the opening only, sampled at 1 fps) so that a known work is never published provisionally."""
    from reelhouse.media.fingerprints.engine import fingerprint_file
    from reelhouse.media.fingerprints.services import library_matches

    printed = fingerprint_file(source, duration_s=OPENING_CHECK_S)
    found = library_matches(printed=printed, exclude_work_id=job.delivery.work_id)
    return f"its opening matches {found[0].fingerprint.work}; it waits for the full check" if found else ""


def provisional_withdraw(*, delivery, reason: str) -> int:
    """Unpublish and delete the provisional packages of `delivery` that are still their work's asset (the full
    ladder will not come from this attempt). A provisional package already superseded by a full one is left to
    `assets_provisional_remove`. Returns how many were withdrawn."""
    from reelhouse.catalog.models import Work

    withdrawn = 0
    for asset in Asset.objects.filter(delivery=delivery, provisional=True):
        with transaction.atomic():
            # The quick stage only runs for a work without a package, so this was its first publish: undo it.
            if not Work.objects.filter(pk=asset.work_id, asset_id=asset.pk).update(asset=None, published_at=None):
                continue
            audit_record(action="asset.provisional_withdrawn", subject=asset.work, asset=asset.pk,
                         reason=reason[-500:])
            asset.delete()
        _folder_remove(asset.directory)
        withdrawn += 1
    return withdrawn


def assets_provisional_remove(*, grace_s: float | None = None, work_id: int | None = None) -> int:
    """Delete superseded provisional packages (no longer their work's asset) that no session has played within
    `grace_s` (asked through signals.asset_in_use): playback ends their sessions and moves them to the work's current
    asset (signals.asset_retiring, so history stays), then the asset and its folder go (once the transaction
    commits). Returns how many were removed."""
    grace_s = provisional_grace_s() if grace_s is None else grace_s
    now = clock.now()
    since = now - dt.timedelta(seconds=grace_s)
    removed = 0
    candidates = Asset.objects.filter(provisional=True).select_related("work")
    if work_id is not None:
        candidates = candidates.filter(work_id=work_id)
    for asset in candidates:
        current = asset.work.asset_id
        if current is None or current == asset.pk:
            continue
        if any(in_use for _receiver, in_use in signals.asset_in_use.send(sender=Asset, asset=asset, since=since)):
            continue  # someone is still watching it
        with transaction.atomic():
            signals.asset_retiring.send(sender=Asset, asset=asset, replacement_id=current, at=now)
            audit_record(action="asset.provisional_removed", subject=asset.work, asset=asset.pk,
                         directory=asset.directory)
            asset.delete()
            transaction.on_commit(lambda folder=asset.directory: _folder_remove(folder))  # disk or bucket
        removed += 1
    return removed
