"""Ingest writes: take a received delivery through identification, licence check and acceptance; fetch partner
feeds; quarantine actions (retry, assign, discard); lift embargoes on schedule."""

import hashlib
import logging
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

from reelhouse.catalog.selectors import films_matching
from reelhouse.catalog.services import episode_expect, series_for_guide, work_for_identification, works_publish_due
from reelhouse.core import clock
from reelhouse.core.files import open_regular, sha256_fd
from reelhouse.core.services import audit_record
from reelhouse.ingest import conf, crypto, feeds, metadata, outbound, tags
from reelhouse.ingest.identify import Identification, identify
from reelhouse.ingest.models import CalendarToken, Delivery, FeedItem, Source
from reelhouse.ingest.naming import VIDEO_SUFFIXES, Identity, is_video
from reelhouse.media.probe import MediaError, probe
from reelhouse.media.services import transcode_job_create
from reelhouse.rights.selectors import licence_problem

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
    problem = licence_problem(licence=licence)
    if problem and not (licence is not None and licence.starts_at > clock.now()):
        return delivery_quarantine(
            delivery=delivery, reason=f"source '{delivery.source.name}' has no current licence: {problem}"
        )
    _decide(delivery, "licence", f"held until the licence starts: {problem}" if problem else f"ok: {licence}")

    with transaction.atomic():
        work = work_for_identification(found=found, licence=licence, runtime_s=round(probed.duration_s))
        if reason := _replacement_problem(delivery, work):
            return delivery_quarantine(delivery=delivery, reason=reason)
        delivery = _set_state(delivery, Delivery.State.ACCEPTED, "", work=work, licence=licence)
        transcode_job_create(delivery=delivery)
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


# ------------------------------------------------------------------------------------------ quarantine actions


def _held(delivery: Delivery) -> None:
    if delivery.state not in (Delivery.State.QUARANTINED, Delivery.State.FAILED):
        raise IngestError(f"delivery #{delivery.pk} is {delivery.state}; only quarantined or failed deliveries "
                          f"can be retried, assigned or discarded")


def delivery_retry(*, delivery: Delivery, replacement: bool = False, actor=None) -> Delivery:
    """Run a held delivery through the pipeline again (after a fix to the catalog, licence or file);
    `replacement` marks it as a fix that replaces the work's current file."""
    _held(delivery)
    try:  # hashed afresh, through one descriptor: the file may have changed (even keeping its size and mtime)
        fd = open_regular(delivery_path(delivery))
    except OSError:
        pass  # gone, a link or a FIFO now: processing says so
    else:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            delivery.size, delivery.mtime_ns, delivery.sha256 = st.st_size, st.st_mtime_ns, sha256_fd(fh.fileno())
    delivery.replacement = delivery.replacement or replacement
    _decide(delivery, "operator", "retry" + (" as a replacement" if replacement else ""))
    audit_record(action="delivery.retried", subject=delivery, actor=actor)
    _set_state(delivery, Delivery.State.RECEIVED)
    return delivery_process(delivery=delivery)


def delivery_assign(*, delivery: Delivery, series: str | None = None, season: int | None = None,
                    episodes: list[int] | None = None, film: str | None = None, year: int | None = None,
                    replacement: bool = False, actor=None) -> Delivery:
    """Tell ingest what a held file is (an episode of a series, or a film) and run it through again."""
    _held(delivery)
    if film:
        delivery.override = {"kind": "film", "title": film, "year": year}
    elif series and season is not None and episodes:
        delivery.override = {"kind": "episode", "series": series, "year": year, "season": season,
                             "episodes": sorted(episodes)}
    else:
        raise IngestError("assign needs either --film TITLE, or --series TITLE --season N --episode N")
    _decide(delivery, "operator", f"assigned: {delivery.override}")
    return delivery_retry(delivery=delivery, replacement=replacement, actor=actor)


