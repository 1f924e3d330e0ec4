"""Partner feeds against a real local HTTP server: download with resume, size limits, checksum verification, and
clear outcomes for feeds that time out, return HTML, lie, or try to write outside the landing folder."""

import datetime as dt
import json
from pathlib import Path

import pytest

from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.ingest import feeds
from reelhouse.ingest.dispatch import feed_fetch
from reelhouse.ingest.models import Delivery, FeedItem, Source
from reelhouse.ingest.services import feeds_due
from tests.ingest.conftest import media_rss, sha

pytestmark = pytest.mark.django_db(transaction=True)
NOT_VIDEO = b"licensed bytes that are not a video\n" * 100


def manifest(*deliveries, episodes=()) -> bytes:
    return json.dumps({"deliveries": list(deliveries), "episodes": list(episodes)}).encode()


def test_json_manifest_delivery_lands_verified_with_provenance(feed_source, feed_server):
    url = feed_server.add("/files/a.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": url, "path": "Show (2020)/Season 01/Show - S01E01.mkv",
                                       "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}),
                    content_type="application/json", status=401)

    counts = feed_fetch(source=feed_source)

    assert counts["downloaded"] == 1, counts
    landed = Path(feed_source.path) / "Show (2020)/Season 01/Show - S01E01.mkv"
    assert landed.read_bytes() == NOT_VIDEO
    delivery = Delivery.objects.get()
    assert (delivery.origin_url, delivery.sha256, delivery.size) == (url, sha(NOT_VIDEO), len(NOT_VIDEO))
    assert [d["step"] for d in delivery.decisions] == ["download", "identify", "state"]
    # the normal pipeline took it from there: not a video, so it is held with ffprobe's words
    assert delivery.state == Delivery.State.QUARANTINED and "not a media file" in delivery.reason
    assert feed_server.requests[0][1]["Authorization"] == "Bearer s3cret"
    assert not any(Path(feed_source.path, feeds.PARTIAL_DIR).iterdir())


def test_media_rss_feed_is_parsed_and_a_second_fetch_downloads_nothing(feed_source, feed_server):
    url = feed_server.add("/files/ep2.mkv", NOT_VIDEO)
    feed_server.add("/feed", media_rss([{"url": url, "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO),
                                         "path": "Show/Season 01/Show - S01E02.mkv"}]),
                    content_type="application/rss+xml")
    assert feed_fetch(source=feed_source)["downloaded"] == 1
    assert feed_fetch(source=feed_source)["downloaded"] == 0
    assert feed_server.routes["/files/ep2.mkv"].hits == 1
    assert Delivery.objects.count() == 1 and FeedItem.objects.get().state == FeedItem.State.DONE


@pytest.mark.parametrize("declared", [True, False], ids=["size-declared", "size-unknown"])
def test_download_resumes_after_a_dropped_connection(feed_source, feed_server, declared):
    body = bytes(range(256)) * 400  # 100 KiB
    url = feed_server.add("/files/big.mkv", body, drop_after=30_000)
    feed_server.add("/feed", manifest({"url": url, "path": "big.mkv", "size": len(body) if declared else None,
                                       "sha256": sha(body)}))

    counts = feed_fetch(source=feed_source)

    assert counts["downloaded"] == 1, (counts, FeedItem.objects.values_list("reason", flat=True))
    assert (Path(feed_source.path) / "big.mkv").read_bytes() == body
    ranges = [h.get("Range") for p, h in feed_server.requests if p == "/files/big.mkv"]
    assert ranges[0] is None and ranges[1] == "bytes=30000-"


def test_checksum_lie_is_failed_with_reason_and_the_file_kept_aside(feed_source, feed_server):
    url = feed_server.add("/files/lie.mkv", NOT_VIDEO)
    claimed = sha(b"something else")
    feed_server.add("/feed", manifest({"url": url, "path": "lie.mkv", "size": len(NOT_VIDEO), "sha256": claimed}))

    counts = feed_fetch(source=feed_source)

    item = FeedItem.objects.get()
    assert counts["failed"] == 1 and item.state == FeedItem.State.FAILED
    assert f"declared sha256 {claimed}" in item.reason and sha(NOT_VIDEO) in item.reason
    assert Path(item.kept_at).read_bytes() == NOT_VIDEO  # kept, not lost
    assert not (Path(feed_source.path) / "lie.mkv").exists() and not Delivery.objects.exists()


