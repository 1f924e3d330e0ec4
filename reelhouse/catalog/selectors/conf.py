"""Sizes of the catalog's rows, pages and listings: one place for the numbers the selectors use."""


ROW_SIZE = 20
NEW_EPISODES_DAYS = 30
CALENDAR_DAYS = 30
CALENDAR_MAX = 200
LISTING_PAGE_SIZE = 48
EPISODES_PER_PAGE = 50
SEARCH_MAX = 50
HOME_GENRE_ROWS = 3


ADULT_AGE = 18