def delivery_discard(*, delivery: Delivery, reason: str = "", actor=None) -> Delivery:
    """Give up on a held delivery. The file is left exactly where it is (ingest never deletes originals)."""
    _held(delivery)
    _decide(delivery, "operator", "discarded")
    audit_record(action="delivery.discard", subject=delivery, actor=actor)
    return _set_state(delivery, Delivery.State.DISCARDED, reason or "discarded by an operator; the file was left "
                                                                    "in place")


# ------------------------------------------------------------------------------------------ scanning and feeds


def sources_scan(*, sources=None, on_progress=None) -> list:
    """Scan every enabled source folder and queue processing of each file that became complete."""
    from reelhouse.ingest.scan import source_scan
    from reelhouse.ingest.tasks import delivery_process as delivery_process_task

    reports = []
    for source in sources if sources is not None else Source.objects.filter(enabled=True):
        report = source_scan(source=source, on_progress=on_progress)
        for nfo in report.guide_nfos:
            guide_from_nfo(source=source, nfo=nfo)
        for delivery_id in report.received:
            delivery_process_task.enqueue(delivery_id)
        reports.append(report)
    return reports


def paths_notified(*, source: Source, paths: list) -> object:
    """Files a filesystem notification named: take each one step (as the periodic scan would) and queue the
    processing of those that became complete."""
    from reelhouse.ingest.scan import source_scan_paths
    from reelhouse.ingest.tasks import delivery_process as delivery_process_task

    report = source_scan_paths(source=source, paths=paths)
    for nfo in report.guide_nfos:
        guide_from_nfo(source=source, nfo=nfo)
    for delivery_id in report.received:
        delivery_process_task.enqueue(delivery_id)
    return report


def source_feed_token_set(*, source: Source, token: str, actor=None) -> Source:
    """Replace (or, with '', remove) a partner feed's token; it is stored encrypted and never shown again."""
    source.feed_token = token.strip()
    source.save(update_fields=["feed_token"])
    audit_record(action="source.feed_token_set" if token else "source.feed_token_cleared", subject=source,
                 actor=actor)
    return source


def source_feed_token_dropped(*, source: Source, actor=None) -> None:
    """Record that moving a feed to another origin dropped its token (Source.save does the dropping)."""
    audit_record(action="source.feed_token_cleared", subject=source, actor=actor,
                 reason="feed moved to another origin")


