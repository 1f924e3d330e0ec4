"""Subscriber pages: home lists published series and films; series and film pages by plain slugs."""

import pytest

from reelhouse.catalog.models import Episode, Film
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library(licensed_source, clip_cache):
    clip = clip_cache(seconds=2, size="640x360")
    deliver(licensed_source, "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Arrival.mkv", clip)
    deliver(licensed_source, "Paper Moons (2021)/Paper Moons (2021).mp4", clip_cache(seconds=2, size="640x360",
                                                                                    pattern="testsrc"))
    scan_until_settled(licensed_source)


def test_home_series_and_film_pages(client, subscriber, library):
    client.force_login(subscriber)
    home = client.get("/").content.decode()
    assert "Harbour Lights" in home and "Paper Moons" in home and '<html lang="en">' in home
    episode = Episode.objects.get()
    series_page = client.get(f"/series/{episode.series.slug}/")
    assert series_page.status_code == 200 and "Arrival" in series_page.content.decode()
    film = Film.objects.get()
    assert client.get(f"/films/{film.slug}/").status_code == 200
    assert client.get("/series/no-such-series/").status_code == 404


def test_html_lang_follows_the_browser_language(client, subscriber, library):
    client.force_login(subscriber)
    assert '<html lang="fr">' in client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_home_query_count_is_fixed(client, subscriber, library, django_assert_max_num_queries):
    client.force_login(subscriber)
    with django_assert_max_num_queries(10):  # 8 for the rows, 1 for the featured title (hero), 1 for the banners
        assert client.get("/").status_code == 200
