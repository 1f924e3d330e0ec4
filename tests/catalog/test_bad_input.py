"""Hostile and malformed input on every catalog page gives results, an empty list, 400 or 404, never a 500, on
SQLite and on PostgreSQL (run the suite with DATABASE_URL set for the second)."""

import pytest

from reelhouse.catalog import textnorm
from reelhouse.catalog.models import Genre
from reelhouse.catalog.selectors import EPISODES_PER_PAGE, catalog_search

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"', '""', "'", "*", "harb*", "harbour*", '"harbour', 'harbour"', "NEAR(harbour lights)", "harbour NEAR lights",
    "harbour OR lights", "harbour AND NOT lights", "-harbour", "+harbour", "^harbour", "terms:harbour",
    "synopsis_terms : harbour", "{harbour}", "(harbour", "harbour)", "harbour & lights", "harbour | lights",
    "!harbour", "harbour:*", "harbour <-> lights", "%", "_", "\\", "' OR 1=1 --", "'; DROP TABLE catalog_work; --",
    "🎬", "🎬 harbour 🎬", "harbour\x00lights", "\x00", "\x1f\x7f", "\u200b\u200e\u202e", "har\u0301bour",
    "\uff48\uff41\uff52\uff42\uff4f\uff55\uff52", "\ufffd", " ", "a" * 10_000, "harbour " * 1_250,
    "🎬" * 10_000, "é" * 10_000,
]


@pytest.fixture
def shelf(catalog):
    catalog.series("Harbour Lights", synopsis="Lights over the harbour.")
    catalog.film("Amélie")
    catalog.index()
    return catalog


@pytest.fixture
def signed_in(client, subscriber):
    client.force_login(subscriber)
    return client


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_gives_results_or_nothing(shelf, query):
    cards = catalog_search(query=query)
    assert isinstance(cards, list)
    # Operators are plain words here ("harbour OR lights" asks for all three words): the title is found exactly
    # when every word typed is one of its words (the last may be a prefix), whatever punctuation surrounds them.
    words = textnorm.query_tokens(query)
    expected = bool(words) and all(w in ("harbour", "lights") for w in words[:-1]) and any(
        t.startswith(words[-1]) for t in ("harbour", "lights"))
    assert ("Harbour Lights" in [c.title for c in cards]) == expected, query


@pytest.mark.parametrize("query", [*HOSTILE[::3], "a" * 10_000])
def test_hostile_search_over_http(shelf, signed_in, query):
    page = signed_in.get("/search/", {"q": query})
    assert page.status_code == 200
    data = signed_in.get("/search.json", {"q": query})
    assert data.status_code == 200 and isinstance(data.json()["results"], list)
    assert len(data.json()["query"]) <= 200  # not echoed back in full


def test_search_without_a_query_or_with_it_twice(shelf, signed_in):
    assert signed_in.get("/search.json").json()["results"] == []
    assert signed_in.get("/search/").status_code == 200
    both = signed_in.get("/search.json?q=nothing&q=harb").json()["results"]
    assert [r["title"] for r in both] == ["Harbour Lights"]  # the last value wins, as Django's QueryDict does


def test_undecodable_bytes_in_the_query_string(shelf, signed_in):
    assert signed_in.get("/search.json?q=%FF%FE%00harb").status_code == 200
    assert signed_in.get("/browse/films/?letter=%FF").status_code == 400


@pytest.mark.parametrize("limit, status", [("x", 400), ("-1", 400), ("1.5", 400), ("9999999", 400), ("0", 200),
                                           ("999999", 200), ("%EF%BC%91", 400)])
def test_search_json_limit(shelf, signed_in, limit, status):
    response = signed_in.get(f"/search.json?q=harb&limit={limit}")
    assert response.status_code == status
    if status == 200:
        assert 1 <= len(response.json()["results"]) <= 50


@pytest.mark.parametrize("suffix, status", [
    ("?page=abc", 400), ("?page=-1", 400), ("?page=0", 404), ("?page=2", 404), ("?page=99999999", 400),
    ("?season=1&page=%00", 400), ("?season=1&page=1", 200),
])
def test_series_page_bad_episode_page(shelf, signed_in, suffix, status):
    slug = shelf.series("Short Run", episodes=3).slug
    assert signed_in.get(f"/series/{slug}/{suffix}").status_code == status


def test_long_season_is_paged(catalog, signed_in):
    series = catalog.series("Daily News", episodes=EPISODES_PER_PAGE + 5,
                            episode_titles={(1, 1): "First Day", (1, EPISODES_PER_PAGE + 5): "Last Day"})
    first = signed_in.get(f"/series/{series.slug}/").content.decode()
    assert "First Day" in first and "Last Day" not in first and 'rel="next"' in first
    assert first.count('class="episode"') == EPISODES_PER_PAGE
    second = signed_in.get(f"/series/{series.slug}/?season=1&page=2").content.decode()
    assert "Last Day" in second and "First Day" not in second and second.count('class="episode"') == 5
    assert signed_in.get(f"/series/{series.slug}/?season=1&page=3").status_code == 404


@pytest.mark.parametrize("url, status", [
    ("/genres/no-such-genre/", 404), ("/genres/drama/?page=abc", 400), ("/genres/drama/?page=0", 404),
    ("/genres/drama/?page=50", 404), ("/my-list/?page=x", 400), ("/my-list/?page=7", 404),
    ("/browse/films/?page=1e3", 400), ("/browse/people/", 404), ("/films/%F0%9F%8E%AC/", 404),
    ("/series/" + "x" * 400 + "/", 404), ("/calendar/?days=abc", 200), ("/series/harbour-lights/?season=", 404),
])
def test_malformed_filters_and_unknown_slugs(catalog, signed_in, url, status):
    catalog.film("Quiet Hours", genres=["Drama"])
    catalog.index()
    assert Genre.objects.filter(slug="drama").exists()
    assert signed_in.get(url).status_code == status, url
