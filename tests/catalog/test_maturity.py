"""What a profile may see: a title rated above its limit never appears (rows, search, listings, calendar, genre and
My List pages) and its page is a 404 even by URL; a kids profile never sees an unrated title either. Ratings come
from NFOs' <mpaa>, the show's rating covering unrated episodes."""

import datetime as dt

import pytest

from reelhouse.accounts.middleware import SESSION_KEY
from reelhouse.accounts.services import profile_create
from reelhouse.catalog import selectors
from reelhouse.catalog.models import Episode, Film, Follow, MyListItem, Series
from reelhouse.catalog.services import work_for_identification
from reelhouse.core import clock
from reelhouse.ingest.identify import Identification
from reelhouse.ingest.naming import Identity
from reelhouse.ingest.nfo import NfoInfo

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(catalog):
    titles = {
        "mature_series": catalog.series("Night Harbour", maturity=18, genres=["Crime"]),
        "teen_series": catalog.series("Harbour School", maturity=12, genres=["Crime"]),
        "kids_series": catalog.series("Harbour Pups", maturity=0, genres=["Animation"]),
        "unrated_series": catalog.series("Harbour Unknown", genres=["Crime"]),
        "mature_film": catalog.film("Harbour Blood", maturity=18, genres=["Crime"]),
        "kids_film": catalog.film("Harbour Balloon", maturity=7, genres=["Animation"]),
    }
    catalog.index()
    return titles


def as_profile(client, user, profile):
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = profile.pk
    session.save()
    return client


@pytest.fixture
def kid(client, subscriber):
    profile = profile_create(user=subscriber, name="Kid", is_kids=True)  # 7+ by default
    return as_profile(client, subscriber, profile), profile


@pytest.fixture
def teen(client, subscriber):
    profile = profile_create(user=subscriber, name="Teen", max_maturity=12)
    return as_profile(client, subscriber, profile), profile


def test_kids_profile_never_sees_a_mature_or_unrated_title(shelf, kid):
    client, _ = kid
    home = client.get("/").content.decode()
    assert "Harbour Pups" in home and "Harbour Balloon" in home
    for page in [home, client.get("/search/?q=harbour").content.decode(),
                 client.get("/browse/series/?letter=h").content.decode(),
                 client.get("/browse/films/").content.decode(),
                 client.get(f"/genres/{shelf['mature_series'].genres.get().slug}/").content.decode()]:
        for hidden in ("Night Harbour", "Harbour School", "Harbour Unknown", "Harbour Blood"):
            assert hidden not in page
    titles = {r["title"] for r in client.get("/search.json?q=harb&limit=50").json()["results"]}
    assert "Night Harbour" not in titles and "Harbour Blood" not in titles and "Harbour Pups" in titles
    assert not any(r["title"].startswith("Chapter") and "Night" in r["subtitle"]
                   for r in client.get("/search.json?q=chapter&limit=50").json()["results"])
    assert client.get(f"/series/{shelf['mature_series'].slug}/").status_code == 404
    assert client.get(f"/series/{shelf['unrated_series'].slug}/").status_code == 404
    assert client.get(f"/films/{shelf['mature_film'].slug}/").status_code == 404
    assert client.get(f"/films/{shelf['kids_film'].slug}/").status_code == 200
    assert client.post(f"/my-list/films/{shelf['mature_film'].slug}", {"listed": "1"}).status_code == 404
    assert client.post(f"/series/{shelf['mature_series'].slug}/follow", {"follow": "1"}).status_code == 404


def test_limited_profile_sees_up_to_its_limit_and_unrated_titles(shelf, teen):
    client, profile = teen
    results = {c.title for c in selectors.catalog_search(query="harbour", profile=profile, limit=50)}
    assert {"Harbour School", "Harbour Pups", "Harbour Unknown", "Harbour Balloon"} <= results
    assert not results & {"Night Harbour", "Harbour Blood"}
    assert client.get(f"/series/{shelf['teen_series'].slug}/").status_code == 200
    assert client.get(f"/series/{shelf['mature_series'].slug}/").status_code == 404
    exact = selectors.catalog_search(query="Night Harbour", profile=profile)
    assert "Night Harbour" not in {c.title for c in exact}