def feed_fetch(*, source: Source, network=None) -> dict:
    """Read a registered partner feed, record its episode guide, and download what is new into the landing folder.
    Each verified download becomes a RECEIVED delivery (its checksum already known) and is queued for processing.
    Every request goes through the source's outbound policy (ingest.outbound); `network` replaces name resolution
    and connecting (tests)."""
    from reelhouse.ingest.tasks import delivery_process as delivery_process_task

    if source.kind != Source.Kind.FEED or not source.feed_url:
        raise IngestError(f"source '{source.name}' is not a partner feed with a URL")
    counts = {"entries": 0, "downloaded": 0, "refused": 0, "failed": 0, "pending": 0, "guide": 0}
    now = clock.now()
    if not source.feed_url.lower().startswith(("http://", "https://")):
        feed_error = f"{source.feed_url}: only http(s) feeds are fetched"
    else:
        try:
            policy = outbound.source_policy(source, network=network)
            feed = feeds.feed_read(source.feed_url, policy=policy)
            feed_error = ""
        except feeds.FeedError as exc:
            feed_error = str(exc)
        except crypto.SecretUnreadable as exc:
            feed_error = f"{source.feed_url}: {exc}"
        except outbound.PolicyError as exc:  # a bad allowed network written outside the admin form
            feed_error = f"{source.feed_url}: {exc}"
    Source.objects.filter(pk=source.pk).update(last_fetch_at=now, last_error=feed_error)
    source.last_fetch_at, source.last_error = now, feed_error
    if feed_error:
        log.warning("feed %s: %s", source.name, feed_error)
        audit_record(action="feed.failed", subject=source, reason=feed_error)
        return counts | {"error": feed_error}

    if feed.problems:  # the feed was read, but parts of it were skipped: say which, and move on to the next fetch
        shown = "; ".join(feed.problems[:20]) + (f"; and {len(feed.problems) - 20} more" if len(feed.problems) > 20
                                                 else "")
        Source.objects.filter(pk=source.pk).update(last_error=f"{source.feed_url}: {shown}")
        source.last_error = f"{source.feed_url}: {shown}"
        audit_record(action="feed.problems", subject=source, reason=source.last_error)
        counts["problems"] = len(feed.problems)
    counts["guide"] = len(guide_apply(source=source, entries=feed.guide))
    landing = Path(source.path)
    landing.mkdir(parents=True, exist_ok=True)
    budget = feeds.Budget(left=conf.feed_max_fetch_bytes())
    for entry in feed.entries:
        counts["entries"] += 1
        item, _ = FeedItem.objects.get_or_create(
            source=source, url=entry.url[:2000], sha256=entry.sha256,
            defaults={"path": entry.path, "size": entry.size})
        if item.state in (FeedItem.State.DONE, FeedItem.State.FAILED, FeedItem.State.REFUSED):
            continue
        if entry.problem:
            _feed_item_set(item, FeedItem.State.REFUSED, f"{entry.url or '(no url)'}: {entry.problem}")
            counts["refused"] += 1
            continue
        if (known := Delivery.objects.filter(source=source, sha256=entry.sha256).first()) is not None:
            _feed_item_set(item, FeedItem.State.DONE, f"already delivered as #{known.pk}", delivery=known)
            continue
        delivery = _feed_download(source, item, entry, landing, policy, budget)
        if delivery is not None:
            counts["downloaded"] += 1
            delivery_process_task.enqueue(delivery.pk)
        else:
            counts[item.state if item.state != FeedItem.State.PENDING else "pending"] += 1
    return counts


def _feed_item_set(item: FeedItem, state: str, reason: str = "", **fields) -> None:
    item.state, item.reason, item.updated_at = state, reason, clock.now()
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    if state in (FeedItem.State.FAILED, FeedItem.State.REFUSED):
        audit_record(action=f"feed_item.{state}", subject=item, reason=reason)


def _feed_download(source: Source, item: FeedItem, entry: feeds.FeedEntry, landing: Path, policy,
                   budget: feeds.Budget) -> Delivery | None:
    last = ""
    for _ in range(conf.DOWNLOAD_ATTEMPTS):
        if reason := budget.refuses(entry, landing):
            _feed_item_set(item, FeedItem.State.PENDING, reason)
            return None
        item.attempts += 1
        try:
            target = feeds.download(entry, landing=landing, policy=policy, feed_url=source.feed_url,
                                    max_bytes=conf.feed_max_download_bytes(), budget=budget)
        except feeds.DownloadError as exc:
            last = str(exc)
            if isinstance(exc, feeds.BudgetSpent):
                _feed_item_set(item, FeedItem.State.PENDING, last)
                return None
            if exc.final:
                kept = feeds.keep_aside(landing, entry)
                _feed_item_set(item, FeedItem.State.FAILED, last, kept_at=str(kept or ""))
                return None
            continue
        st = target.stat()
        now = clock.now()
        delivery = Delivery.objects.create(
            source=source, path=target.relative_to(landing).as_posix(), size=st.st_size, mtime_ns=st.st_mtime_ns,
            sha256=entry.sha256, state=Delivery.State.RECEIVED, origin_url=entry.url[:2000], first_seen_at=now,
            updated_at=now,
            decisions=[{"at": now.isoformat(), "step": "download",
                        "outcome": f"{st.st_size} bytes from {entry.url}, sha256 verified"}])
        _feed_item_set(item, FeedItem.State.DONE, "", delivery=delivery)
        return delivery
    _feed_item_set(item, FeedItem.State.PENDING, f"{last} (after {item.attempts} attempts; resumes on the next fetch)")
    return None


