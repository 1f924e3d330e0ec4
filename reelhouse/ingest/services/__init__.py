"""Ingest writes, by concern: the delivery pipeline (identify, licence check, accept or quarantine, archive),
quarantine actions (retry, assign, discard), content checks of a built package against the library's fingerprints
(withdrawn works, other licences), partner feeds (read and download; they never queue work: ingest.dispatch does),
episode guides and calendar links."""

from reelhouse.ingest.services.calendar import (  # noqa: F401
    calendar_token_create,
    calendar_token_hash,
    calendar_token_revoke,
    calendar_token_use,
)
from reelhouse.ingest.services.content import content_check, on_package_vetting  # noqa: F401
from reelhouse.ingest.services.guides import (  # noqa: F401
    guide_apply,
    guide_from_nfo,
    guide_from_provider,
    guides_refresh,
)
from reelhouse.ingest.services.partner_feeds import (  # noqa: F401
    feed_downloads_purge,
    feed_item_retry,
    feed_read_and_download,
    feeds_due,
    source_feed_token_dropped,
    source_feed_token_set,
)
from reelhouse.ingest.services.pipeline import (  # noqa: F401
    IngestError,
    delivery_path,
    delivery_process,
    delivery_quarantine,
    on_package_failed,
    on_package_published,
)
from reelhouse.ingest.services.quarantine import (  # noqa: F401
    delivery_assign,
    delivery_discard,
    delivery_retry,
)