def test_feed_that_times_out_is_recorded_on_the_source(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_TIMEOUT = 0.3
    feed_server.add("/feed", manifest(), delay=1.5)
    counts = feed_fetch(source=feed_source)
    feed_source.refresh_from_db()
    assert "timed out after 0.3 s" in counts["error"] and feed_source.last_error == counts["error"]


def test_download_that_times_out_stays_pending_and_resumes_later(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_TIMEOUT = 0.3
    url = feed_server.add("/files/slow.mkv", NOT_VIDEO, delay=1.0)
    feed_server.add("/feed", manifest({"url": url, "path": "slow.mkv", "size": len(NOT_VIDEO),
                                       "sha256": sha(NOT_VIDEO)}))
    assert feed_fetch(source=feed_source)["pending"] == 1
    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.PENDING and "timed out" in item.reason and item.attempts == 3

    feed_server.routes["/files/slow.mkv"].delay = 0
    assert feed_fetch(source=feed_source)["downloaded"] == 1


def test_html_instead_of_a_feed_is_named_as_such(feed_source, feed_server):
    feed_server.add("/feed", b"<!DOCTYPE html><html><body>Please log in</body></html>", content_type="text/html")
    counts = feed_fetch(source=feed_source)
    assert "returned an HTML page" in counts["error"] and "check the feed URL and the token" in counts["error"]


def test_wrong_token_says_so(feed_source, feed_server):
    feed_server.add("/feed", manifest(), status=401)
    feed_source.feed_token = "Bearer wrong"
    counts = feed_fetch(source=feed_source)
    assert "HTTP 401" in counts["error"] and "check the token" in counts["error"]


@pytest.mark.parametrize("path, expected", [
    ("../../etc/passwd", "climbs out of the landing folder"),
    ("/abs/file.mkv", "absolute path"),
    ("Show/../../x.mkv", "climbs out of the landing folder"),
    (".partial/x.mkv", "hidden component"),
    ("C:/Windows/x.mkv", "absolute path"),
    ("a\\..\\b.mkv", "backslash"),
])
def test_unsafe_paths_in_entries_are_refused_without_a_download(feed_source, feed_server, tmp_path, path, expected):
    url = feed_server.add("/files/x.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": url, "path": path, "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}))
    counts = feed_fetch(source=feed_source)
    item = FeedItem.objects.get()
    assert counts["refused"] == 1 and item.state == FeedItem.State.REFUSED and expected in item.reason
    assert feed_server.routes["/files/x.mkv"].hits == 0
    assert not Delivery.objects.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing", "media"]  # nothing written beside them
    assert not [p for p in Path(feed_source.path).rglob("*") if p.is_file()]


def test_entry_without_checksum_or_with_a_file_url_is_refused(feed_source, feed_server):
    feed_server.add("/feed", manifest({"url": feed_server.url + "/files/n.mkv", "path": "n.mkv", "size": 3},
                                      {"url": "file:///etc/passwd", "path": "p.mkv", "sha256": sha(b"")}))
    feed_fetch(source=feed_source)
    reasons = sorted(FeedItem.objects.values_list("reason", flat=True))
    assert "is not http(s)" in reasons[0] and "no valid sha256" in reasons[1]


def test_oversize_entry_is_refused_before_downloading(feed_source, feed_server, settings):
    settings.REELHOUSE_FEED_MAX_BYTES = 1000
    url = feed_server.add("/files/huge.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": url, "path": "huge.mkv", "size": len(NOT_VIDEO),
                                       "sha256": sha(NOT_VIDEO)}))
    feed_fetch(source=feed_source)
    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and "exceeds the limit of 1000 bytes" in item.reason
    assert feed_server.routes["/files/huge.mkv"].hits == 0


def test_server_sending_more_than_declared_is_cut_off(feed_source, feed_server):
    url = feed_server.add("/files/grow.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": url, "path": "grow.mkv", "size": 100, "sha256": sha(NOT_VIDEO)}))
    feed_fetch(source=feed_source)
    item = FeedItem.objects.get()
    assert item.state == FeedItem.State.FAILED and "more than the declared 100 bytes" in item.reason
    assert Path(item.kept_at).stat().st_size <= 100 + 1024 * 1024


def test_xml_bomb_feed_is_refused(feed_source, feed_server):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<rss><channel><item><title>&lol2;</title></item></channel></rss>")
    feed_server.add("/feed", bomb, content_type="application/rss+xml")
    assert "unsafe XML refused" in feed_fetch(source=feed_source)["error"]


