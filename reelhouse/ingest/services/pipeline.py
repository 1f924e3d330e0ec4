"""Take a received delivery through identification, licence check and acceptance; archive its file once published."""

import logging
import os
import re
from pathlib import Path

from django.db import transaction

from reelhouse.catalog.selectors import films_matching
from reelhouse.catalog.services import work_for_identification
from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.ingest import conf, metadata, tags
from reelhouse.ingest.identify import Identification, identify
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.naming import Identity, is_video
from reelhouse.ingest.services.guides import guide_from_provider
from reelhouse.media.probe import MediaError, probe
from reelhouse.media.services import transcode_job_create
from reelhouse.media.staging import SourceChanged, source_store, sources_stored, stored_source_name
from reelhouse.rights import rule
from reelhouse.rights.selectors import withdrawal_problem
from reelhouse.rights.strikes import suspension_of, suspension_reason

log = logging.getLogger(__name__)
_FIX_MARK = re.compile(r"(?i)(?:^|[.\s_\-\[(])(proper|repack|fix(?:ed)?)(?:$|[.\s_\-\])])")
ACTIVE_STATES = (Delivery.State.ACCEPTED, Delivery.State.PUBLISHED)


class IngestError(Exception):
    """An operator action that cannot be done as asked; the message says why and what to do."""


def delivery_path(delivery: Delivery) -> Path:
    return Path(delivery.source.path) / delivery.path


def _decide(delivery: Delivery, step: str, outcome: str) -> None:
    """Append one decision to the delivery's provenance (saved with the next state change)."""
    delivery.decisions = [*delivery.decisions, {"at": clock.now().isoformat(), "step": step, "outcome": outcome}]
    log.info("%s: %s", step, outcome, extra={"step": step})


def _set_state(delivery: Delivery, state: str, reason: str = "", **fields) -> Delivery:
    delivery.state = state
    delivery.reason = reason
    delivery.updated_at = clock.now()
    for name, value in fields.items():
        setattr(delivery, name, value)
    _decide(delivery, "state", f"{state}: {reason}" if reason else state)
    delivery.save()
    audit_record(action=f"delivery.{state}", subject=delivery, reason=reason)
    return delivery


def delivery_quarantine(*, delivery: Delivery, reason: str) -> Delivery:
    """Hold a delivery back with a reason an operator can act on; the file itself is left as it is."""
    log.info("quarantined: %s", reason)
    return _set_state(delivery, Delivery.State.QUARANTINED, reason)


def _identification(delivery: Delivery, path: Path) -> Identification:
    """What the file is: the operator's assignment when there is one, else names and sidecars."""
    if delivery.override:
        o = delivery.override
        if o.get("kind") == "film":
            return Identification(identity=Identity(kind="film", title=o["title"], year=o.get("year")))
        return Identification(identity=Identity(kind="episode", series=o["series"], year=o.get("year"),
                                                season=o["season"], episodes=tuple(o["episodes"])))
    return identify(path, Path(delivery.source.path))


def _is_marked_fix(delivery: Delivery) -> bool:
    return delivery.replacement or bool(_FIX_MARK.search(Path(delivery.path).stem))


def _replacement_problem(delivery: Delivery, work) -> str:
    """'' when this delivery may become the work's file; else why not. A better file (higher resolution) or one
    marked as a fix replaces the current one; another file at the same quality is held back."""
    current = (Delivery.objects.filter(work=work, state__in=ACTIVE_STATES).exclude(pk=delivery.pk)
               .order_by("-updated_at").first())
    if current is None:
        return ""
    if _is_marked_fix(delivery):
        _decide(delivery, "replacement", f"replaces delivery #{current.pk} (marked as a fix)")
        return ""
    current_height = work.asset.height if work.asset_id else (current.height or 0)
    if (delivery.height or 0) > current_height:
        _decide(delivery, "replacement", f"replaces delivery #{current.pk} ({current_height}p -> {delivery.height}p)")
        return ""
    return (f"episode already delivered by #{current.pk} ('{current.path}', {current_height}p; this file is "
            f"{delivery.height}p); mark it as a replacement to use it") if work.kind == "episode" else (
        f"film already delivered by #{current.pk} ('{current.path}', {current_height}p; this file is "
        f"{delivery.height}p); mark it as a replacement to use it")


