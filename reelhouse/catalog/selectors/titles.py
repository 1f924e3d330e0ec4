"""Title pages: a series' seasons and episodes, a title's facts."""

from django.db.models import Count, Q

from reelhouse.catalog.models import (
    Credit,
    Film,
    Season,
    Series,
)
from reelhouse.catalog.selectors.cards import _watch_url
from reelhouse.catalog.selectors.conf import EPISODES_PER_PAGE
from reelhouse.catalog.selectors.visibility import _published_episodes, maturity_q
from reelhouse.catalog.viewing import viewing
from reelhouse.core import clock
from reelhouse.rights import rule
from reelhouse.rights.lifecycle import leaving_on


def title_details(*, series: Series | None = None, film: Film | None = None, with_genres: bool = True) -> dict:
    """Genres (one query, skipped when not asked) and credits (one query): directors, writers, first actors."""
    title = series if series is not None else film
    credits = list(Credit.objects.filter(**{"series" if series is not None else "film": title})
                   .select_related("person").order_by("role", "order", "id")[:40])
    return {
        "genres": list(title.genres.all()) if with_genres else [],
        "directors": [c for c in credits if c.role == Credit.Role.DIRECTOR],
        "writers": [c for c in credits if c.role == Credit.Role.WRITER],
        "cast": [c for c in credits if c.role == Credit.Role.ACTOR][:15],
    }


# --- series page --------------------------------------------------------------------------------

class SeasonNotFound(LookupError):
    """The series has no published season with that number."""


def series_page(*, series: Series, profile, season_number: int | None = None, page: int = 1,
                country: str | None = None) -> dict:
    """One season's published episodes (the first season unless asked), a page of EPISODES_PER_PAGE at a time (a
    daily show's season has 250), with the profile's progress on each, and the season tabs. A fixed number of
    queries whatever the size of the series. Raises SeasonNotFound for an unknown season or a page out of range."""
    seasons = list(
        Season.objects.filter(series=series)
        .annotate(published=Count("episodes", filter=Q(
            maturity_q(profile, "episodes__maturity"),
            rule.work_q(country=country, at=clock.now(), prefix="episodes__"),
            episodes__published_at__isnull=False, episodes__asset__isnull=False)))
        .filter(published__gt=0).order_by("number")
    )
    if season_number is None:
        regular = [s for s in seasons if s.number != 0]
        current = (regular or seasons or [None])[0]
    else:
        current = next((s for s in seasons if s.number == season_number), None)
        if current is None:
            raise SeasonNotFound(f"{series.title} has no season {season_number}")
    # The season's count comes with the tabs, so paging costs no COUNT query.
    pages = max(1, -(-current.published // EPISODES_PER_PAGE)) if current else 1
    if not 1 <= page <= pages:
        raise SeasonNotFound(f"{series.title}: page {page} is out of range (1 to {pages})")
    start = (page - 1) * EPISODES_PER_PAGE
    episodes = (list(_published_episodes(profile, country).filter(season=current).order_by("number")
                     [start:start + EPISODES_PER_PAGE]) if current else [])
    progress = {}
    if profile is not None and episodes:
        progress = viewing().progress_pcts(profile=profile, work_ids=[e.pk for e in episodes])
    # Links and codes built here, not by a {% url %} per row (a long season renders hundreds of rows).
    for ep in episodes:
        ep.progress_pct = progress.get(ep.pk, 0)
        ep.watch_url = _watch_url(ep.pk)
        ep.season_code = f"S{current.number:02d}E{ep.number:02d}"
    following = getattr(series, "following", None)
    if following is None:
        following = profile is not None and series.follows.filter(profile=profile).exists()
    return {"series": series, "seasons": seasons, "season": current, "episodes": episodes, "following": following,
            "in_list": getattr(series, "in_list", False), "episode_page": page, "episode_pages": pages,
            **title_details(series=series)}


# --- listings and calendar ----------------------------------------------------------------------


def films_matching(*, title: str, licence=None) -> list[Film]:
    """The catalogued films a file named `title` without a year could be: every film of that title, narrowed to the
    delivery's licence when that leaves exactly one (two works under one title need a person to choose)."""
    films = list(Film.objects.filter(title__iexact=title).order_by("year", "pk"))
    if len(films) > 1 and licence is not None:
        licensed = [f for f in films if f.licence_id == licence.pk]
        if len(licensed) == 1:
            return licensed
    return films


def title_leaving_on(*, profile, country: str | None, series: Series | None = None, film: Film | None = None):
    """When a title leaves the viewer's territory, if within the "Leaving soon" window (rights.lifecycle.leaving_on):
    a film when its licence ends; a series when the last licence of its episodes shown there ends. None otherwise."""
    if film is not None:
        licence = film.licence
        return leaving_on([licence.ends_at]) if licence is not None else None
    ends = (_published_episodes(profile, country).filter(series=series).order_by()
            .values_list("licence__ends_at", flat=True).distinct())
    return leaving_on(list(ends))
