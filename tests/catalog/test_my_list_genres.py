"""My List (add, remove, row, page), genre rows and genre pages, credits on title pages; query budgets hold."""

import pytest

from reelhouse.catalog.models import Credit, Genre, MyListItem, Person
from reelhouse.catalog.selectors import LISTING_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, subscriber):
    client.force_login(subscriber)
    return client, subscriber.profiles.first()


def test_add_and_remove_a_series_and_a_film(catalog, signed_in):
    client, profile = signed_in
    series = catalog.series("Harbour Lights")
    film = catalog.film("Amélie")
    catalog.index()
    assert 'aria-pressed="false"' in client.get(f"/films/{film.slug}/").content.decode()
    assert client.post(f"/my-list/series/{series.slug}", {"listed": "1"}).status_code == 302
    assert client.post(f"/my-list/films/{film.slug}", {"listed": "1", "next": "/my-list/"})["Location"] == "/my-list/"
    client.post(f"/my-list/films/{film.slug}", {"listed": "1"})  # idempotent
    assert MyListItem.objects.filter(profile=profile).count() == 2
    assert "On My List" in client.get(f"/films/{film.slug}/").content.decode()
    assert "On My List" in client.get(f"/series/{series.slug}/").content.decode()
    home = client.get("/").content.decode()
    row = home[home.index('id="row-my-list"'):]
    assert "Harbour Lights" in row[:row.index("</section>")] and "Amélie" in row[:row.index("</section>")]
    page = client.get("/my-list/").content.decode()
    assert page.index("Amélie") < page.index("Harbour Lights")  # newest first
    client.post(f"/my-list/series/{series.slug}", {"listed": "0"})
    assert list(MyListItem.objects.values_list("film_id", flat=True)) == [film.pk]
    assert "row-my-list" in client.get("/").content.decode()


def test_my_list_bad_input(catalog, signed_in):
    client, _ = signed_in
    film = catalog.film("Amélie")
    catalog.index()
    assert client.get(f"/my-list/films/{film.slug}").status_code == 405
    assert client.post("/my-list/films/no-such-film", {"listed": "1"}).status_code == 404
    assert client.post(f"/my-list/people/{film.slug}", {"listed": "1"}).status_code == 404
    assert client.post(f"/my-list/films/{film.slug}", {"listed": "0", "next": "//evil.example"})["Location"] == (
        f"/films/{film.slug}/")
    assert client.get("/my-list/?page=2").status_code == 404
    assert client.get("/my-list/?page=x").status_code == 400
    assert "Nothing on your list yet" in client.get("/my-list/").content.decode()


def test_genre_rows_on_home_and_genre_pages_paginate(catalog, signed_in):
    client, _ = signed_in
    for i in range(LISTING_PAGE_SIZE + 2):
        catalog.film(f"Noir {i:02d}", genres=["Crime"])
    catalog.series("Quiet Fields", genres=["Drama"])
    catalog.index()
    crime = Genre.objects.get(name="Crime")
    assert crime.title_count == LISTING_PAGE_SIZE + 2
    home = client.get("/").content.decode()
    assert 'id="row-genre-crime"' in home and 'id="row-genre-drama"' in home
    first = client.get(f"/genres/{crime.slug}/").content.decode()
    assert first.count("Noir ") == LISTING_PAGE_SIZE
    second = client.get(f"/genres/{crime.slug}/?page=2").content.decode()
    assert second.count("Noir ") == 2 and "Quiet Fields" not in second
    assert client.get(f"/genres/{crime.slug}/?page=3").status_code == 404
    assert client.get(f"/genres/{crime.slug}/?page=-1").status_code == 400
    assert client.get("/genres/no-such-genre/").status_code == 404


def test_title_pages_show_genres_and_credits(catalog, signed_in):
    client, _ = signed_in
    series = catalog.series("Harbour Lights", genres=["Drama"])
    film = catalog.film("Amélie")
    catalog.index()
    Credit.objects.create(person=Person.objects.create(name="Jean-Pierre Jeunet"), role="director", film=film)
    Credit.objects.create(person=Person.objects.create(name="Audrey Tautou"), role="actor", character="Amélie",
                          film=film)
    Credit.objects.create(person=Person.objects.create(name="Ana Lead"), role="actor", series=series)
    page = client.get(f"/films/{film.slug}/").content.decode()
    assert "Jean-Pierre Jeunet" in page and "Audrey Tautou (Amélie)" in page
    page = client.get(f"/series/{series.slug}/").content.decode()
    assert "Ana Lead" in page and '/genres/drama/' in page


def test_home_query_count_holds_with_my_list_and_genre_rows(catalog, signed_in, django_assert_max_num_queries):
    client, profile = signed_in
    for i in range(30):
        s = catalog.series(f"Show {i}", genres=[f"Genre {i % 5}"])
        f = catalog.film(f"Film {i}", genres=[f"Genre {i % 4}"])
        MyListItem.objects.create(profile=profile, series=s)
        MyListItem.objects.create(profile=profile, film=f)
    catalog.index()
    with django_assert_max_num_queries(10):  # 8, +1 the featured title (hero), +1 the announcement banners
        page = client.get("/").content.decode()
    assert page.count('id="row-genre-') == 3 and "row-my-list" in page
    with django_assert_max_num_queries(6):  # +1 on every page: the announcement banners (base.html)
        client.get("/my-list/")
    with django_assert_max_num_queries(7):
        client.get("/genres/genre-0/")
