"""Property tests (Hypothesis) on the parsers that read what licensors send: file and folder names, NFO sidecars
and partner-feed manifests. Whatever the input (arbitrary text and bytes, and inputs shaped like the real thing
with hostile values), each parser returns its result or raises its own error type, never anything else. The
coverage-guided fuzzers for the NFO and feed parsers are under fuzz/ (`make fuzz`)."""

import json
import string
import tempfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reelhouse.ingest.feeds import Feed, FeedError, parse_feed
from reelhouse.ingest.naming import Identity, identify_path
from reelhouse.ingest.nfo import KINDS, NfoError, NfoInfo, read_nfo_all

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------------- naming

NAME_TOKENS = st.sampled_from([
    "S01E02", "s1e2", "1x02", "S01E01-E03", "S01E01E02", "E05", "Ep 7", "Season 2", "Specials", "S00E01", "2019",
    "(2019)", "[2019]", "{tmdb-603}", "{imdb-tt0133093}", "[tvdbid-81189]", "{edition-Director's Cut}", "Trailers",
    "Featurettes", "Extras", "-trailer", "-sample", "Part 2", "Pt.II", "720p", "1080p", "x264", "WEB-DL", "BluRay",
    "Harbour Lights", "The Matrix", "Amélie", "東京", "..", ".", " - ", "-", "_", "#", "%", "\u202e", "\x00", "\n",
    "9" * 30, "0", "-1", "S99999999E99999999", "1x", "x1", "S", "E",
])
SUFFIXES = st.sampled_from([".mkv", ".mp4", ".m4v", ".avi", ".MKV", ".ts", ".webm", ".nfo", ".srt", "", "."])


@st.composite
def delivery_paths(draw) -> str:
    """Paths shaped like deliveries: folders and a file name made of naming tokens and arbitrary text."""
    word = st.one_of(NAME_TOKENS, st.text(max_size=12))
    segment = st.lists(word, min_size=1, max_size=5).map(lambda parts: " ".join(parts).replace("/", " "))
    folders = draw(st.lists(segment, max_size=4))
    name = draw(segment) + draw(SUFFIXES)
    return "/".join([*folders, name])


@FAST
@given(st.one_of(delivery_paths(), st.text(max_size=300)))
@example("Harbour Lights (2019)/Season 99999999999999999999/Harbour Lights S99999999999999999999E01.mkv")
@example("Film (99999999999999999999)/Film (99999999999999999999).mkv")
@example("Show/Season 1/Show - 99999999999999999999 - Title.mkv")
def test_identify_path_names_any_path_or_says_why_not(raw):
    identity = identify_path(PurePosixPath(raw))
    assert isinstance(identity, Identity)
    assert identity.kind in {"episode", "film", "extra", "other"}
    if identity.kind == "other":
        assert identity.reason


# ---------------------------------------------------------------------------------------------------- NFO

NFO_TAGS = ["title", "originaltitle", "sorttitle", "showtitle", "plot", "outline", "premiered", "releasedate",
            "aired", "year", "season", "seasonnumber", "episode", "episodenumberend", "absolute_number", "runtime",
            "mpaa", "genre", "studio", "director", "credits", "id", "imdbid", "imdb_id", "tmdbid", "tvdbid",
            "uniqueid", "thumb", "fanart", "actor", "name", "role", "order", "ratings", "rating", "value"]
NFO_VALUES = st.one_of(
    st.text(max_size=40), st.integers().map(str), st.sampled_from(
        ["2019-13-45", "2019-02-30", "0000-00-00", "99999-01-01", "-5", "1e309", "NaN", "tt0133093", " / / ",
         "https://www.themoviedb.org/movie/603", "https://www.imdb.com/title/tt0133093/", "\u202e", "&amp;",
         "&lt;x&gt;", "<![CDATA[x]]>", "9" * 400]))


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def nfo_elements(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(NFO_TAGS))
    attrs = draw(st.dictionaries(st.sampled_from(["type", "default", "aspect", "season", "preview", "name"]),
                                 NFO_VALUES.map(lambda v: _xml_escape(v).replace('"', "&quot;")), max_size=2))
    attr_text = "".join(f' {k}="{v}"' for k, v in attrs.items())
    if depth < 2 and draw(st.booleans()):
        inner = "".join(draw(st.lists(nfo_elements(depth=depth + 1), max_size=3)))
    else:
        value = draw(NFO_VALUES)
        inner = value if draw(st.integers(0, 9)) == 0 else _xml_escape(value)  # now and then raw, maybe malformed
    return f"<{tag}{attr_text}>{inner}</{tag}>"


