"""Catalog reads for the pages, with their queries tuned: a fixed number per page at any catalog size.

One module per concern: visibility (what a profile may see), cards (tiles, continue watching), home (the compiled
home rows), listings (My List, genres, A-Z, calendar), titles (series pages, title facts), searching.
"""

from reelhouse.catalog.selectors.cards import (  # noqa: F401
    Card,
    continue_watching,
)
from reelhouse.catalog.selectors.conf import (  # noqa: F401
    ADULT_AGE,
    CALENDAR_DAYS,
    CALENDAR_MAX,
    EPISODES_PER_PAGE,
    HOME_GENRE_ROWS,
    LISTING_PAGE_SIZE,
    NEW_EPISODES_DAYS,
    ROW_SIZE,
    SEARCH_MAX,
)
from reelhouse.catalog.selectors.facts import (  # noqa: F401
    ShownRating,
    TitleFacts,
    title_facts,
)
from reelhouse.catalog.selectors.home import (  # noqa: F401
    TOP_COUNTRY_SIZE,
    _shared_cache,
    home_rows,
)
from reelhouse.catalog.selectors.listings import (  # noqa: F401
    az_listing,
    calendar,
    follows_of,
    genre_listing,
    my_list,
    with_my_list,
)
from reelhouse.catalog.selectors.searching import (  # noqa: F401
    catalog_search,
)
from reelhouse.catalog.selectors.titles import (  # noqa: F401
    SeasonNotFound,
    films_matching,
    series_page,
    title_details,
    title_leaving_on,
)
from reelhouse.catalog.selectors.visibility import (  # noqa: F401
    CARD_FIELDS,
    entries_visible,
    episodes_visible,
    films_visible,
    maturity_allows,
    maturity_q,
    series_visible,
    viewer_country,
)
