"""Maturity ratings per country: titles carry a rating per country (US TV/MPA, DE FSK, FR CSA, GB BBFC ...), their
maturity (what profiles are filtered on) is the strictest of them, and pages show the viewer's country's rating."""

import pytest

from reelhouse.accounts.services import profile_create
from reelhouse.catalog import selectors
from reelhouse.catalog.models import Episode, Film, Rating, RatingSystem, SearchEntry, Series, TitleRating
from reelhouse.catalog.ratings import SYSTEMS
from reelhouse.catalog.services import (
    RatingError,
    maturity_refresh,
    rating_systems_sync,
    title_rating_set,
    work_for_identification,
)
from reelhouse.ingest.identify import Identification
from reelhouse.ingest.naming import Identity
from reelhouse.ingest.nfo import NfoInfo

pytestmark = pytest.mark.django_db


def test_the_rating_system_table_holds_every_system_with_ages():
    rating_systems_sync()
    assert rating_systems_sync() == 0  # idempotent
    assert set(RatingSystem.objects.values_list("code", flat=True)) >= {"US-TV", "US-MPA", "DE-FSK", "FR-CSA",
                                                                        "GB-BBFC"}
    assert Rating.objects.count() == sum(len(s.ratings) for s in SYSTEMS)
    assert list(Rating.objects.filter(system__code="DE-FSK").values_list("label", "min_age")) == [
        ("FSK 0", 0), ("FSK 6", 6), ("FSK 12", 12), ("FSK 16", 16), ("FSK 18", 18)]
    assert Rating.objects.get(system__code="US-TV", label="TV-MA").min_age == 17


def test_maturity_is_the_strictest_country_rating(catalog):
    film = catalog.film("Das Boot")
    title_rating_set(title=film, country="de", label="12")
    assert Film.objects.get(pk=film.pk).maturity == 12
    title_rating_set(title=film, country="US", label="R")
    assert Film.objects.get(pk=film.pk).maturity == 17
    title_rating_set(title=film, country="US", label="PG-13")  # replaces the US rating
    assert TitleRating.objects.filter(work=film).count() == 2 and Film.objects.get(pk=film.pk).maturity == 13
    title_rating_set(title=film, country="US", label="")
    assert Film.objects.get(pk=film.pk).maturity == 12


@pytest.mark.parametrize("country, label, message", [
    ("DE", "TV-MA", "'TV-MA' is not a rating used in DE; expected one of FSK 0, FSK 6, FSK 12, FSK 16, FSK 18"),
    ("FR", "FSK 12", "not a rating used in FR; expected one of Tous publics, -10"),
    ("BR", "14", "no rating system is known for BR"),
    ("Germany", "FSK 12", "'GERMANY' is not a country code"),
])
def test_a_label_the_country_does_not_use_is_refused_clearly(catalog, country, label, message):
    film = catalog.film("Das Boot")
    with pytest.raises(RatingError, match=message):
        title_rating_set(title=film, country=country, label=label)
    assert not TitleRating.objects.exists()


def test_a_series_rating_covers_its_unrated_episodes_and_search_follows(catalog):
    series = catalog.series("Deep Water", episodes=3, maturity=12)
    catalog.index()
    first, second, third = Episode.objects.filter(series=series).order_by("number")
    title_rating_set(title=second, country="US", label="TV-14")
    title_rating_set(title=series, country="US", label="TV-MA")
    maturities = dict(Episode.objects.filter(series=series).values_list("number", "maturity"))
    assert maturities == {1: 17, 2: 14, 3: 17}
    assert SearchEntry.objects.get(kind="series", object_id=series.pk).maturity == 17
    assert SearchEntry.objects.get(kind="episode", object_id=third.pk).maturity == 17
    assert SearchEntry.objects.get(kind="episode", object_id=second.pk).maturity == 14
    first.refresh_from_db()
    assert maturity_refresh(title=first) == 17  # no rating of its own: left as the show gave it


