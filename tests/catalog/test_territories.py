"""Rows, listings, search and title pages show only what the viewer's territory may see now: a title licensed for
France is found by a French subscriber and not by an American one, a licence that ended takes its titles off every
row at once, one that starts later brings them in when it starts, and editing a licence moves its titles at once."""

import datetime as dt
import random

import pytest

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog import selectors, services
from reelhouse.catalog.models import Episode, SearchEntry, Series, Work
from reelhouse.core import clock
from reelhouse.playback.models import ResumePoint
from reelhouse.rights.models import Licence, Licensor, territory_key

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def viewer_in(country: str, name: str) -> Profile:
    user = User.objects.create(email=f"{name}@example.com", country=country)
    return Profile.objects.create(user=user, name=name)


def licence(territories: str, *, starts_in: float = -365, ends_in: float | None = None, name: str = "") -> Licence:
    licensor, _ = Licensor.objects.get_or_create(name="Territory Pictures")
    return Licence.objects.create(
        licensor=licensor, name=name or territories, territories=territories,
        starts_at=clock.now() + starts_in * DAY, ends_at=None if ends_in is None else clock.now() + ends_in * DAY)


def under(lic: Licence | None, title) -> None:
    """Put a film, or every episode of a series, under a licence, or none (before the catalog is indexed)."""
    if isinstance(title, Series):
        Episode.objects.filter(series=title).update(licence=lic)
    else:
        Work.objects.filter(pk=title.pk).update(licence=lic)


def titles(cards) -> set[str]:
    return {c.title for c in cards}


@pytest.fixture
def world(catalog):
    """A worldwide film, a film for France only, one for North America, a series for French-speaking Europe, an
    unlicensed film (shown nowhere, as playback refuses it), one whose licence ended and one whose licence starts in
    10 days."""
    made = {name: catalog.film(name, genres=["Drama"]) for name in
            ["Open Skies", "Paris Only", "Prairie Only", "No Papers", "Gone Film", "Soon Film"]}
    made["Rive Gauche"] = catalog.series("Rive Gauche", episodes=2, genres=["Drama"])
    under(licence("WW"), made["Open Skies"])
    under(None, made["No Papers"])
    under(licence("fr"), made["Paris Only"])
    under(licence("US, ca"), made["Prairie Only"])
    under(licence("FR,BE,CH"), made["Rive Gauche"])
    under(licence("WW", starts_in=-400, ends_in=-1, name="ended"), made["Gone Film"])
    under(licence("WW", starts_in=10, name="later"), made["Soon Film"])
    catalog.index()
    return made


EVERYWHERE = {"Open Skies"}


@pytest.mark.parametrize("country, extra", [("FR", {"Paris Only", "Rive Gauche"}), ("US", {"Prairie Only"}),
                                            ("be", {"Rive Gauche"}), ("JP", set()), ("", set()), ("1'", set())])
def test_rows_listings_and_search_show_what_the_viewers_country_may_see(world, country, extra):
    profile = viewer_in(country[:2], f"v{abs(hash(country))}")
    wanted = EVERYWHERE | extra
    rows = selectors.home_rows(profile=profile, country=country)
    assert titles(rows["series"]) | titles(rows["films"]) == wanted
    assert {t for genre, cards in rows["genre_rows"] for t in titles(cards)} == wanted
    genre = rows["genre_rows"][0][0]
    assert titles(selectors.genre_listing(genre=genre, page=1, profile=profile, country=country)[1]) == wanted
    films = titles(selectors.az_listing(kind="film", letter=None, page=1, profile=profile, country=country)[1])
    assert films == wanted - {"Rive Gauche"}
    found = set()
    for word in ["open", "paris", "prairie", "papers", "gone", "soon", "rive", "film", "only"]:
        found |= titles(c for c in selectors.catalog_search(query=word, profile=profile, country=country)
                        if c.kind != "episode")
    assert found == wanted
    # Episodes of a series licensed elsewhere are not found either.
    episodes = selectors.catalog_search(query="chapter", profile=profile, country=country)
    assert bool(episodes) == ("Rive Gauche" in wanted)
    # Without a country (operator tools) nothing is held back.
    everything = selectors.home_rows(profile=profile, country=None)
    assert titles(everything["films"]) == set(world) - {"Rive Gauche"}