def test_feed_episode_guide_creates_expected_episodes(feed_source, feed_server):
    feed_server.add("/feed", manifest(episodes=[
        {"series": "Night Desk", "year": 2026, "season": 1, "episode": 1, "title": "Pilot", "air_date": "2026-01-05"},
        {"series": "Night Desk", "year": 2026, "season": 1, "episode": 2, "air_date": "2026-01-12"},
    ]))
    assert feed_fetch(source=feed_source)["guide"] == 2
    episodes = list(Episode.objects.order_by("number").values_list("title", "air_date", "published_at"))
    assert episodes == [("Pilot", dt.date(2026, 1, 5), None), ("Episode 2", dt.date(2026, 1, 12), None)]
    assert Episode.objects.filter(licence=feed_source.licence).count() == 2


def test_feeds_fall_due_on_their_schedule(feed_source):
    assert feeds_due() == [feed_source]
    Source.objects.filter(pk=feed_source.pk).update(last_fetch_at=clock.now(), feed_interval_s=600)
    assert feeds_due() == []
    clock.advance(dt.timedelta(minutes=11))
    assert [s.pk for s in feeds_due()] == [feed_source.pk]


@pytest.mark.parametrize("raw, clean", [
    ("Show/Season 01/Show - S01E01.mkv", "Show/Season 01/Show - S01E01.mkv"),
    ("./a/./b.mkv", "a/b.mkv"),
    ("Überraschung/Folge 1.mkv", "Überraschung/Folge 1.mkv"),
])
def test_safe_relative_path_keeps_honest_paths(raw, clean):
    assert feeds.safe_relative_path(raw) == clean


def test_scheduler_tick_fetches_due_feeds_and_the_landing_scan_adds_nothing(feed_source, feed_server):
    from reelhouse.ingest.dispatch import ingest_tick, sources_scan

    url = feed_server.add("/files/t.mkv", NOT_VIDEO)
    feed_server.add("/feed", manifest({"url": url, "path": "t.mkv", "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)}))
    ingest_tick()
    assert Delivery.objects.count() == 1 and feed_server.routes["/feed"].hits == 1
    ingest_tick()  # not due again before its interval
    assert feed_server.routes["/feed"].hits == 1
    sources_scan(sources=[feed_source])
    sources_scan(sources=[feed_source])
    assert Delivery.objects.count() == 1  # the scanner knows the downloaded file already


def test_fetch_command_reports_per_feed(feed_source, feed_server):
    from io import StringIO

    from django.core.management import call_command

    feed_server.add("/feed", b"<html><body>oops</body></html>", content_type="text/html")
    out = StringIO()
    call_command("ingest", "fetch", stdout=out)
    assert out.getvalue().startswith("Partner feed: entries 0") and "returned an HTML page" in out.getvalue()


def test_redirects_do_not_carry_the_token_and_never_leave_http(feed_source, feed_server):
    # The CDN is another origin (plain http on another port): it does not get the token. A redirect within the
    # feed's own origin may carry it (the licensor issued it for that origin).
    feed_server.add("/cdn/r.mkv", NOT_VIDEO)
    url = feed_server.add("/files/r.mkv", b"", location=feed_server.plain_url + "/cdn/r.mkv")
    ftp = feed_server.add("/files/f.mkv", b"", location="ftp://127.0.0.1/f.mkv")
    feed_server.add("/feed", manifest({"url": url, "path": "r.mkv", "size": len(NOT_VIDEO), "sha256": sha(NOT_VIDEO)},
                                      {"url": ftp, "path": "f.mkv", "size": 3, "sha256": sha(b"abc")}))
    counts = feed_fetch(source=feed_source)
    assert counts["downloaded"] == 1
    cdn_headers = next(h for p, h in feed_server.requests if p == "/cdn/r.mkv")
    assert "Authorization" not in cdn_headers
    failed = FeedItem.objects.get(path="f.mkv")
    assert failed.state == FeedItem.State.FAILED and "non-http(s) URL 'ftp://127.0.0.1/f.mkv' refused" in failed.reason


def test_media_rss_items_feed_the_episode_guide(feed_source, feed_server):
    feed_server.add("/feed", media_rss([{"title": "Fog", "series": "Harbour", "season": 2, "episode": 3,
                                         "airdate": "2026-04-02"}]), content_type="application/rss+xml")
    assert feed_fetch(source=feed_source)["guide"] == 1
    episode = Episode.objects.get()
    assert (episode.series.title, episode.season.number, episode.number, episode.title, episode.air_date) == (
        "Harbour", 2, 3, "Fog", dt.date(2026, 4, 2))
