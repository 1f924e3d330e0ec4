"""The optional online metadata provider (TMDB v3), against responses recorded in TMDB's own JSON shapes and
served by a real local HTTP server. The real TMDB is never called: tests force the API key empty unless a test
points the provider at this server."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reelhouse.catalog.models import Episode, Series
from reelhouse.catalog.services import series_for_guide
from reelhouse.ingest import metadata
from reelhouse.ingest.metadata import ProviderError, TmdbProvider
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.selectors import episodes_missing
from tests.conftest import deliver, scan_until_settled

RECORDED = Path(__file__).parent / "tmdb"
KEY = "0123456789abcdef0123456789abcdef"
ROUTES = {
    "/3/search/tv": "search_tv.json",
    "/3/tv/219543": "tv_219543.json",
    "/3/tv/219543/season/1": "tv_219543_season_1.json",
    "/3/search/movie": "search_movie.json",
    "/3/movie/1022789": "movie_1022789.json",
}


class _Tmdb(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        server.requests.append((url.path, query, self.headers.get("Authorization")))
        if server.html:
            return self._reply(200, b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html")
        if query.get("api_key") != KEY and self.headers.get("Authorization") != "Bearer eyJhbGciOiJIUzI1NiJ9.x.y":
            return self._reply(401, (RECORDED / "error_401.json").read_bytes())
        name = ROUTES.get(url.path)
        if name is None:
            return self._reply(404, json.dumps({"success": False, "status_code": 34,
                                                "status_message": "The resource you requested could not be found."})
                               .encode())
        return self._reply(200, (RECORDED / name).read_bytes())

    def _reply(self, status, body, content_type="application/json;charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def tmdb_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tmdb)
    httpd.daemon_threads = True
    httpd.requests, httpd.html = [], False
    httpd.url = f"http://127.0.0.1:{httpd.server_port}/3"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def tmdb(tmdb_server):
    return TmdbProvider(api_key=KEY, base_url=tmdb_server.url)


@pytest.fixture
def tmdb_on(settings, tmdb_server):
    settings.REELHOUSE_TMDB_API_KEY = KEY
    settings.REELHOUSE_TMDB_URL = tmdb_server.url
    return tmdb_server


def test_no_provider_without_an_api_key(settings):
    assert settings.REELHOUSE_TMDB_API_KEY == ""  # tests never reach the real TMDB
    assert metadata.provider() is None


def test_series_search_takes_the_exact_title_of_the_delivered_year(tmdb, tmdb_server):
    assert tmdb.find_series(title="Night Desk", year=2024) == "219543"
    assert tmdb.find_series(title="night desk", year=2009) == "84021"
    assert tmdb.find_series(title="Night Desk", year=1990) is None  # never a guess across years
    path, query, _ = tmdb_server.requests[0]
    assert (path, query["query"], query["first_air_date_year"], query["language"]) == (
        "/3/search/tv", "Night Desk", "2024", "en-US")


def test_series_details_become_show_information(tmdb):
    info = tmdb.series_info(series_id="219543")
    assert (info.kind, info.title, info.year, info.premiered) == ("tvshow", "Night Desk", 2024, dt.date(2024, 1, 11))
    assert info.plot.startswith("A newsroom on the graveyard shift")
    assert info.genres == ["Drama", "Mystery"] and info.studios == ["HBO"] and info.credits == ["Maren Solberg"]
    assert info.actors[0] == {"name": "Ines Laurent", "role": "Dana Kreel", "order": 0, "thumb": None}
    assert info.actors[1]["name"] == "Tomás Ibarra"
    assert info.uniqueids == {"tmdb": "219543", "imdb": "tt21988470", "tvdb": "428133"}


def test_episode_guide_lists_every_episode_with_its_air_date(tmdb, tmdb_server):
    guide = tmdb.series_guide(series_id="219543")
    assert [(g.season, g.episode, g.title, g.air_date) for g in guide][:2] == [
        (1, 1, "Graveyard Shift", dt.date(2024, 1, 11)), (1, 2, "Wire", dt.date(2024, 1, 18))]
    assert len(guide) == 6 and guide[-1].air_date == dt.date(2031, 2, 15)
    assert "/3/tv/219543/season/0" not in [p for p, _, _ in tmdb_server.requests]  # empty specials not asked for


def test_episode_details_come_from_the_season(tmdb):
    info = tmdb.episode_info(series_id="219543", season=1, episode=1)
    assert (info.title, info.aired, info.runtime_min) == ("Graveyard Shift", dt.date(2024, 1, 11), 47)
    assert info.directors == ["Ruben Okafor"] and info.credits == ["Maren Solberg"]
    assert tmdb.episode_info(series_id="219543", season=1, episode=9) is None


def test_film_search_and_details(tmdb):
    assert tmdb.find_film(title="Morning Quays", year=2021) == "1022789"
    assert tmdb.find_film(title="Les Quais du matin", year=None) == "1022789"  # the original title matches too
    info = tmdb.film_info(film_id="1022789")
    assert (info.title, info.originaltitle, info.year, info.runtime_min) == (
        "Morning Quays", "Les Quais du matin", 2021, 104)
    assert info.directors == ["Claire Vautrin"] and info.credits == ["Claire Vautrin"]
    assert info.studios == ["Canal+"] and info.actors[0]["name"] == "Élie Marchand"
    assert info.uniqueids == {"tmdb": "1022789", "imdb": "tt14527734"}


def test_a_v4_read_token_travels_as_a_bearer_header(tmdb_server):
    provider = TmdbProvider(api_key="eyJhbGciOiJIUzI1NiJ9.x.y", base_url=tmdb_server.url)
    assert provider.find_film(title="Morning Quays", year=2021) == "1022789"
    _, query, auth = tmdb_server.requests[-1]
    assert "api_key" not in query and auth == "Bearer eyJhbGciOiJIUzI1NiJ9.x.y"


def test_a_refused_key_says_so_without_showing_the_key(tmdb_server):
    provider = TmdbProvider(api_key="wrong-key", base_url=tmdb_server.url)
    with pytest.raises(ProviderError) as exc:
        provider.find_series(title="Night Desk")
    assert str(exc.value) == ("TMDB /search/tv: HTTP 401 Invalid API key: You must be granted a valid key.; "
                              "check REELHOUSE_TMDB_API_KEY")
    assert "wrong-key" not in str(exc.value)


def test_an_html_page_instead_of_json_is_named(tmdb, tmdb_server):
    tmdb_server.html = True
    with pytest.raises(ProviderError, match=r"TMDB /movie/1022789: answer is not JSON"):
        tmdb.film_info(film_id="1022789")


def test_unreachable_provider_is_a_clear_error(tmdb_server):
    provider = TmdbProvider(api_key=KEY, base_url="http://127.0.0.1:9/3", timeout=2)
    with pytest.raises(ProviderError, match=r"TMDB /search/movie: could not connect"):
        provider.find_film(title="Morning Quays")


@pytest.mark.django_db(transaction=True)
def test_delivery_without_nfo_gets_provider_metadata_and_the_series_guide(licensed_source, clip_cache, tmdb_on):
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E01.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    episode = Episode.objects.get(pk=delivery.work_id)
    assert (episode.title, episode.air_date) == ("Graveyard Shift", dt.date(2024, 1, 11))
    assert episode.synopsis == "Dana takes over the night desk on the worst possible night."
    series = Series.objects.get()
    assert series.synopsis.startswith("A newsroom") and series.external_ids["tmdb"] == "219543"
    assert sorted(series.genres.values_list("name", flat=True)) == ["Drama", "Mystery"]
    assert [d["outcome"] for d in delivery.decisions if d["step"] == "metadata"] == [
        "series from tmdb #219543", "episode S01E01 from tmdb"]
    # The guide announced the other five episodes: the four already aired are Missing, the finale is upcoming.
    assert [(e.number, e.air_date) for e in episodes_missing()] == [
        (2, dt.date(2024, 1, 18)), (3, dt.date(2024, 1, 25)), (4, dt.date(2024, 2, 1)), (5, dt.date(2024, 2, 8))]
    assert Episode.objects.get(number=6).air_date == dt.date(2031, 2, 15)


@pytest.mark.django_db(transaction=True)
def test_nfo_wins_over_the_provider_and_a_failing_provider_never_holds_a_delivery(licensed_source, clip_cache,
                                                                                  tmdb_on):
    deliver(licensed_source, "Morning Quays (2021)/Morning Quays (2021).mkv", clip_cache(seconds=2))
    (Path(licensed_source.path) / "Morning Quays (2021)/movie.nfo").write_text(
        "<movie><title>Morning Quays</title><plot>From the NFO.</plot><year>2021</year></movie>")
    tmdb_on.html = True  # and the provider is down as well
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E02.mkv",
            clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)

    film, episode = (Delivery.objects.get(path__startswith=p) for p in ("Morning", "Night"))
    assert film.state == episode.state == Delivery.State.PUBLISHED, (film.reason, episode.reason)
    assert film.work.film.synopsis == "From the NFO." and "/3/search/movie" not in [
        p for p, _, _ in tmdb_on.requests]
    assert episode.work.episode.series.title == "Night Desk"  # from the name, as without a provider
    assert any(w.startswith("online metadata not used: TMDB /search/tv: answer is not JSON")
               for w in episode.identity["warnings"])


def test_repeated_questions_are_answered_from_memory(tmdb, tmdb_server):
    for _ in range(3):
        tmdb.episode_info(series_id="219543", season=1, episode=1)
        tmdb.find_series(title="Night Desk", year=2024)
    assert [p for p, _, _ in tmdb_server.requests] == ["/3/tv/219543/season/1", "/3/search/tv"]


@pytest.mark.django_db
def test_scheduler_refreshes_guides_of_series_with_a_provider_id_at_most_daily(tmdb_on):
    from django.core.cache import cache

    from reelhouse.ingest.services import guides_refresh

    cache.clear()
    series = series_for_guide(title="Night Desk", year=2024)
    Series.objects.filter(pk=series.pk).update(external_ids={"tmdb": "219543"})
    series_for_guide(title="Unmatched", year=2020)  # no provider id: never asked about

    assert guides_refresh() == 1
    assert sorted(Episode.objects.filter(series=series).values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    asked = len(tmdb_on.requests)
    assert guides_refresh() == 0  # the next run comes only after ten minutes
    cache.delete("ingest:guides_refresh")
    assert guides_refresh() == 0  # and then this series' guide was read less than a day ago
    assert len(tmdb_on.requests) == asked


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("nfo_name, nfo, relpath", [
    ("tvshow.nfo", '<tvshow><title>Night Desk</title><uniqueid type="tmdb">219543; DROP</uniqueid></tvshow>',
     "Night Desk (2024)/Season 01/Night Desk - S01E03.mkv"),
    ("movie.nfo", '<movie><uniqueid type="tmdb" default="true">../../3/movie/1022789</uniqueid></movie>',
     "Morning Quays (2021)/Morning Quays (2021).mkv"),
], ids=["series", "film"])
def test_a_non_numeric_tmdb_id_in_an_nfo_is_a_note_not_a_crash(licensed_source, clip_cache, tmdb_on, nfo_name, nfo,
                                                               relpath):
    video = deliver(licensed_source, relpath, clip_cache(seconds=2))
    folder = video.parent.parent if nfo_name == "tvshow.nfo" else video.parent
    (folder / nfo_name).write_text(nfo)
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason  # identified from its name, as without a key
    notes = [w for w in delivery.identity["warnings"] if "tmdb id" in w]
    assert len(notes) == 1 and "is not a number" in notes[0] and "fix the NFO's <uniqueid type=\"tmdb\">" in notes[0]
    assert tmdb_on.requests == []  # the bad id was never sent anywhere, and nothing was guessed in its place


@pytest.mark.parametrize("bad", ["abc", "219543/../../movie/1", "-1", "١٢٣", ""])
def test_the_provider_refuses_a_non_numeric_id_before_any_request(tmdb, tmdb_server, bad):
    for ask in (lambda: tmdb.series_guide(series_id=bad), lambda: tmdb.film_info(film_id=bad),
                lambda: tmdb.episode_info(series_id=bad, season=1, episode=1)):
        with pytest.raises(ProviderError, match="is not a number; nothing was asked"):
            ask()
    assert tmdb_server.requests == []
