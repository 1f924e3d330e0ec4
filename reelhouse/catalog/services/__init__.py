"""Catalog writes, one module per concern: metadata (genres, studios, credits), maturity (ratings per country),
title_translations, works (identification -> work), guides (episode guides), publishing (embargo, publish),
search_index, availability (where entries may be shown), follows (follows and My List)."""

from reelhouse.catalog.services.availability import (  # noqa: F401
    RIGHTS_CHUNK,
    EntryRights,
    availability_refresh,
    availability_refresh_due,
)
from reelhouse.catalog.services.follows import (  # noqa: F401
    follow_set,
    my_list_set,
)
from reelhouse.catalog.services.guides import (  # noqa: F401
    episode_expect,
    series_for_guide,
)
from reelhouse.catalog.services.maturity import (  # noqa: F401
    RatingError,
    maturity_refresh,
    rating_systems_sync,
    title_rating_set,
    title_ratings_from_nfo,
)
from reelhouse.catalog.services.metadata import (  # noqa: F401
    credits_set,
    genres_for,
    studios_for,
    unique_slug,
)
from reelhouse.catalog.services.publishing import (  # noqa: F401
    work_embargo_until,
    work_publish,
    works_publish_due,
)
from reelhouse.catalog.services.search_index import (  # noqa: F401
    search_entries_refresh,
    search_entries_sync,
    search_entry_for_episode,
    search_entry_for_film,
    search_entry_for_series,
    search_index_rebuild,
)
from reelhouse.catalog.services.title_translations import (  # noqa: F401
    title_translation_set,
)
from reelhouse.catalog.services.works import (  # noqa: F401
    work_for_identification,
)