def test_profiles_are_filtered_on_the_derived_maturity(catalog, subscriber):
    teen = profile_create(user=subscriber, name="Teen", max_maturity=12)
    series = catalog.series("Harbour School", maturity=None)
    catalog.index()
    title_rating_set(title=series, country="DE", label="FSK 12")
    assert series in selectors.series_visible(teen)
    assert [c.title for c in selectors.catalog_search(query="harbour school", profile=teen)][:1] == ["Harbour School"]
    title_rating_set(title=series, country="US", label="TV-MA")
    assert series not in selectors.series_visible(teen)
    assert "Harbour School" not in [c.title for c in selectors.catalog_search(query="harbour", profile=teen)]


def test_nfo_ratings_of_several_countries_are_recorded(db):
    info = NfoInfo(kind="movie", title="Lola rennt", mpaa="US:R / DE:FSK 12 / FR:-12")
    film = work_for_identification(found=Identification(identity=Identity(kind="film", title="Lola rennt",
                                                                          year=1998), item_info=info), licence=None)
    assert dict(TitleRating.objects.filter(work=film).values_list("country", "rating__label")) == {
        "US": "R", "DE": "FSK 12", "FR": "-12"}
    assert Film.objects.get(pk=film.pk).maturity == 17
    show = NfoInfo(kind="tvshow", title="Dark", mpaa="DE:FSK 16")
    ep = work_for_identification(found=Identification(
        identity=Identity(kind="episode", series="Dark", season=1, episodes=(1,), title="Secrets"),
        item_info=NfoInfo(kind="episodedetails", title="Secrets"), series_info=show), licence=None)
    assert Series.objects.get(pk=ep.series_id).maturity == 16 and Episode.objects.get(pk=ep.pk).maturity == 16
    bare = work_for_identification(found=Identification(identity=Identity(kind="film", title="Bare", year=2000),
                                                        item_info=NfoInfo(kind="movie", mpaa="16")), licence=None)
    assert Film.objects.get(pk=bare.pk).maturity == 16 and not TitleRating.objects.filter(work=bare).exists()


@pytest.fixture
def rated(catalog):
    series = catalog.series("Dark", maturity=None)
    film = catalog.film("Bare Age", maturity=16)
    catalog.index()
    title_rating_set(title=series, country="DE", label="FSK 16")
    title_rating_set(title=series, country="US", label="TV-MA")
    return series, film


@pytest.mark.parametrize("country, shown", [
    ("DE", '<abbr class="rating-badge" title="FSK (DE)">FSK 16</abbr></p>'),
    ("US", '<abbr class="rating-badge" title="TV Parental Guidelines (US)">TV-MA</abbr></p>'),
    ("FR", '>TV-MA</abbr> <span class="rating-country">(US)</span>'),  # no French rating: the US one, said so
])
def test_series_page_shows_the_rating_of_the_viewers_country(rated, client, subscriber, country, shown):
    series, _ = rated
    subscriber.country = country
    subscriber.save(update_fields=["country"])
    client.force_login(subscriber)
    assert shown in client.get(f"/series/{series.slug}/").content.decode()


def test_a_title_with_only_an_age_shows_that_age(rated, client, subscriber):
    _, film = rated
    client.force_login(subscriber)
    assert ">16+</abbr>" in client.get(f"/films/{film.slug}/").content.decode()


def test_a_rating_of_another_country_is_refused_in_the_admin_form(catalog):
    from django.core.exceptions import ValidationError

    rating_systems_sync()
    film = catalog.film("Das Boot")
    wrong = TitleRating(country="de", rating=Rating.objects.get(system__code="US-MPA", label="R"), work=film)
    with pytest.raises(ValidationError, match="R is a rating of US"):
        wrong.full_clean()
    right = TitleRating(country="de", rating=Rating.objects.get(system__code="DE-FSK", label="FSK 12"), work=film)
    right.full_clean()
    assert right.country == "DE"