def feed_item_retry(*, item: FeedItem, actor=None) -> FeedItem:
    """Download a failed feed item again on its feed's next fetch (e.g. after its network was allowed)."""
    if item.state != FeedItem.State.FAILED:
        raise IngestError(f"feed item {item}: only failed items are retried (this one is {item.get_state_display()})")
    _feed_item_set(item, FeedItem.State.PENDING, f"retry asked by an operator; was: {item.reason}", attempts=0)
    audit_record(action="feed_item.retry", subject=item, actor=actor)
    return item


def feed_downloads_purge(*, at=None) -> int:
    """Delete feed downloads kept aside (failed verification) and abandoned partial ones once they are older than
    REELHOUSE_FEED_REJECTED_RETENTION_DAYS; the feed item keeps its reason and says the file is gone."""
    days = conf.feed_rejected_retention_days()
    before = (at or clock.now()) - timedelta(days=days)
    removed = 0
    for source in Source.objects.filter(kind=Source.Kind.FEED):
        for path in feeds.purge_kept(Path(source.path), before=before):
            removed += 1
            for item in FeedItem.objects.filter(source=source, kept_at=str(path)):
                item.reason += f" (the file kept aside was deleted after {days:g} days)"
                item.kept_at, item.updated_at = "", clock.now()
                item.save(update_fields=["reason", "kept_at", "updated_at"])
            audit_record(action="feed.download_purged", subject=source, path=str(path))
    return removed


def feeds_due(*, at=None) -> list[Source]:
    """Partner feeds whose schedule says it is time to fetch them again."""
    at = at or clock.now()
    due = []
    for source in Source.objects.filter(enabled=True, kind=Source.Kind.FEED):
        if source.last_fetch_at is None or at - source.last_fetch_at >= timedelta(seconds=source.feed_interval_s):
            due.append(source)
    return due


def guide_apply(*, source: Source, entries: list) -> list:
    """Record announced episodes (with air dates) before they are delivered, so they can be tracked as missing."""
    episodes = []
    for entry in entries:
        series = series_for_guide(title=entry.series, year=entry.year)
        episodes.append(episode_expect(series=series, season_number=entry.season, number=entry.episode,
                                       title=entry.title, air_date=entry.air_date, licence=source.licence))
    return episodes


def guide_from_nfo(*, source: Source, nfo: Path) -> list:
    """An episode NFO that arrived without its video announces the episode (with its air date) before delivery."""
    if any(nfo.with_suffix(suffix).exists() for suffix in VIDEO_SUFFIXES):
        return []  # the video is here: its delivery records the episode
    found = identify(nfo.with_suffix(".mkv"), Path(source.path))
    ident, info = found.identity, found.item_info
    if ident.kind != "episode" or not ident.episodes or not ident.series:
        return []
    series = series_for_guide(title=ident.series, year=ident.year)
    air_date = (info.aired or info.premiered) if info else ident.air_date
    title = (info.title if info else "") or ""
    return [episode_expect(series=series, season_number=ident.season if ident.season is not None else 1,
                           number=n, title=title if n == ident.episodes[0] else "", air_date=air_date,
                           licence=source.licence) for n in ident.episodes]


def guide_from_provider(*, series, series_id: str, licence=None, force: bool = False) -> list:
    """Record a series' episode guide (titles, air dates) from the online metadata provider, at most once a day
    per series unless forced. Without a provider, or when it fails, nothing happens (the failure is logged)."""
    p = metadata.provider()
    key = f"ingest:guide:{p.name if p else '-'}:{series.pk}"
    if p is None or (not force and cache.get(key)):
        return []
    cache.set(key, True, conf.GUIDE_REFRESH_S)  # also when it fails: no hammering a provider that is down
    try:
        guide = p.series_guide(series_id=series_id)
    except metadata.ProviderError as exc:
        log.warning("episode guide of %s not refreshed: %s", series, exc)
        return []
    return [episode_expect(series=series, season_number=g.season, number=g.episode, title=g.title,
                           air_date=g.air_date, licence=licence) for g in guide]


