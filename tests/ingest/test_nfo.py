"""Kodi NFO reading: every kind, multi-episode files, link-only NFOs, and hostile or broken input."""

import datetime as dt
import socket

import pytest

from reelhouse.ingest.nfo import MAX_NFO_BYTES, NfoError, read_nfo, read_nfo_all

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

TVSHOW = """<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<tvshow>
  <title>Die Brücke</title>
  <originaltitle>Bron/Broen</originaltitle>
  <sorttitle>Brücke, Die</sorttitle>
  <plot>A body is found on the bridge between Denmark and Sweden.</plot>
  <mpaa>TV-MA</mpaa>
  <premiered>2011-09-21</premiered>
  <genre>Crime</genre>
  <genre>Drama / Thriller</genre>
  <studio>SVT</studio>
  <uniqueid type="tvdb" default="true">252019</uniqueid>
  <uniqueid type="imdb">tt1733785</uniqueid>
  <thumb aspect="poster">https://artworks.example/poster.jpg</thumb>
  <thumb aspect="banner">banner.jpg</thumb>
  <thumb aspect="poster" type="season" season="1">season01.jpg</thumb>
  <fanart><thumb preview="p.jpg">https://artworks.example/fanart.jpg</thumb></fanart>
  <actor><name>Sofia Helin</name><role>Saga Norén</role><order>0</order><thumb>sofia.jpg</thumb></actor>
  <actor><name>Kim Bodnia</name><role>Martin Rohde</role><order>1</order></actor>
</tvshow>
"""

EPISODE = """<episodedetails>
  <title>Tödliche Grenze</title>
  <showtitle>Die Brücke</showtitle>
  <season>1</season>
  <episode>3</episode>
  <absolute_number>3</absolute_number>
  <aired>2011-10-05</aired>
  <runtime>58</runtime>
  <director>Charlotte Sieling</director>
  <credits>Hans Rosenfeldt</credits>
  <credits>Måns Mårlind</credits>
  <uniqueid type="tvdb">4154321</uniqueid>
</episodedetails>
"""

MOVIE = """<?xml version="1.0" encoding="utf-8"?>
<movie>
  <title>Le Fabuleux Destin d'Amélie Poulain</title>
  <originaltitle>Le Fabuleux Destin d'Amélie Poulain</originaltitle>
  <sorttitle>Fabuleux Destin d'Amélie Poulain, Le</sorttitle>
  <year>2001</year>
  <runtime>122</runtime>
  <outline>Amélie changes the lives of those around her.</outline>
  <mpaa>FR:U</mpaa>
  <id>tt0211915</id>
  <tmdbid>194</tmdbid>
  <genre>Comedy</genre><genre>Romance</genre>
  <director>Jean-Pierre Jeunet</director>
  <premiered>2001-04-25</premiered>
  <thumb aspect="poster">poster.jpg</thumb>
</movie>
"""

SEASON = """<season><title>Season 1</title><seasonnumber>1</seasonnumber><plot>The first case.</plot></season>"""

MULTI_EPISODE = """<?xml version="1.0" encoding="UTF-8"?>
<episodedetails><title>Pilot (1)</title><season>1</season><episode>1</episode><aired>2004-09-22</aired></episodedetails>
<?xml version="1.0" encoding="UTF-8"?>
<episodedetails><title>Pilot (2)</title><season>1</season><episode>2</episode></episodedetails>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<movie><title>&lol9;</title></movie>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE movie [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<movie><title>&xxe;</title></movie>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE movie SYSTEM "http://203.0.113.1/evil.dtd">
<movie><title>Remote</title></movie>
"""


