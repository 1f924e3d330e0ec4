"""Studios and networks: filled from NFO <studio> when a delivery creates a series or film, shown on its page."""

import pytest

from reelhouse.catalog.models import Film, Series, Studio
from reelhouse.catalog.services import studios_for, work_for_identification
from reelhouse.ingest.identify import Identification
from reelhouse.ingest.naming import Identity
from reelhouse.ingest.nfo import NfoInfo, read_nfo

pytestmark = pytest.mark.django_db

TVSHOW_NFO = b"""<?xml version="1.0" encoding="UTF-8"?>
<tvshow><title>Deep Water</title><studio>HBO</studio><studio>Sky  Atlantic</studio><mpaa>TV-MA</mpaa></tvshow>"""


def test_studios_are_matched_without_regard_to_case_and_spacing():
    first = studios_for(names=["HBO", " Sky  Atlantic ", "hbo", ""])
    assert [s.name for s in first] == ["HBO", "Sky Atlantic"]
    again = studios_for(names=["sky atlantic", "A24"])
    assert again[0] == first[1] and Studio.objects.count() == 3
    assert again[1].slug == "a24"


def test_series_and_film_get_the_studios_of_their_nfo(tmp_path):
    nfo = tmp_path / "tvshow.nfo"
    nfo.write_bytes(TVSHOW_NFO)
    show = read_nfo(nfo)
    assert show.studios == ["HBO", "Sky  Atlantic"]
    episode = work_for_identification(found=Identification(
        identity=Identity(kind="episode", series="Deep Water", season=1, episodes=(1,), title="Pilot"),
        item_info=NfoInfo(kind="episodedetails", title="Pilot"), series_info=show), licence=None)
    series = Series.objects.get(pk=episode.series_id)
    assert sorted(series.studios.values_list("name", flat=True)) == ["HBO", "Sky Atlantic"]
    film = work_for_identification(found=Identification(
        identity=Identity(kind="film", title="Moonlight", year=2016),
        item_info=NfoInfo(kind="movie", title="Moonlight", studios=["A24", "Plan B Entertainment"])), licence=None)
    assert list(Film.objects.get(pk=film.pk).studios.values_list("name", flat=True)) == [
        "A24", "Plan B Entertainment"]


def test_title_pages_show_their_studios(catalog, client, subscriber):
    series = catalog.series("Deep Water")
    series.studios.set(studios_for(names=["HBO", "Sky Atlantic"]))
    film = catalog.film("Moonlight")
    film.studios.set(studios_for(names=["A24"]))
    bare = catalog.film("Nobody Made This")
    catalog.index()
    client.force_login(subscriber)
    assert "Studios: HBO, Sky Atlantic" in client.get(f"/series/{series.slug}/").content.decode()
    assert "Studios: A24" in client.get(f"/films/{film.slug}/").content.decode()
    assert 'class="studios"' not in client.get(f"/films/{bare.slug}/").content.decode()