def guides_refresh(*, limit: int = 20, every_s: int = 600) -> int:
    """Scheduler: refresh the provider episode guides of series that carry the provider's id and were not read in
    the last day; a few per run, and runs at most every `every_s` seconds (the beat itself is every few seconds)."""
    from reelhouse.catalog.models import Series

    p = metadata.provider()
    if p is None or not cache.add("ingest:guides_refresh", True, every_s):
        return 0
    done = 0
    batch = []
    for series in Series.objects.filter(external_ids__has_key=p.name).only("pk", "external_ids").order_by("pk") \
            .iterator(chunk_size=500):
        batch.append(series)
        if len(batch) < 500:
            continue
        done += _guides_refresh_batch(p, batch, limit - done)
        batch = []
        if done >= limit:
            return done
    return done + _guides_refresh_batch(p, batch, limit - done)


def _guides_refresh_batch(p, batch: list, room: int) -> int:
    fresh = cache.get_many([f"ingest:guide:{p.name}:{s.pk}" for s in batch])
    done = 0
    for series in batch:
        if done >= room:
            break
        if f"ingest:guide:{p.name}:{series.pk}" in fresh:
            continue
        latest = series.episodes.exclude(licence=None).select_related("licence").order_by("-pk").first()
        guide_from_provider(series=series, series_id=str(series.external_ids[p.name]),
                            licence=latest.licence if latest else None)
        done += 1
    return done


def ingest_tick() -> dict:
    """One scheduler beat beyond watch-folder scans: queue due feed fetches, publish works whose embargo passed."""
    from reelhouse.ingest.tasks import feed_fetch as feed_fetch_task

    for source in feeds_due():
        Source.objects.filter(pk=source.pk).update(last_fetch_at=clock.now())  # not queued twice while it runs
        feed_fetch_task.enqueue(source.pk)
    guides_refresh()
    if cache.add("ingest:feed_downloads_purge", True, 3600):  # hourly is plenty for a retention in days
        feed_downloads_purge()
    return {"published": [w.pk for w in works_publish_due()]}


def publish_due() -> list:
    """Publish held (embargoed) works whose air date and licence start have passed."""
    return works_publish_due()


# ------------------------------------------------------------------------------------------ calendar links


def calendar_token_hash(raw: str) -> str:
    # The token is 256 random bits: a plain digest is enough (no password stretching needed), and is indexable.
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_token_create(*, user, label: str = "") -> tuple[CalendarToken, str]:
    """A new private iCal link for a staff member. Returns the record and the token, which is never stored or
    shown again (only its hash is kept)."""
    if not (user.is_active and user.is_staff):
        raise IngestError(f"{user}: calendar links are for active staff accounts only")
    raw = secrets.token_urlsafe(32)
    token = CalendarToken.objects.create(user=user, label=label.strip()[:120], token_hash=calendar_token_hash(raw),
                                         hint=raw[:6])
    audit_record(action="calendar_token.created", subject=token, actor=user)
    return token, raw


def calendar_token_revoke(*, token: CalendarToken, actor=None) -> CalendarToken:
    """Stop a calendar link from working (idempotent); the other links of the same person keep working."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="calendar_token.revoked", subject=token, actor=actor)
    return token


def calendar_token_use(*, raw: str):
    """The staff member a calendar link belongs to, or None when it is unknown, revoked, or its owner is no longer
    active staff. Records when it was last used (at most once a minute, so polling clients cost few writes)."""
    token = (CalendarToken.objects.select_related("user")
             .filter(token_hash=calendar_token_hash(raw), revoked_at__isnull=True).first())
    if token is None or not (token.user.is_active and token.user.is_staff):
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        CalendarToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
