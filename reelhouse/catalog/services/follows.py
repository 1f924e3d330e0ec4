"""Follows and My List."""


from reelhouse.catalog.models import (
    Film,
    MyListItem,
    Series,
)


def follow_set(*, profile, series: Series, following: bool) -> bool:
    """Follow or unfollow a series for a profile (idempotent); returns whether the profile now follows it."""
    from reelhouse.catalog.models import Follow

    if following:
        Follow.objects.get_or_create(profile=profile, series=series)
    else:
        Follow.objects.filter(profile=profile, series=series).delete()
    return following


def my_list_set(*, profile, series: Series | None = None, film: Film | None = None, listed: bool) -> bool:
    """Add a series or a film to a profile's My List, or take it off (idempotent); returns whether it is listed."""
    if (series is None) == (film is None):
        raise ValueError("my_list_set needs exactly one of series or film")
    key = {"series": series} if series is not None else {"film": film}
    if listed:
        MyListItem.objects.get_or_create(profile=profile, **key)
    else:
        MyListItem.objects.filter(profile=profile, **key).delete()
    return listed
