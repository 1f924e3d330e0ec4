"""Hostile manifests through the real fetch (real loopback server, real landing folder): each bad part becomes a
recorded error on its own entry or on the source, the good entries beside it still land, the fetch is done
(`last_fetch_at` moves on) and the scheduler waits the feed's interval before asking again. Downloads are capped
per fetch, and what was kept aside is deleted after the retention period."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.cache import cache

from reelhouse.core import clock
from reelhouse.ingest import feeds
from reelhouse.ingest.dispatch import feed_fetch, ingest_tick
from reelhouse.ingest.models import Delivery, FeedItem, Source
from reelhouse.ingest.services import feed_downloads_purge
from tests.ingest.conftest import media_rss, sha
from tests.ingest.test_feeds import NOT_VIDEO, manifest

pytestmark = pytest.mark.django_db(transaction=True)


def good(feed_server, name="good.mkv", body=NOT_VIDEO) -> dict:
    url = feed_server.add(f"/files/{name}", body)
    return {"url": url, "path": f"Show/Season 01/{name}", "size": len(body), "sha256": sha(body)}


def _tick_twice_and_count_feed_requests(feed_server) -> int:
    """Two scheduler beats in a row: a feed that just failed must not be asked again before its interval."""
    cache.clear()
    ingest_tick()
    ingest_tick()
    return feed_server.routes["/feed"].hits


HOSTILE_ENTRIES = [
    ({"url": 5, "sha256": "0" * 64}, "url is int 5, expected a string"),
    ({"url": "/files/x.mkv", "path": ["a", "b"], "sha256": "0" * 64}, "path is list ['a', 'b'], expected a string"),
    ({"url": "/files/x.mkv", "path": "x.mkv", "size": "big", "sha256": "0" * 64}, "size 'big' is not a whole number"),
    ({"url": "/files/x.mkv", "path": "x.mkv", "size": True, "sha256": "0" * 64}, "size is bool True"),
    ({"url": "/files/x.mkv", "path": "x.mkv", "size": 1.5, "sha256": "0" * 64}, "size is float 1.5"),
    ({"url": "/files/x.mkv", "path": "x.mkv", "sha256": 12345}, "sha256 is int 12345, expected 64 hex digits"),
    ("just a string", "is str 'just a string', expected an object"),
    ({"url": "/files/x.mkv", "path": "Show/" + "A" * 256 + ".mkv", "sha256": "0" * 64},
     "is 260 bytes long; file systems allow 255"),
    ({"url": "/files/x.mkv", "path": "Show/" + "é" * 128 + ".mkv", "sha256": "0" * 64},  # 256 chars' worth of bytes
     "is 260 bytes long; file systems allow 255"),
    ({"url": "/files/x.mkv", "path": "Show/Season 01/evil\u202egpj.mkv", "sha256": "0" * 64},
     "U+202E (right-to-left override)"),
    ({"url": "/files/x.mkv", "path": "Show/two\nlines.mkv", "sha256": "0" * 64}, "U+000A"),
    ({"url": "/files/x.mkv", "path": "Show/bell\x07.mkv", "sha256": "0" * 64}, "U+0007"),
    ({"url": "/files/x.mkv", "path": "Show/zero\u200bwidth.mkv", "sha256": "0" * 64}, "U+200B (zero width space)"),
    ({"url": "/files/x\r\nX-Injected: 1", "sha256": "0" * 64}, "U+000D"),
    ({"url": "https://partner.test:99999/x.mkv", "sha256": "0" * 64}, "has a bad port"),
]


@pytest.mark.parametrize("bad, expected", HOSTILE_ENTRIES, ids=[e for _, e in HOSTILE_ENTRIES])
def test_a_hostile_entry_is_refused_on_its_own_and_the_good_one_still_lands(feed_source, feed_server, bad,
                                                                           expected):
    feed_server.add("/feed", manifest(bad, good(feed_server)))

    counts = feed_fetch(source=feed_source)

    assert (counts["refused"], counts["downloaded"]) == (1, 1), counts
    refused = FeedItem.objects.get(state=FeedItem.State.REFUSED)
    assert expected in refused.reason, refused.reason
    assert (Path(feed_source.path) / "Show/Season 01/good.mkv").read_bytes() == NOT_VIDEO
    assert Delivery.objects.count() == 1
    assert _tick_twice_and_count_feed_requests(feed_server) == 1  # fetched once, then waits its interval


@pytest.mark.parametrize("document, expected", [
    (b'{"episodes": 5}', "'episodes' is int 5, expected a list; ignored"),
    (b'{"deliveries": {"url": "x"}}', "'deliveries' is dict {'url': 'x'}, expected a list; ignored"),
    (json.dumps({"episodes": [{"series": "Harbour", "season": 1, "episode": 1, "year": "nineteen"}]}).encode(),
     "episode 1 ignored: year 'nineteen' is not a whole number"),
    (json.dumps({"episodes": [{"series": "Harbour\u202e", "season": 1, "episode": 1}]}).encode(),
     "episode 1 ignored: series 'Harbour\\u202e' contains the control or invisible formatting character U+202E"),
    (json.dumps({"episodes": [{"series": "Harbour", "season": 1, "episode": 1, "title": "A\nB"}]}).encode(),
     "title 'A\\nB' contains the control or invisible formatting character U+000A"),
    (json.dumps({"episodes": [{"series": "Harbour", "season": 1e9, "episode": 1}]}).encode(),
     "season is float 1000000000.0, expected a whole number"),
    (json.dumps({"episodes": [{"series": "Harbour", "season": 70000, "episode": 1}]}).encode(),
     "season 70000 is outside 0-9999"),
    (json.dumps({"episodes": [{"series": ["Harbour"], "season": 1, "episode": 1}]}).encode(),
     "series is list ['Harbour'], expected a string"),
    (json.dumps({"episodes": [7]}).encode(), "episode 1 ignored: is int 7, expected an object"),
    (json.dumps({"episodes": [{"series": "Harbour", "season": 1, "episode": 1, "air_date": "soon"}]}).encode(),
     "air date 'soon' is not a date (YYYY-MM-DD)"),
], ids=["episodes-5", "deliveries-object", "year-words", "bidi-series", "newline-title", "float-season",
        "huge-season", "list-series", "episode-not-object", "bad-air-date"])
def test_misshapen_sections_and_guide_entries_are_recorded_on_the_feed(feed_source, feed_server, document, expected):
    data = json.loads(document)
    data.setdefault("episodes", [])
    data["deliveries"] = data.get("deliveries") if "deliveries" in data else [good(feed_server)]
    if isinstance(data["episodes"], list):
        data["episodes"].append({"series": "Harbour", "season": 1, "episode": 2, "year": 2026})
    feed_server.add("/feed", json.dumps(data).encode(), content_type="application/json")
    started = clock.now()

    counts = feed_fetch(source=feed_source)

    feed_source.refresh_from_db()
    assert expected in feed_source.last_error and counts["problems"] == 1, feed_source.last_error
    assert feed_source.last_fetch_at >= started
    if isinstance(data["episodes"], list):
        assert counts["guide"] == 1  # the well-formed episode beside the bad one is recorded
    if isinstance(data["deliveries"], list):
        assert counts["downloaded"] == 1
    assert _tick_twice_and_count_feed_requests(feed_server) == 1


@pytest.mark.parametrize("document, expected", [
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to be a feed manifest"),
    (b'{"deliveries": [' * 50_000, "JSON nested too deeply to be a feed manifest"),
    (b'{"deliveries": [{"size": NaN}]}', "NaN is not a number JSON allows"),
    (b'{"deliveries": [{"size": ' + b"9" * 5000 + b"}]}", "not valid JSON"),
    (b"[1, 2, 3]", "JSON manifest must be an object with a 'deliveries' list, not list"),
    (b"\xff\xfe{}", "feed is not UTF-8"),
], ids=["nested-arrays", "nested-objects", "nan", "5000-digit-number", "top-level-list", "not-utf8"])
def test_an_unreadable_manifest_is_one_recorded_error_and_no_hot_retry(feed_source, feed_server, document, expected):
    feed_server.add("/feed", document, content_type="application/json")
    started = clock.now()

    counts = feed_fetch(source=feed_source)

    feed_source.refresh_from_db()
    assert expected in counts["error"] and feed_source.last_error == counts["error"]
    assert feed_source.last_fetch_at >= started and not FeedItem.objects.exists()
    assert _tick_twice_and_count_feed_requests(feed_server) == 1
    clock.advance(dt.timedelta(seconds=feed_source.feed_interval_s))
    assert _tick_twice_and_count_feed_requests(feed_server) == 2  # and asked again once its interval passed


def test_hostile_media_rss_items_are_refused_one_by_one(feed_source, feed_server):
    ok = good(feed_server)
    feed_server.add("/feed", media_rss([
        ok,
        {"url": ok["url"] + "?2", "size": 3, "sha256": sha(b"abc"), "path": "Show/\u202egpj.mkv"},
        {"url": ok["url"] + "?3", "size": "lots", "sha256": sha(b"abd"), "path": "Show/b.mkv"},
        {"title": "Fog", "series": "Harbour", "season": "two", "episode": 3},
        {"title": "Bell", "series": "Harbour", "season": 1, "episode": "4\u202e"},
    ]), content_type="application/rss+xml")

    counts = feed_fetch(source=feed_source)

    feed_source.refresh_from_db()
    assert (counts["downloaded"], counts["refused"], counts["problems"], counts["guide"]) == (1, 2, 2, 0)
    reasons = sorted(FeedItem.objects.filter(state=FeedItem.State.REFUSED).values_list("reason", flat=True))
    assert any("U+202E (right-to-left override)" in r for r in reasons)
    assert any("size 'lots' is not a whole number" in r for r in reasons)
    assert "'Fog' ignored in the episode guide: season 'two' is not a whole number" in feed_source.last_error
    assert "episode '4\\u202e' is not a whole number" in feed_source.last_error


def test_an_oversize_manifest_is_refused_by_its_setting(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_MAX_MANIFEST_BYTES = 1000
    feed_server.add("/feed", manifest(*[{"url": f"/f/{n}", "sha256": "0" * 64} for n in range(100)]))
    counts = feed_fetch(source=feed_source)
    assert "feed larger than 1000 bytes (REELHOUSE_FEED_MAX_MANIFEST_BYTES)" in counts["error"]


def test_one_fetch_downloads_at_most_its_byte_budget_and_the_rest_waits(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_MAX_FETCH_BYTES = 2 * (len(NOT_VIDEO) + 1)  # room for two
    bodies = [NOT_VIDEO + bytes([n]) for n in range(3)]  # each one byte longer than NOT_VIDEO
    unknown = b"size not declared\n" * 200
    entries = [good(feed_server, f"e{n}.mkv", body) for n, body in enumerate(bodies)]
    entries.append(dict(good(feed_server, "u.mkv", unknown), size=None))
    feed_server.add("/feed", manifest(*entries))

    counts = feed_fetch(source=feed_source)

    assert (counts["downloaded"], counts["pending"]) == (2, 2), counts
    waiting = FeedItem.objects.filter(state=FeedItem.State.PENDING).order_by("pk")
    assert [i.path.rsplit("/", 1)[1] for i in waiting] == ["e2.mkv", "u.mkv"]
    assert all("waits for the next fetch" in i.reason and "REELHOUSE_FEED_MAX_FETCH_BYTES" in i.reason
               for i in waiting)
    assert feed_server.routes["/files/e2.mkv"].hits == 0  # refused before a byte was asked for

    # A size-less download that runs into the limit stops there, keeps its part, and resumes next time.
    settings.REELHOUSE_FEED_MAX_FETCH_BYTES = len(bodies[2]) + 1000
    clock.advance(dt.timedelta(seconds=feed_source.feed_interval_s))
    counts = feed_fetch(source=Source.objects.get())
    assert (counts["downloaded"], counts["pending"]) == (1, 1), counts
    item = FeedItem.objects.get(state=FeedItem.State.PENDING)
    assert "reached its download limit" in item.reason
    part = feeds.partial_path(Path(feed_source.path), feeds.FeedEntry(url="", sha256=sha(unknown)))
    assert part.stat().st_size == 1000

    settings.REELHOUSE_FEED_MAX_FETCH_BYTES = 10_000
    assert feed_fetch(source=Source.objects.get())["downloaded"] == 1
    assert (Path(feed_source.path) / "Show/Season 01/u.mkv").read_bytes() == unknown
    assert [h.get("Range") for p, h in feed_server.requests if p == "/files/u.mkv"][-1] == "bytes=1000-"


def test_kept_downloads_are_purged_after_the_retention_period(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_REJECTED_RETENTION_DAYS = 30
    lie = dict(good(feed_server, "lie.mkv"), sha256=sha(b"something else"))
    feed_server.add("/feed", manifest(lie))
    feed_fetch(source=feed_source)
    item = FeedItem.objects.get()
    kept = Path(item.kept_at)
    assert item.state == FeedItem.State.FAILED and kept.read_bytes() == NOT_VIDEO
    abandoned = Path(feed_source.path) / feeds.PARTIAL_DIR / f"{'1' * 64}.part"
    abandoned.write_bytes(b"half a file")

    clock.advance(dt.timedelta(days=29))
    assert feed_downloads_purge() == 0 and kept.exists() and abandoned.exists()

    clock.advance(dt.timedelta(days=2))
    cache.clear()
    ingest_tick()  # the scheduler runs the purge

    assert not kept.exists() and not abandoned.exists()
    item.refresh_from_db()
    assert item.kept_at == "" and "the file kept aside was deleted after 30 days" in item.reason
    assert item.state == FeedItem.State.FAILED  # the record and its reason stay