@pytest.fixture
def write(tmp_path):
    def write(text: str | bytes, name: str = "x.nfo"):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path
    return write


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test: hostile NFOs must never fetch anything."""
    def refuse(*args, **kwargs):
        raise AssertionError("an NFO tried to open a network connection")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_tvshow_nfo(write):
    info = read_nfo(write(TVSHOW, "tvshow.nfo"))
    assert info.kind == "tvshow"
    assert (info.title, info.originaltitle, info.sorttitle) == ("Die Brücke", "Bron/Broen", "Brücke, Die")
    assert info.premiered == dt.date(2011, 9, 21) and info.year == 2011
    assert info.genres == ["Crime", "Drama", "Thriller"] and info.studios == ["SVT"] and info.mpaa == "TV-MA"
    assert info.uniqueids == {"tvdb": "252019", "imdb": "tt1733785"}
    assert info.actors[0] == {"name": "Sofia Helin", "role": "Saga Norén", "order": 0, "thumb": "sofia.jpg"}
    assert info.actors[1]["name"] == "Kim Bodnia" and info.actors[1]["thumb"] is None
    assert [t["aspect"] for t in info.thumbs] == ["poster", "banner", "poster"]
    assert info.thumbs[2]["season"] == 1
    assert info.fanart == [{"aspect": None, "url": "https://artworks.example/fanart.jpg", "season": None}]


def test_episode_nfo(write):
    info = read_nfo(write(EPISODE))
    assert info.kind == "episodedetails"
    assert (info.title, info.showtitle, info.season, info.episode) == ("Tödliche Grenze", "Die Brücke", 1, 3)
    assert info.absolute_number == 3
    assert info.aired == dt.date(2011, 10, 5) and info.year == 2011 and info.runtime_min == 58
    assert info.directors == ["Charlotte Sieling"] and info.credits == ["Hans Rosenfeldt", "Måns Mårlind"]
    assert info.uniqueids == {"tvdb": "4154321"}


def test_movie_nfo_with_legacy_ids(write):
    info = read_nfo(write(MOVIE, "movie.nfo"))
    assert info.kind == "movie"
    assert info.title == "Le Fabuleux Destin d'Amélie Poulain" and info.year == 2001
    assert info.plot == "Amélie changes the lives of those around her."  # <outline> when there is no <plot>
    assert info.uniqueids == {"imdb": "tt0211915", "tmdb": "194"}
    assert info.genres == ["Comedy", "Romance"] and info.directors == ["Jean-Pierre Jeunet"]
    assert info.premiered == dt.date(2001, 4, 25) and info.runtime_min == 122


def test_season_nfo(write):
    info = read_nfo(write(SEASON, "season.nfo"))
    assert (info.kind, info.title, info.season, info.plot) == ("season", "Season 1", 1, "The first case.")


def test_year_comes_from_premiered_when_missing(write):
    info = read_nfo(write("<movie><title>X</title><premiered>1999-03-31</premiered></movie>"))
    assert info.year == 1999


def test_bad_numbers_and_dates_are_left_empty(write):
    info = read_nfo(write("<episodedetails><season>one</season><episode></episode><aired>soon</aired>"
                          "<episodenumberend>4</episodenumberend></episodedetails>"))
    assert (info.season, info.episode, info.aired, info.episodenumberend) == (None, None, None, 4)


def test_multi_episode_nfo(write):
    path = write(MULTI_EPISODE)
    infos = read_nfo_all(path)
    assert [(i.title, i.season, i.episode) for i in infos] == [("Pilot (1)", 1, 1), ("Pilot (2)", 1, 2)]
    assert read_nfo(path).title == "Pilot (1)"


def test_xml_followed_by_a_link_keeps_both(write):
    info = read_nfo(write("<movie><title>Alien</title></movie>\nhttps://www.imdb.com/title/tt0078748/\n"))
    assert info.title == "Alien" and info.uniqueids == {"imdb": "tt0078748"}


@pytest.mark.parametrize("text, ids", [
    ("https://www.imdb.com/title/tt0211915/\n", {"imdb": "tt0211915"}),
    ("http://www.imdb.com/title/tt0211915", {"imdb": "tt0211915"}),
    ("https://www.themoviedb.org/movie/194-le-fabuleux-destin-d-amelie-poulain", {"tmdb": "194"}),
    ("https://thetvdb.com/?tab=series&id=252019", {"tvdb": "252019"}),
    ("   ██ GROUP ██\n  Release: Film.2001\n  IMDb ..: https://www.imdb.com/title/tt0211915/\n", {"imdb": "tt0211915"}),
])
def test_link_only_nfo(write, text, ids):
    info = read_nfo(write(text))
    assert info.uniqueids == ids and info.title is None


def test_scene_nfo_in_cp437_with_a_link(write):
    art = "\u2588\u2593\u2592\u2591 GROUP \u2591\u2592\u2593\u2588\n".encode("cp437")
    info = read_nfo(write(art + b"imdb: https://www.imdb.com/title/tt0133093/\n"))
    assert info.uniqueids == {"imdb": "tt0133093"}


def test_text_without_link_is_an_error(write):
    with pytest.raises(NfoError, match="neither Kodi XML nor a link"):
        read_nfo(write("Greetings to all our friends!\n"))


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_is_refused_without_network(write, no_network, text):
    path = write(text)
    with pytest.raises(NfoError, match="DTD or entities, which are refused") as raised:
        read_nfo(path)
    assert str(path) in str(raised.value)


def test_entity_reference_without_declaration_is_malformed(write):
    with pytest.raises(NfoError, match="not well-formed XML"):
        read_nfo(write("<movie><title>&nbsp;Oops</title></movie>"))


def test_oversize_nfo_is_refused_before_reading(write):
    path = write(b"<movie><plot>" + b"x" * MAX_NFO_BYTES + b"</plot></movie>")
    with pytest.raises(NfoError, match="NFO larger than 1 MiB"):
        read_nfo(path)


@pytest.mark.parametrize("text", ["<movie><title>Broken</movie>", "<movie><title>Cut short", "<", ""])
def test_malformed_xml_is_an_error(write, text):
    with pytest.raises(NfoError):
        read_nfo(write(text))


def test_unexpected_root_is_an_error(write):
    with pytest.raises(NfoError, match=r"root element <html> is not a Kodi NFO"):
        read_nfo(write("<html><body>hi</body></html>"))


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(NfoError, match="cannot read NFO"):
        read_nfo(tmp_path / "absent.nfo")


def test_declared_latin1_encoding(write):
    raw = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<movie><title>Amélie</title><plot>Café</plot></movie>'
    info = read_nfo(write(raw.encode("iso-8859-1")))
    assert (info.title, info.plot) == ("Amélie", "Café")


def test_declared_utf16_encoding(write):
    raw = '<?xml version="1.0" encoding="UTF-16"?>\n<tvshow><title>進撃の巨人</title></tvshow>'
    assert read_nfo(write(raw.encode("utf-16"))).title == "進撃の巨人"


def test_mislabelled_encoding_falls_back(write):
    raw = '<?xml version="1.0" encoding="UTF-8"?><movie><title>München</title></movie>'.encode("cp1252")
    assert read_nfo(write(raw)).title == "München"


def test_unknown_declared_encoding_is_an_error(write):
    with pytest.raises(NfoError, match="unknown encoding 'x-klingon'"):
        read_nfo(write('<?xml version="1.0" encoding="x-klingon"?><movie/>'))