def test_adult_profile_sees_everything(shelf, subscriber):
    adult = subscriber.profiles.first()
    results = {c.title for c in selectors.catalog_search(query="harbour", profile=adult, limit=50)}
    assert {"Night Harbour", "Harbour Blood", "Harbour Unknown"} <= results


def test_continue_watching_and_calendar_hide_titles_above_the_limit(shelf, subscriber, catalog):
    from reelhouse.playback.models import ResumePoint

    kid = profile_create(user=subscriber, name="Kid", is_kids=True)
    for key in ("mature_series", "kids_series"):
        ep = Episode.objects.filter(series=shelf[key]).first()
        ResumePoint.objects.create(profile=kid, work=ep, position_s=100, duration_s=1000)
        Follow.objects.create(profile=kid, series=shelf[key])
        Episode.objects.filter(pk=Episode.objects.filter(series=shelf[key]).last().pk).update(
            air_date=clock.now().date() + dt.timedelta(days=2))
    assert [c.subtitle.split(" · ")[0] for c in selectors.continue_watching(profile=kid)] == ["Harbour Pups"]
    assert [e.series.title for e in selectors.calendar(profile=kid)] == ["Harbour Pups"]


def test_my_list_page_leaves_out_titles_the_profile_may_not_see(shelf, kid):
    client, profile = kid
    MyListItem.objects.create(profile=profile, film=shelf["mature_film"])
    MyListItem.objects.create(profile=profile, film=shelf["kids_film"])
    page = client.get("/my-list/").content.decode()
    assert "Harbour Balloon" in page and "Harbour Blood" not in page


def _found(kind: str, *, mpaa=None, series_mpaa=None, **ident):
    item = NfoInfo(kind="movie" if kind == "film" else "episodedetails", mpaa=mpaa, genres=["Drama", "Crime"],
                   directors=["Agnès Varda"], actors=[{"name": "Jean Actor", "role": "Pierre", "order": 0}])
    show = NfoInfo(kind="tvshow", title=ident.get("series"), mpaa=series_mpaa, genres=["Drama"],
                   actors=[{"name": "Ana Lead", "role": "Captain", "order": 0}]) if kind == "episode" else None
    return Identification(identity=Identity(kind=kind, **ident), item_info=item, series_info=show)


def test_identification_rates_works_from_nfo_and_the_show_rating_covers_unrated_episodes(db):
    film = work_for_identification(found=_found("film", mpaa="Rated PG-13", title="Cleo", year=1962), licence=None)
    assert film.maturity == 13
    assert sorted(film.genres.values_list("name", flat=True)) == ["Crime", "Drama"]
    assert {(c.person.name, c.role, c.character) for c in film.credits.select_related("person")} == {
        ("Agnès Varda", "director", ""), ("Jean Actor", "actor", "Pierre")}
    ep1 = work_for_identification(found=_found("episode", series_mpaa="TV-MA", series="Deep Water", season=1,
                                               episodes=(1,), title="Pilot"), licence=None)
    ep2 = work_for_identification(found=_found("episode", mpaa="TV-14", series_mpaa="TV-MA", series="Deep Water",
                                               season=1, episodes=(2,), title="Two"), licence=None)
    assert (ep1.maturity, ep2.maturity, ep1.series.maturity) == (17, 14, 17)
    series = Series.objects.get(title="Deep Water")
    assert list(series.genres.values_list("name", flat=True)) == ["Drama"]
    assert series.credits.get().person.name == "Ana Lead"
    unrated = work_for_identification(found=_found("film", title="Nobody Rated", year=2000), licence=None)
    assert Film.objects.get(pk=unrated.pk).maturity is None


def test_maturity_allows_agrees_with_the_query_filter(shelf, subscriber):
    profiles = [subscriber.profiles.first(), profile_create(user=subscriber, name="Kid", is_kids=True),
                profile_create(user=subscriber, name="Teen", max_maturity=12),
                profile_create(user=subscriber, name="Little", is_kids=True, max_maturity=0)]
    for profile in profiles:
        shown = set(Series.objects.filter(selectors.maturity_q(profile)).values_list("pk", flat=True))
        allowed = {s.pk for s in Series.objects.all() if selectors.maturity_allows(profile=profile, rating=s.maturity)}
        assert shown == allowed
    assert selectors.maturity_allows(profile=profiles[1], rating=7)
    assert not selectors.maturity_allows(profile=profiles[1], rating=None)
