"""The catalog as the profile may see it in the account's country: home rows, search, A-Z, series, seasons,
episodes, films; and the profile's My List and follows. The same selectors as the web pages, so the visibility
rules (licence window and territory, kids and maturity limits, publication) are theirs."""

from typing import Literal

from django.core.paginator import InvalidPage
from django.urls import reverse
from ninja import Field as F
from ninja import Query, Router, Schema

from reelhouse.api.base import ERRORS, ApiError, Page, not_found, page_of, principal
from reelhouse.api.schemas import (
    CardOut,
    EpisodeOut,
    FilmOut,
    FollowingOut,
    GenreOut,
    GenreRow,
    HomeOut,
    ListedOut,
    PersonCredit,
    SearchOut,
    SeasonOut,
    SeriesOut,
    artwork,
    card,
)
from reelhouse.catalog import selectors, services
from reelhouse.catalog.models import SearchEntry

router = Router(tags=["catalog"])

PAGE = F(1, ge=1, le=100000)


class PageQuery(Schema):
    page: int = PAGE


class ListingQuery(Schema):
    page: int = PAGE
    letter: str | None = F(None, pattern="^[a-zA-Z0]$", description="First letter a-z, or 0 for digits.")


class SearchQuery(Schema):
    q: str = F("", max_length=200)
    limit: int = F(20, ge=1, le=selectors.SEARCH_MAX)


def _cards(cards) -> list[CardOut]:
    return [card(c) for c in cards]


@router.get("/home", response={200: HomeOut, **ERRORS}, summary="The home rows")
def home(request):
    who = principal(request)
    rows = selectors.home_rows(profile=who.profile, country=who.country)
    return HomeOut(
        continue_watching=_cards(rows["continue_watching"]), new_episodes=_cards(rows["new_episodes"]),
        trending=_cards(rows["trending"]), series=_cards(rows["series"]), films=_cards(rows["films"]),
        my_list=_cards(rows["my_list"]), top_country=_cards(rows["top_country"]),
        leaving_soon=_cards(rows.get("leaving_soon", [])), country=rows["country"],
        because_of=card(rows["because_of"]) if rows["because_of"] else None, because=_cards(rows["because"]),
        genre_rows=[GenreRow(genre=GenreOut(name=g.name, slug=g.slug), items=_cards(cs))
                    for g, cs in rows["genre_rows"]])


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search titles, episodes and people")
def search(request, query: Query[SearchQuery]):
    who = principal(request)
    results = selectors.catalog_search(query=query.q, profile=who.profile, country=who.country, limit=query.limit)
    return SearchOut(query=query.q, results=_cards(results))


def _listing(request, kind: str, query: ListingQuery) -> dict:
    who = principal(request)
    try:
        page_obj, cards = selectors.az_listing(kind=kind, letter=query.letter.lower() if query.letter else None,
                                               page=query.page, profile=who.profile, country=who.country)
    except InvalidPage:
        raise ApiError(404, "page_out_of_range", f"Page {query.page} is out of range.") from None
    return page_of(page_obj, _cards(cards))


@router.get("/series", response={200: Page[CardOut], **ERRORS}, summary="Series A-Z")
def series_list(request, query: Query[ListingQuery]):
    return _listing(request, SearchEntry.Kind.SERIES, query)


@router.get("/films", response={200: Page[CardOut], **ERRORS}, summary="Films A-Z")
def films_list(request, query: Query[ListingQuery]):
    return _listing(request, SearchEntry.Kind.FILM, query)


def _credits(details: dict) -> dict:
    return {"genres": [GenreOut(name=g.name, slug=g.slug) for g in details["genres"]],
            "directors": [PersonCredit(name=c.person.name) for c in details["directors"]],
            "cast": [PersonCredit(name=c.person.name, character=c.character) for c in details["cast"]]}


def _series(request, slug: str):
    who = principal(request)
    series = selectors.with_my_list(selectors.series_visible(who.profile, who.country), profile=who.profile,
                                    field="series").filter(slug=slug).first()
    if series is None:
        raise not_found(f"No series {slug!r} that this profile may see.")
    return who, series


def _series_page(who, series, season: int | None = None, page: int = 1) -> dict:
    try:
        return selectors.series_page(series=series, profile=who.profile, season_number=season, page=page,
                                     country=who.country)
    except selectors.SeasonNotFound as exc:
        raise not_found(str(exc)) from None


@router.get("/series/{slug}", response={200: SeriesOut, **ERRORS}, summary="A series and its seasons")
def series_detail(request, slug: str):
    who, series = _series(request, slug)
    context = _series_page(who, series)
    return SeriesOut(
        id=series.pk, slug=series.slug, title=series.display_title, year=series.year, synopsis=series.synopsis,
        maturity=series.maturity, poster=artwork(series.poster), backdrop=artwork(series.fanart, "backdrop"),
        in_my_list=series.in_list, following=series.following, **_credits(context),
        seasons=[SeasonOut(number=s.number, title=s.title, episode_count=s.published) for s in context["seasons"]])


