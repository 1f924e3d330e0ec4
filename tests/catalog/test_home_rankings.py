"""The precomputed home rows: "Top 10 in <country>" (plays of the last 7 days by viewers of that country) and
"Because you watched X" (co-watching), both written by the periodic job and read with a fixed number of queries;
both respect the profile's maturity limit and the licence territory."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog import rankings, selectors
from reelhouse.catalog.models import CountryTop, CoWatch, Episode
from reelhouse.catalog.tasks import search_index_rebuild
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.rights.models import Licence, Licensor

pytestmark = pytest.mark.django_db


def viewer_in(country: str, name: str, *, max_maturity=None) -> Profile:
    user = User.objects.create(email=f"{name}@example.com", country=country)
    profile = Profile.objects.create(user=user, name=name)
    if max_maturity is not None:
        profile.max_maturity = max_maturity
        profile.save(update_fields=["max_maturity"])
    return profile


def play(profile: Profile, work, times: int = 1, *, days_ago: float = 1) -> None:
    PlaybackSession.objects.bulk_create([
        PlaybackSession(profile=profile, work_id=work.pk, asset_id=work.asset_id,
                        started_at=clock.now() - dt.timedelta(days=days_ago)) for _ in range(times)])


def watched(profile: Profile, *works) -> None:
    for i, work in enumerate(works):
        ResumePoint.objects.create(profile=profile, work_id=work.pk, position_s=60, duration_s=1000,
                                   updated_at=clock.now() - dt.timedelta(hours=len(works) - i))


def titles(cards) -> list[str]:
    return [c.title for c in cards]


@pytest.fixture
def shelf(catalog):
    """Three films, a series (two episodes) and an adults-only film."""
    made = {name: catalog.film(name) for name in ["Paper Moons", "Quiet Hours", "Salt Roads"]}
    made["Harbour Lights"] = catalog.series("Harbour Lights", episodes=2)
    made["Night Shift"] = catalog.film("Night Shift", maturity=18)
    return made


def test_top_10_ranks_plays_of_the_last_7_days_by_viewers_of_the_country(catalog, shelf):
    fr, fr2, us = viewer_in("FR", "fr"), viewer_in("FR", "fr2"), viewer_in("US", "us")
    first, second = Episode.objects.filter(series=shelf["Harbour Lights"]).order_by("number")
    play(fr, first, 2)
    play(fr2, second, 2)                        # a series counts the plays of all its episodes: 4
    play(fr, shelf["Quiet Hours"], 3)
    play(fr2, shelf["Paper Moons"], 1)
    play(fr, shelf["Salt Roads"], 9, days_ago=8)  # too old to count
    play(us, shelf["Salt Roads"], 5)             # another country's viewers
    catalog.index()
    assert rankings.country_tops_refresh() == 4
    assert list(CountryTop.objects.filter(country="FR").order_by("position").values_list("plays", flat=True)) == [
        4, 3, 1]
    assert titles(selectors.home_rows(profile=fr, country="FR")["top_country"]) == [
        "Harbour Lights", "Quiet Hours", "Paper Moons"]
    assert titles(selectors.home_rows(profile=us, country="US")["top_country"]) == ["Salt Roads"]
    assert selectors.home_rows(profile=us, country="DE")["top_country"] == []


def test_top_10_shows_ten_and_respects_maturity(catalog, shelf):
    fr, kid = viewer_in("FR", "fr"), viewer_in("FR", "teen", max_maturity=12)
    films = [catalog.film(f"Film {i:02d}", maturity=7) for i in range(12)]
    for i, film in enumerate(films):
        play(fr, film, 20 - i)
    play(fr, shelf["Night Shift"], 50)  # the most played, rated 18
    catalog.index()
    rankings.country_tops_refresh()
    adult = titles(selectors.home_rows(profile=fr, country="FR")["top_country"])
    assert adult == ["Night Shift"] + [f"Film {i:02d}" for i in range(9)]
    teen = titles(selectors.home_rows(profile=kid, country="FR")["top_country"])
    assert teen == [f"Film {i:02d}" for i in range(10)]  # still ten: the table keeps more than it shows


def test_top_10_leaves_out_plays_of_titles_not_licensed_in_the_country(catalog, shelf):
    licence = Licence.objects.create(licensor=Licensor.objects.create(name="Only US"), name="US only",
                                     starts_at=clock.now() - dt.timedelta(days=30), territories="US")
    film = shelf["Paper Moons"]
    film.licence = licence
    film.save(update_fields=["licence"])
    fr, us = viewer_in("FR", "fr"), viewer_in("US", "us")
    play(fr, film, 5)  # watched while travelling, say: it is still not available in France
    play(fr, shelf["Quiet Hours"], 1)
    play(us, film, 2)
    catalog.index()
    rankings.country_tops_refresh()
    assert titles(selectors.home_rows(profile=fr, country="FR")["top_country"]) == ["Quiet Hours"]
    assert titles(selectors.home_rows(profile=us, country="US")["top_country"]) == ["Paper Moons"]


def test_because_you_watched_ranks_what_the_same_viewers_also_watched(catalog, shelf):
    x = shelf["Harbour Lights"]
    x_episode = Episode.objects.filter(series=x).first()
    quiet, paper, salt = shelf["Quiet Hours"], shelf["Paper Moons"], shelf["Salt Roads"]
    others = [viewer_in("US", f"v{i}") for i in range(4)]
    for profile in others[:3]:
        watched(profile, x_episode, quiet)      # 3 viewers of X also watched Quiet Hours
    for profile in others[:2]:
        watched(profile, paper)                 # 2 viewers of X also watched Paper Moons
    watched(others[0], salt)                    # 1 is chance, below the threshold
    watched(others[3], salt, paper)             # not a viewer of X
    me = viewer_in("US", "me")
    watched(me, shelf["Night Shift"], x_episode)  # X is the most recent
    result = search_index_rebuild.enqueue()     # the periodic job (ImmediateBackend in tests)
    assert result.return_value >= 1
    assert list(CoWatch.objects.filter(source_kind="series", source_id=x.pk).order_by("position")
                .values_list("object_id", "profiles")) == [(quiet.pk, 3), (paper.pk, 2)]
    rows = selectors.home_rows(profile=me, country="US")
    assert rows["because_of"].title == "Harbour Lights"
    assert titles(rows["because"]) == ["Quiet Hours", "Paper Moons"]


def test_because_you_watched_respects_maturity_and_needs_a_watched_title(catalog, shelf):
    x = shelf["Quiet Hours"]
    adult_film = shelf["Night Shift"]
    for i in range(3):
        watched(viewer_in("US", f"v{i}"), x, adult_film, shelf["Salt Roads"])
    teen = viewer_in("US", "teen", max_maturity=12)
    newcomer = viewer_in("US", "new")
    watched(teen, x)
    catalog.index()
    rankings.cowatch_refresh()
    rows = selectors.home_rows(profile=teen, country="US")
    assert rows["because_of"].title == "Quiet Hours" and titles(rows["because"]) == ["Salt Roads"]
    nothing = selectors.home_rows(profile=newcomer, country="US")
    assert nothing["because"] == [] and nothing["because_of"] is None


def test_home_shows_both_rows_with_a_fixed_number_of_queries(catalog, shelf, client, subscriber):
    profile = subscriber.profiles.first()
    subscriber.country = "FR"
    subscriber.save(update_fields=["country"])
    client.force_login(subscriber)
    x = shelf["Quiet Hours"]
    for i in range(2):
        watched(viewer_in("FR", f"v{i}"), x, shelf["Salt Roads"])
    watched(profile, x)
    play(profile, shelf["Paper Moons"], 2)
    catalog.index()
    rankings.home_rankings_refresh()

    def home():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/")
        assert page.status_code == 200
        return page.content.decode(), len(ctx)

    page, small = home()
    assert "Top 10 in France" in page and "Because you watched Quiet Hours" in page
    for i in range(30):  # more titles, plays and co-watchers than any row shows
        film = catalog.film(f"More {i}")
        play(profile, film, 1)
        for j in range(2):
            watched(Profile.objects.get(name=f"v{j}"), film)
    catalog.index()
    rankings.home_rankings_refresh()
    page, large = home()
    assert large == small <= 10  # the rows, and one query for the featured title (hero)
    assert page.count('class="tile"') > 60


def test_each_profile_gets_its_own_rows_from_the_shared_compiled_query(catalog, shelf):
    # The home union is compiled once per shape and reused with each request's values swapped in.
    from reelhouse.catalog.models import Follow, MyListItem

    a, b = viewer_in("FR", "a"), viewer_in("US", "b")
    MyListItem.objects.create(profile=a, film=shelf["Paper Moons"])
    MyListItem.objects.create(profile=b, film=shelf["Salt Roads"])
    Follow.objects.create(profile=b, series=shelf["Harbour Lights"])
    play(a, shelf["Quiet Hours"])
    play(b, shelf["Salt Roads"])
    catalog.index()
    rankings.country_tops_refresh()
    for _ in range(2):
        rows_a = selectors.home_rows(profile=a, country="FR")
        rows_b = selectors.home_rows(profile=b, country="US")
        assert titles(rows_a["my_list"]) == ["Paper Moons"] and titles(rows_b["my_list"]) == ["Salt Roads"]
        assert rows_a["new_episodes"] == [] and len(rows_b["new_episodes"]) == 2
        assert titles(rows_a["top_country"]) == ["Quiet Hours"] and titles(rows_b["top_country"]) == ["Salt Roads"]


def test_top_10_names_the_country_in_the_viewers_language(catalog, shelf):
    from django.utils import translation

    fr = viewer_in("FR", "fr")
    play(fr, shelf["Quiet Hours"], 2)
    catalog.index()
    rankings.country_tops_refresh()
    names = {}
    for language in ["en", "fr", "de"]:
        with translation.override(language):
            names[language] = selectors.home_rows(profile=fr, country="FR")["country"]
    assert names == {"en": "France", "fr": "France", "de": "Frankreich"}
    with translation.override("fr"):
        assert selectors.home_rows(profile=viewer_in("DE", "de"), country="DE")["country"] == "Allemagne"