def test_a_limited_profile_search_filters_by_territory_and_age_together(world, catalog):
    kids_fr = viewer_in("FR", "kid")
    kids_fr.is_kids, kids_fr.max_maturity = True, 7
    kids_fr.save()
    tale = catalog.film("Paris Tale", maturity=6)
    under(licence("FR"), tale)
    catalog.index()
    assert titles(selectors.catalog_search(query="paris", profile=kids_fr, country="FR")) == {"Paris Tale"}
    assert titles(selectors.catalog_search(query="paris", profile=kids_fr, country="US")) == set()


def test_title_pages_and_continue_watching_follow_the_territory(world, client, subscriber):
    fr_user = subscriber
    fr_user.country = "FR"
    fr_user.save(update_fields=["country"])
    client.force_login(fr_user)
    assert client.get(f"/films/{world['Paris Only'].slug}/").status_code == 200
    assert client.get(f"/series/{world['Rive Gauche'].slug}/").status_code == 200
    assert client.get(f"/films/{world['Prairie Only'].slug}/").status_code == 404
    assert client.get(f"/films/{world['Gone Film'].slug}/").status_code == 404
    assert client.get(f"/films/{world['Soon Film'].slug}/").status_code == 404
    response = client.get("/search.json?q=prairie")
    assert response.json()["results"] == []
    fr_user.country = "US"
    fr_user.save(update_fields=["country"])  # moved: the same links now lead nowhere, and the other way round
    assert client.get(f"/series/{world['Rive Gauche'].slug}/").status_code == 404
    assert client.get(f"/films/{world['Prairie Only'].slug}/").status_code == 200
    assert [r["title"] for r in client.get("/search.json?q=prairie").json()["results"]] == ["Prairie Only"]
    profile = fr_user.profiles.first()
    ResumePoint.objects.create(profile=profile, work=world["Paris Only"], position_s=100, duration_s=1000)
    ResumePoint.objects.create(profile=profile, work=world["Open Skies"], position_s=100, duration_s=1000)
    assert titles(selectors.continue_watching(profile=profile, country="US")) == {"Open Skies"}
    assert titles(selectors.continue_watching(profile=profile, country="FR")) == {"Open Skies", "Paris Only"}


def test_a_series_page_lists_only_the_episodes_licensed_in_the_viewers_country(catalog):
    series = catalog.series("Border Line", seasons=2, episodes=3)
    fr, de = licence("FR"), licence("DE")
    Episode.objects.filter(series=series, season__number=1).update(licence=fr)
    Episode.objects.filter(series=series, season__number=2).update(licence=de)
    Episode.objects.filter(series=series, season__number=2, number=3).update(licence=fr)
    catalog.index()
    assert SearchEntry.objects.get(kind="series", object_id=series.pk).territories == ",DE,FR,"
    page = selectors.series_page(series=series, profile=None, country="FR", season_number=2)
    assert [ep.number for ep in page["episodes"]] == [3]
    assert [(s.number, s.published) for s in page["seasons"]] == [(1, 3), (2, 1)]
    page = selectors.series_page(series=series, profile=None, country="DE")
    assert page["season"].number == 2 and [ep.number for ep in page["episodes"]] == [1, 2]
    assert not selectors.series_visible(None, "US").filter(pk=series.pk).exists()
    assert {c.kind for c in selectors.catalog_search(query="border", country="DE")} == {"series"}


def test_licence_windows_open_and_close_on_time(world, catalog):
    fr = viewer_in("FR", "fr")
    soon = SearchEntry.objects.get(kind="film", object_id=world["Soon Film"].pk)
    assert soon.territories == "" and soon.rights_recheck_at == Licence.objects.get(name="later").starts_at
    closing = catalog.film("Last Days")
    under(licence("FR", ends_in=5), closing)
    catalog.index()
    assert "Last Days" in titles(selectors.home_rows(profile=fr, country="FR")["films"])
    assert services.availability_refresh_due() == 0  # nothing changes before its time
    clock.advance(6 * DAY)
    # Playback refuses at the instant; rows follow at the scheduler's next minute.
    assert services.availability_refresh_due() == 1
    films = titles(selectors.home_rows(profile=fr, country="FR")["films"])
    assert "Last Days" not in films and "Soon Film" not in films
    clock.advance(5 * DAY)
    assert services.availability_refresh_due() == 1
    assert "Soon Film" in titles(selectors.home_rows(profile=fr, country="FR")["films"])
    assert "Soon Film" in titles(selectors.catalog_search(query="soon", profile=fr, country="FR"))
    assert SearchEntry.objects.get(kind="film", object_id=world["Soon Film"].pk).rights_recheck_at is None