@st.composite
def nfo_documents(draw) -> bytes:
    roots = []
    for _ in range(draw(st.integers(1, 3))):
        root = draw(st.one_of(st.sampled_from(KINDS), st.sampled_from(["nfo", "xml", "html", "movie "])))
        children = "".join(draw(st.lists(nfo_elements(), max_size=8)))
        roots.append(f"<{root}>{children}</{root.strip()}>")
    text = "\n".join(roots) + draw(st.sampled_from(["", "\nhttps://www.imdb.com/title/tt0133093/", "\x00", "junk"]))
    declaration = draw(st.sampled_from(['', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
                                        '<?xml version="1.0" encoding="utf-16"?>', '<?xml encoding="latin-1"?>',
                                        '<?xml encoding="x-no-such"?>', '<?xml encoding="cp037"?>']))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return (declaration + text).encode(encoding, errors="replace")


def _read_nfo_bytes(raw: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "movie.nfo"
        path.write_bytes(raw)
        try:
            infos = read_nfo_all(path)
        except NfoError as exc:
            assert str(exc).startswith(str(path)), exc  # the message names the file
            return None
    assert infos and all(isinstance(info, NfoInfo) and info.kind in (*KINDS, "url") for info in infos)
    return infos


@FAST
@given(nfo_documents())
@example(b"<movie><year>99999999999999999999999</year><premiered>9999-99-99</premiered></movie>")
@example(b"<episodedetails><season>1</season></episodedetails><episodedetails><episode>x</episode>"
         b"</episodedetails>")
@example('<?xml version="1.0" encoding="utf-16"?><movie/>'.encode("utf-16-le"))
def test_nfo_shaped_input_is_read_or_refused_with_an_nfo_error(raw):
    _read_nfo_bytes(raw)


@FAST
@given(st.one_of(st.binary(max_size=600), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))))
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe<\x00")
@example(b'<?xml encoding="utf-32"?>\x00\x00')
def test_arbitrary_bytes_as_an_nfo_are_read_or_refused_with_an_nfo_error(raw):
    _read_nfo_bytes(raw)


# ---------------------------------------------------------------------------------------------------- feeds

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)
HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
FIELD = {
    "url": st.one_of(JSON_VALUES, st.sampled_from(["ep1.mkv", "https://cdn.example.com/a.mkv", "ftp://x/y",
                                                   "javascript:alert(1)", "//evil.example/x", "\x00", ""])),
    "path": st.one_of(JSON_VALUES, st.sampled_from(["../x.mkv", "/etc/passwd", "a/../../b", ".hidden/x.mkv",
                                                    "C:\\x.mkv", "a\nb.mkv", "a\u202eb.mkv", "x" * 300 + ".mkv"])),
    "size": st.one_of(JSON_VALUES, st.sampled_from(["-1", "1e400", "NaN", 10**30, -5, 1.5, "12"])),
    "sha256": st.one_of(JSON_VALUES, HEX64),
    "series": JSON_VALUES, "season": JSON_VALUES, "episode": JSON_VALUES, "year": JSON_VALUES,
    "title": JSON_VALUES, "air_date": st.one_of(JSON_VALUES, st.sampled_from(["2026-02-30", "99999-01-01"])),
}


def _items(keys):
    return st.fixed_dictionaries({}, optional={k: FIELD[k] for k in keys})