def delivery_process(*, delivery: Delivery) -> Delivery:
    """Identify, probe and licence-check a received delivery; accept it (queueing its transcode) or
    quarantine it. Re-running on a delivery that already moved on does nothing."""
    if delivery.state != Delivery.State.RECEIVED:
        return delivery
    if (suspension := suspension_of(delivery.source)) is not None:
        return delivery_quarantine(delivery=delivery, reason=suspension_reason(suspension))
    path = delivery_path(delivery)
    if not path.is_file():
        return delivery_quarantine(delivery=delivery, reason=f"{delivery.path}: file disappeared before processing")
    if delivery.size == 0:
        return delivery_quarantine(delivery=delivery, reason=f"{delivery.path}: empty file (0 bytes)")

    duplicate = (Delivery.objects.filter(sha256=delivery.sha256, state__in=ACTIVE_STATES)
                 .exclude(pk=delivery.pk).first())
    if duplicate is not None:
        return _set_state(delivery, Delivery.State.DUPLICATE,
                          f"same content (sha256) as delivery #{duplicate.pk} '{duplicate.path}', already "
                          f"{duplicate.state}", work_id=duplicate.work_id)

    found = _identification(delivery, path)
    if found.identity.kind == "other" and not delivery.override and is_video(path) and (
            tagged := tags.identity_from_tags(path)):  # names and NFOs said nothing: the container's own tags
        _decide(delivery, "identify", f"from embedded tags ({found.identity.reason})")
        found.identity = tagged
    for filled in metadata.fill_identification(found):  # only with a provider API key; NFOs always win
        _decide(delivery, "metadata", filled)
    identity = found.identity
    delivery.identity = identity.as_json() | {
        "warnings": found.warnings,
        # Sidecar subtitles travel with the delivery to the packager (paths are inside the source's folder).
        "subtitles": [s | {"path": str(s["path"])} for s in found.subtitles],
    }
    _decide(delivery, "identify", "assigned by an operator" if delivery.override else
            f"{identity.kind}: {identity.series or identity.title or ''} {identity.season}/{list(identity.episodes)}")
    if identity.kind not in ("episode", "film"):
        reason = identity.reason or f"{delivery.path}: identified as {identity.kind}, not an episode or a film"
        return delivery_quarantine(delivery=delivery, reason=reason)

    if identity.kind == "film" and identity.year is None and not delivery.override and len(
            candidates := films_matching(title=identity.title, licence=delivery.source.licence)) > 1:
        named = ", ".join(f"{f.title} ({f.year})" if f.year else f"{f.title} (no year)" for f in candidates)
        return delivery_quarantine(
            delivery=delivery,
            reason=f"{delivery.path}: '{identity.title}' has no year and the catalog has {len(candidates)} films "
                   f"of that title ({named}); say which with `reelhouse ingest quarantine assign {delivery.pk} "
                   f"--film TITLE --year YEAR`, or name the file 'Title (Year)'")

    try:
        probed = probe(path)
    except MediaError as exc:
        return delivery_quarantine(delivery=delivery, reason=str(exc))
    delivery.width, delivery.height = probed.width, probed.height
    _decide(delivery, "probe", f"{probed.width}x{probed.height}, {probed.duration_s:.1f} s")

    licence = delivery.source.licence
    now = clock.now()
    if problem := rule.delivery_problem(licence, now, source=delivery.source.name):
        return delivery_quarantine(delivery=delivery, reason=problem)
    held = rule.embargo_until(licence, now)
    _decide(delivery, "licence", f"held until the licence starts: {rule.window_problem(licence, now)}" if held
            else f"ok: {licence}")

    if sources_stored():  # object storage: workers on other hosts fetch the accepted bytes from the bucket
        try:
            subtitles = source_store(original=path, sha256=delivery.sha256,
                                     subtitles=delivery.identity.get("subtitles"))
        except SourceChanged as exc:
            return delivery_quarantine(delivery=delivery, reason=str(exc))
        delivery.identity = delivery.identity | {"subtitles": subtitles}
        _decide(delivery, "store", f"stored as {stored_source_name(sha256=delivery.sha256, suffix=path.suffix)}")
    with transaction.atomic():
        work = work_for_identification(found=found, licence=licence, runtime_s=round(probed.duration_s))
        if reason := _replacement_problem(delivery, work):
            return delivery_quarantine(delivery=delivery, reason=reason)
        if problem := withdrawal_problem(work_id=work.pk):
            return delivery_quarantine(delivery=delivery, reason=f"{delivery.path}: {problem}")
        delivery = _set_state(delivery, Delivery.State.ACCEPTED, "", work=work, licence=licence)
        transcode_job_create(delivery=delivery,
                             from_watch_folder=delivery.source.kind == Source.Kind.WATCH_FOLDER)
    if work.kind == "episode" and found.series_info and (tmdb := found.series_info.uniqueids.get("tmdb")):
        guide_from_provider(series=work.series if hasattr(work, "series_id") else work.episode.series,
                            series_id=tmdb, licence=licence)
    return delivery


def on_package_published(sender, *, job, asset, **kwargs) -> None:
    """media published the package built from a delivery: the delivery is done; the one it replaced steps back."""
    delivery = job.delivery
    for older in Delivery.objects.filter(work_id=delivery.work_id, state=Delivery.State.PUBLISHED).exclude(
            pk=delivery.pk):
        _set_state(older, Delivery.State.REPLACED, f"replaced by delivery #{delivery.pk} '{delivery.path}'")
    _set_state(delivery, Delivery.State.PUBLISHED)
    log.info("publish: delivery #%s published as work #%s", delivery.pk, delivery.work_id, extra={"step": "publish"})
    _archive(delivery)


def on_package_failed(sender, *, job, reason, **kwargs) -> None:
    """The transcode failed for good: keep ffmpeg's words as the delivery's reason."""
    _set_state(job.delivery, Delivery.State.FAILED, reason)


def _archive(delivery: Delivery) -> None:
    """With an archive folder set, move a published original there (same relative path); never delete it."""
    archive = conf.archive_dir()
    if not archive:
        return
    src = delivery_path(delivery)
    dest = Path(archive) / delivery.source.name / delivery.path
    if not src.is_file() or dest.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest) if src.stat().st_dev == dest.parent.stat().st_dev else _copy_then_remove(src, dest)
    _decide(delivery, "archive", f"original moved to {dest}")
    delivery.save(update_fields=["decisions"])


def _copy_then_remove(src: Path, dest: Path) -> None:
    import shutil

    tmp = dest.with_name(dest.name + ".part")
    shutil.copy2(src, tmp)
    os.replace(tmp, dest)
    src.unlink()
