"""Quarantine actions on a held delivery: retry, assign to a work, discard."""

import os

from reelhouse.core.audit import audit_record
from reelhouse.core.files import open_regular, sha256_fd
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.services.pipeline import IngestError, _decide, _set_state, delivery_path, delivery_process


def _require_held(delivery: Delivery) -> None:
    if delivery.state not in (Delivery.State.QUARANTINED, Delivery.State.FAILED):
        raise IngestError(f"delivery #{delivery.pk} is {delivery.state}; only quarantined or failed deliveries "
                          f"can be retried, assigned or discarded")


def delivery_retry(*, delivery: Delivery, replacement: bool = False, actor=None) -> Delivery:
    """Run a held delivery through the pipeline again (after a fix to the catalog, licence or file);
    `replacement` marks it as a fix that replaces the work's current file."""
    _require_held(delivery)
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
    _require_held(delivery)
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
    _require_held(delivery)
    _decide(delivery, "operator", "discarded")
    audit_record(action="delivery.discard", subject=delivery, actor=actor)
    return _set_state(delivery, Delivery.State.DISCARDED, reason or "discarded by an operator; the file was left "
                                                                    "in place")
