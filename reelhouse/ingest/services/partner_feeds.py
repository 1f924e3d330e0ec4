"""Partner feeds: tokens, reading a feed and downloading what is new (the caller queues processing), retries, purge."""

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.ingest import conf, crypto, feeds, outbound
from reelhouse.ingest.models import Delivery, FeedItem, Source
from reelhouse.ingest.services.guides import guide_apply
from reelhouse.ingest.services.pipeline import IngestError
from reelhouse.rights.strikes import suspension_of, suspension_reason

log = logging.getLogger(__name__)


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


def feed_read_and_download(*, source: Source, on_delivery: Callable[[int], object], network=None) -> dict:
    """Read a registered partner feed, record its episode guide, and download what is new into the landing folder.
    Each verified download becomes a RECEIVED delivery (its checksum already known) handed by id to `on_delivery`
    (the caller queues its processing: ingest.dispatch.feed_fetch and the feed_fetch task).
    Every request goes through the source's outbound policy (ingest.outbound); `network` replaces name resolution
    and connecting (tests)."""
    if source.kind != Source.Kind.FEED or not source.feed_url:
        raise IngestError(f"source '{source.name}' is not a partner feed with a URL")
    if (suspension := suspension_of(source)) is not None:  # repeat-infringer policy: not fetched until lifted
        return {"suspended": suspension_reason(suspension)}
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
            on_delivery(delivery.pk)
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
    from reelhouse.ingest.selectors import sources_ingesting

    for source in sources_ingesting(kind=Source.Kind.FEED):
        if source.last_fetch_at is None or at - source.last_fetch_at >= timedelta(seconds=source.feed_interval_s):
            due.append(source)
    return due