def _episode(ep, series_slug: str, season_number: int) -> EpisodeOut:
    return EpisodeOut(id=ep.pk, series_slug=series_slug, season=season_number, number=ep.number,
                      code=f"S{season_number:02d}E{ep.number:02d}", title=ep.display_title, synopsis=ep.synopsis,
                      runtime_s=ep.runtime_s, air_date=ep.air_date, still=artwork(ep.still, "still"),
                      progress_pct=getattr(ep, "progress_pct", 0))


@router.get("/series/{slug}/seasons/{number}/episodes", response={200: Page[EpisodeOut], **ERRORS},
            summary="One season's episodes, a page at a time")
def season_episodes(request, slug: str, number: int, query: Query[PageQuery]):
    who, series = _series(request, slug)
    context = _series_page(who, series, season=number, page=query.page)
    season = context["season"]
    return {"count": season.published, "page": query.page, "pages": context["episode_pages"],
            "items": [_episode(ep, series.slug, season.number) for ep in context["episodes"]]}


@router.get("/episodes/{work_id}", response={200: EpisodeOut, **ERRORS}, summary="One episode")
def episode_detail(request, work_id: int):
    who = principal(request)
    ep = (selectors.episodes_visible(who.profile, who.country).select_related("series", "season")
          .filter(pk=work_id).first())
    if ep is None:
        raise not_found(f"No episode {work_id} that this profile may see.")
    return _episode(ep, ep.series.slug, ep.season.number)


@router.get("/films/{slug}", response={200: FilmOut, **ERRORS}, summary="A film")
def film_detail(request, slug: str):
    who = principal(request)
    film = selectors.with_my_list(selectors.films_visible(who.profile, who.country), profile=who.profile,
                                  field="film").filter(slug=slug).first()
    if film is None:
        raise not_found(f"No film {slug!r} that this profile may see.")
    return FilmOut(id=film.pk, slug=film.slug, title=film.display_title, year=film.year, synopsis=film.synopsis,
                   maturity=film.maturity, runtime_s=film.runtime_s, poster=artwork(film.poster),
                   backdrop=artwork(film.fanart, "backdrop"), in_my_list=film.in_list,
                   **_credits(selectors.title_details(film=film)))


# My List and follows -----------------------------------------------------------------------------------------

library = Router(tags=["my list and follows"])


@library.get("/my-list", response={200: Page[CardOut], **ERRORS}, summary="The profile's My List")
def my_list(request, query: Query[PageQuery]):
    who = principal(request)
    try:
        page_obj, cards = selectors.my_list(profile=who.profile, page=query.page, country=who.country)
    except InvalidPage:
        raise ApiError(404, "page_out_of_range", f"Page {query.page} is out of range.") from None
    return page_of(page_obj, _cards(cards))


def _my_list_set(request, kind: str, slug: str, listed: bool) -> ListedOut:
    who = principal(request)
    visible = (selectors.series_visible if kind == "series" else selectors.films_visible)(who.profile, who.country)
    title = visible.filter(slug=slug).first()
    if title is None:
        raise not_found(f"No {kind} {slug!r} that this profile may see.")
    services.my_list_set(profile=who.profile, **{"series" if kind == "series" else "film": title}, listed=listed)
    return ListedOut(listed=listed)


@library.put("/my-list/{kind}/{slug}", response={200: ListedOut, **ERRORS}, summary="Add to My List")
def my_list_add(request, kind: Literal["series", "films"], slug: str):
    return _my_list_set(request, kind, slug, True)


@library.delete("/my-list/{kind}/{slug}", response={200: ListedOut, **ERRORS}, summary="Take off My List")
def my_list_remove(request, kind: Literal["series", "films"], slug: str):
    return _my_list_set(request, kind, slug, False)


@library.get("/follows", response={200: Page[CardOut], **ERRORS}, summary="Series the profile follows")
def follows(request, query: Query[PageQuery]):
    who = principal(request)
    try:
        page_obj = selectors.follows_of(profile=who.profile, page=query.page, country=who.country)
    except InvalidPage:
        raise ApiError(404, "page_out_of_range", f"Page {query.page} is out of range.") from None
    return page_of(page_obj, [
        CardOut(kind="series", id=s.pk, slug=s.slug, title=s.display_title, subtitle="", year=s.year,
                poster=artwork(s.poster), progress_pct=0, web_url=reverse("catalog:series", args=[s.slug]))
        for s in page_obj.object_list])


def _follow_set(request, slug: str, following: bool) -> FollowingOut:
    who = principal(request)
    series = selectors.series_visible(who.profile, who.country).filter(slug=slug).first()
    if series is None:
        raise not_found(f"No series {slug!r} that this profile may see.")
    services.follow_set(profile=who.profile, series=series, following=following)
    return FollowingOut(following=following)


@library.put("/follows/{slug}", response={200: FollowingOut, **ERRORS}, summary="Follow a series")
def follow(request, slug: str):
    return _follow_set(request, slug, True)


@library.delete("/follows/{slug}", response={200: FollowingOut, **ERRORS}, summary="Stop following a series")
def unfollow(request, slug: str):
    return _follow_set(request, slug, False)