MANIFESTS = st.fixed_dictionaries({}, optional={
    "deliveries": st.one_of(JSON_VALUES, st.lists(st.one_of(_items(["url", "path", "size", "sha256"]), JSON_VALUES),
                                                  max_size=4)),
    "episodes": st.one_of(JSON_VALUES, st.lists(st.one_of(
        _items(["series", "season", "episode", "year", "title", "air_date"]), JSON_VALUES), max_size=4)),
})


def _parse(body: bytes, content_type: str) -> None:
    try:
        feed = parse_feed(body, content_type=content_type, url="https://partner.example.com/feed")
    except FeedError as exc:
        assert str(exc)
        return
    assert isinstance(feed, Feed)
    for entry in feed.entries:  # an entry is usable (a checked relative path and checksum) or carries a problem
        assert entry.problem or (entry.path and not entry.path.startswith("/") and len(entry.sha256) == 64)


@FAST
@given(st.one_of(MANIFESTS, JSON_VALUES), st.sampled_from(["application/json", "", "text/plain"]))
@example({"deliveries": [], "episodes": 5}, "application/json")
@example({"deliveries": 5}, "application/json")
@example({"deliveries": [{"url": "a.mkv", "sha256": "a" * 64, "size": "1e400"}]}, "application/json")
@example({"episodes": [{"series": "S", "season": "x", "episode": 1, "year": "MMXX"}]}, "application/json")
def test_json_manifests_are_read_or_refused_with_a_feed_error(manifest, content_type):
    _parse(json.dumps(manifest).encode(), content_type)


def test_deeply_nested_json_is_a_feed_error_not_a_recursion_error():
    _parse(b'{"deliveries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json")


RSS_TEXT = st.one_of(st.text(max_size=30).map(_xml_escape), st.sampled_from(
    ["https://cdn.example.com/a.mkv", "a.mkv", "../../x.mkv", "-3", "1e400", "x", "Mon, 99 Foo 2026", "a" * 64,
     "S01E02", "&amp;", "&#0;", "&#x202e;"]))


@st.composite
def media_rss(draw) -> bytes:
    items = []
    for _ in range(draw(st.integers(0, 3))):
        parts = []
        if draw(st.booleans()):
            attrs = " ".join(f'{a}="{draw(RSS_TEXT)}"' for a in draw(st.lists(
                st.sampled_from(["url", "fileSize", "type", "medium"]), unique=True, max_size=4)))
            parts.append(f"<media:content {attrs}>"
                         + "".join(f'<media:hash algo="{draw(st.sampled_from(["sha256", "md5", ""]))}">'
                                   f"{draw(RSS_TEXT)}</media:hash>" for _ in range(draw(st.integers(0, 2))))
                         + "</media:content>")
        for tag in draw(st.lists(st.sampled_from(
                ["title", "link", "guid", "pubDate", "reelhouse:path", "reelhouse:series", "reelhouse:season",
                 "reelhouse:episode", "reelhouse:year", "reelhouse:air-date", "enclosure"]), max_size=6)):
            parts.append(f"<{tag}>{draw(RSS_TEXT)}</{tag}>")
        items.append("<item>" + "".join(parts) + "</item>")
    root = draw(st.sampled_from(["rss", "rss", "feed", "html"]))
    doc = (f'<{root} version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:reelhouse="urn:reelhouse:feed">'
           f"<channel>{''.join(items)}</channel></{root}>")
    prefix = draw(st.sampled_from(["", '<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY a "b">]>', "\ufeff"]))
    return (prefix + doc).encode()


@FAST
@given(media_rss(), st.sampled_from(["application/rss+xml", "", "text/xml"]))
def test_media_rss_feeds_are_read_or_refused_with_a_feed_error(body, content_type):
    _parse(body, content_type)


@FAST
@given(st.one_of(st.binary(max_size=400), st.text(string.printable, max_size=200).map(str.encode)),
       st.sampled_from(["application/json", "application/rss+xml", "text/html", "", "application/octet-stream"]))
def test_arbitrary_bytes_as_a_feed_are_read_or_refused_with_a_feed_error(body, content_type):
    _parse(body, content_type)