def test_editing_a_licence_moves_its_titles_at_once(world):
    us = viewer_in("US", "us")
    assert "Paris Only" not in titles(selectors.catalog_search(query="paris", profile=us, country="US"))
    paris = Licence.objects.get(name="fr")
    paris.territories = "fr, us"
    paris.save()
    assert paris.territory_key == ",FR,US,"
    assert titles(selectors.catalog_search(query="paris", profile=us, country="US")) == {"Paris Only"}
    assert "Paris Only" in titles(selectors.home_rows(profile=us, country="US")["films"])
    paris.ends_at = clock.now() - DAY
    paris.save()
    assert selectors.catalog_search(query="paris", profile=us, country="US") == []


def test_publishing_an_episode_indexes_where_it_may_be_shown(catalog):
    from reelhouse.catalog.services import search_entries_sync

    series = catalog.series("Late Arrival", episodes=2)
    catalog.index()
    ep = Episode.objects.filter(series=series).order_by("number").last()
    Episode.objects.filter(pk=ep.pk).update(licence=licence("GB"))
    search_entries_sync(work=Episode.objects.get(pk=ep.pk))
    assert SearchEntry.objects.get(kind="episode", object_id=ep.pk).territories == ",GB,"
    # The series keeps its worldwide first episode, so it stays worldwide; without that licence, only Britain.
    assert SearchEntry.objects.get(kind="series", object_id=series.pk).territories == ",WW,"
    Episode.objects.exclude(pk=ep.pk).filter(series=series).update(licence=None)
    services.availability_refresh(series_ids=[series.pk])
    assert SearchEntry.objects.get(kind="series", object_id=series.pk).territories == ",GB,"
    Episode.objects.filter(series=series).update(licence=licence("GB,IE"))
    services.availability_refresh(series_ids=[series.pk])
    assert SearchEntry.objects.get(kind="series", object_id=series.pk).territories == ",GB,IE,"


def test_territory_key_is_canonical():
    assert territory_key(" de, fr ,FR") == ",DE,FR,"
    assert territory_key("") == "" and territory_key("ww") == ",WW,"


def test_browsing_agrees_with_the_licence_rule_playback_uses(catalog):
    """Random licences and viewers: a film is in the rows exactly when licence_problem has nothing against it."""
    from reelhouse.rights.selectors import licence_problem

    rng = random.Random(5)
    codes = ["FR", "DE", "US", "GB", "WW"]
    films = []
    for i in range(24):
        film = catalog.film(f"Random Film {i}")
        if rng.random() <= 0.1:  # a few unlicensed: shown nowhere
            under(None, film)
        else:
            starts_in = rng.choice([-30, -1, 3])
            ends_in = rng.choice([None, -2, 4, 40])
            under(licence(",".join(rng.sample(codes, rng.randint(1, 3))), starts_in=starts_in, name=f"l{i}",
                          ends_in=None if ends_in is not None and ends_in <= starts_in else ends_in), film)
        films.append(film)
    catalog.index()
    for film in films:
        film.refresh_from_db()
    for country in ["FR", "DE", "US", "GB", "JP"]:
        shown = titles(selectors.az_listing(kind="film", letter="r", page=1, country=country)[1])
        allowed = {f.title for f in films
                   if f.licence is not None and not licence_problem(licence=f.licence, territory=country)}
        assert shown == allowed, country
        assert 0 < len(allowed) < len(films)


def test_a_licence_covering_more_titles_than_one_query_takes_moves_them_all(catalog, monkeypatch):
    """Ids go to the database a chunk at a time (SQLite takes a limited number of bound values); here chunks of 2."""
    monkeypatch.setattr(services, "RIGHTS_CHUNK", 2)
    wide = licence("FR", name="wide")
    titles_made = [catalog.film(f"Wide Film {i}") for i in range(5)] + [
        catalog.series(f"Wide Series {i}", episodes=3) for i in range(3)]
    for title in titles_made:
        under(wide, title)
    catalog.index()
    assert set(SearchEntry.objects.values_list("territories", flat=True)) == {",FR,"}
    wide.territories = "DE"
    wide.save()
    assert set(SearchEntry.objects.values_list("territories", flat=True)) == {",DE,"}
    assert SearchEntry.objects.count() == 5 + 3 + 9
