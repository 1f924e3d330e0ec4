"""Bad input in a watch folder (and a feed's landing folder): each case has a clear outcome, nothing is lost, and
the scanner keeps going."""

import datetime as dt
import json
import os
from pathlib import Path, PurePosixPath

import pytest

from reelhouse.core import clock
from reelhouse.ingest.dispatch import sources_scan
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.scan import source_scan, source_scan_paths
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
NOT_VIDEO = b"plain text, not a video\n" * 50


def test_symlinks_leaving_the_watch_folder_are_not_followed(licensed_source, tmp_path):
    secret = tmp_path / "outside" / "secret.mkv"
    secret.parent.mkdir()
    secret.write_bytes(NOT_VIDEO)
    (Path(licensed_source.path) / "Show - S01E01.mkv").symlink_to(secret)
    (Path(licensed_source.path) / "linked-folder").symlink_to(secret.parent, target_is_directory=True)
    (Path(licensed_source.path) / "real.txt").write_bytes(NOT_VIDEO)

    report = source_scan(source=licensed_source)

    assert report.skipped == ["Show - S01E01.mkv: symbolic links are not followed"]  # the folder is not entered
    assert list(Delivery.objects.values_list("path", flat=True)) == ["real.txt"]


def test_a_50_mb_nfo_is_not_read_and_the_file_is_identified_by_its_name(licensed_source, clip_cache):
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E04 - Storm.mkv", clip_cache(seconds=2))
    with (Path(licensed_source.path) / "Night Desk (2024)/tvshow.nfo").open("wb") as fh:
        fh.write(b"<tvshow><title>Wrong Title</title><plot>")
        fh.write(b"x" * (50 * 1024 * 1024))
        fh.write(b"</plot></tvshow>")
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    assert any("larger than 1 MiB" in w for w in delivery.identity["warnings"])
    assert delivery.work.episode.series.title == "Night Desk"


def test_non_utf8_file_names_are_reported_and_the_scan_goes_on(licensed_source):
    root = os.fsencode(licensed_source.path)
    with open(os.path.join(root, b"Show - S01E01 - Caf\xe9.mkv"), "wb") as fh:  # Latin-1 bytes, not UTF-8
        fh.write(NOT_VIDEO)
    (Path(licensed_source.path) / "Show - S01E02 - Café.mkv").write_bytes(NOT_VIDEO)

    report = source_scan(source=licensed_source)

    assert report.skipped == ["Show - S01E01 - Caf\\xe9.mkv: file name is not valid UTF-8; rename it "
                              "(e.g. convmv -t utf-8) and it will be picked up"]
    assert list(Delivery.objects.values_list("path", flat=True)) == ["Show - S01E02 - Café.mkv"]
    assert os.path.exists(os.path.join(root, b"Show - S01E01 - Caf\xe9.mkv"))


def test_files_still_being_written_wait_until_they_settle(licensed_source, settings):
    settings.REELHOUSE_STABLE_SECONDS = 60
    path = Path(licensed_source.path) / "Show - S01E01.mkv"
    path.write_bytes(NOT_VIDEO[:100])
    source_scan(source=licensed_source)
    with path.open("ab") as fh:  # the uploader is still writing
        fh.write(NOT_VIDEO[100:])
    clock.advance(dt.timedelta(seconds=59))
    assert source_scan(source=licensed_source).received == []
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.size) == (Delivery.State.WAITING, len(NOT_VIDEO))

    clock.advance(dt.timedelta(seconds=30))  # not 60 s since the last change yet
    assert source_scan(source=licensed_source).received == []
    clock.advance(dt.timedelta(seconds=31))
    assert source_scan(source=licensed_source).received == [delivery.pk]


def test_the_same_file_delivered_twice_is_recognised_as_a_duplicate(licensed_source, clip_cache):
    clip = clip_cache(seconds=2)
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E01.mkv", clip)
    scan_until_settled(licensed_source)
    deliver(licensed_source, "again/Night Desk - S01E01 copy.mkv", clip)
    scan_until_settled(licensed_source)
    first, second = Delivery.objects.order_by("pk")
    assert first.state == Delivery.State.PUBLISHED
    assert second.state == Delivery.State.DUPLICATE and f"delivery #{first.pk}" in second.reason


def test_one_bad_file_does_not_stop_the_others(licensed_source, clip_cache):
    (Path(licensed_source.path) / "broken.mkv").write_bytes(b"\x00" * 4096)
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E05.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    assert sorted(Delivery.objects.values_list("state", flat=True)) == [Delivery.State.PUBLISHED,
                                                                        Delivery.State.QUARANTINED]
    assert sources_scan(sources=[licensed_source])[0].received == []  # nothing re-hashed or re-queued


def test_named_pipes_and_other_non_files_are_not_read_and_the_scan_goes_on(licensed_source):
    os.mkfifo(Path(licensed_source.path) / "Show - S01E01.mkv")  # reading it would block the scanner for ever
    (Path(licensed_source.path) / "Show - S01E02.mkv").write_bytes(NOT_VIDEO)
    for _ in range(2):
        report = source_scan(source=licensed_source)
    assert report.received == [Delivery.objects.get().pk]
    assert list(Delivery.objects.values_list("path", flat=True)) == ["Show - S01E02.mkv"]


@pytest.mark.parametrize("rel", ["../outside.mkv", "/etc/passwd", "linked/secret.mkv", ".hidden/x.mkv", ""])
def test_notified_paths_outside_the_folder_or_through_symlinks_are_ignored(licensed_source, tmp_path, rel):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.mkv").write_bytes(NOT_VIDEO)
    (tmp_path / "outside.mkv").write_bytes(NOT_VIDEO)
    (Path(licensed_source.path) / "linked").symlink_to(outside, target_is_directory=True)
    (Path(licensed_source.path) / ".hidden").mkdir()
    (Path(licensed_source.path) / ".hidden/x.mkv").write_bytes(NOT_VIDEO)

    report = source_scan_paths(source=licensed_source, paths=[PurePosixPath(rel)])

    assert (report.seen, report.received, report.skipped) == (0, [], [])
    assert not Delivery.objects.exists()


def test_notified_non_utf8_name_is_reported_like_the_scan_does(licensed_source):
    raw = os.path.join(os.fsencode(licensed_source.path), b"Caf\xe9.mkv")
    with open(raw, "wb") as fh:
        fh.write(NOT_VIDEO)
    report = source_scan_paths(source=licensed_source, paths=[PurePosixPath(os.fsdecode(b"Caf\xe9.mkv"))])
    assert report.skipped == ["Caf\\xe9.mkv: file name is not valid UTF-8; rename it (e.g. convmv -t utf-8) "
                              "and it will be picked up"]
    assert not Delivery.objects.exists()


def test_xml_bomb_and_external_entity_nfos_are_refused_and_the_episode_still_published(licensed_source,
                                                                                       clip_cache):
    show = Path(licensed_source.path) / "Night Desk (2024)"
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E06.mkv", clip_cache(seconds=2))
    (show / "tvshow.nfo").write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<tvshow><title>&lol3;</title></tvshow>")
    (show / "Season 01/Night Desk - S01E06.nfo").write_text(
        '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<episodedetails><title>&xxe;</title></episodedetails>")
    scan_until_settled(licensed_source)

    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    assert delivery.work.episode.series.title == "Night Desk" and delivery.work.episode.number == 6
    warnings = delivery.identity["warnings"]
    assert len(warnings) == 2 and all("DTD or entities, which are refused" in w for w in warnings)
    assert "root:" not in json.dumps(delivery.identity) and "lollol" not in json.dumps(delivery.identity)


def test_feed_entry_landing_through_a_symlinked_folder_is_refused_and_nothing_is_written_outside(
        feed_source, feed_server, tmp_path):
    from reelhouse.ingest.dispatch import feed_fetch
    from reelhouse.ingest.models import FeedItem
    from tests.ingest.conftest import sha

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (Path(feed_source.path) / "Show").symlink_to(outside, target_is_directory=True)
    url = feed_server.add("/files/x.mkv", NOT_VIDEO)
    feed_server.add("/feed", json.dumps({"deliveries": [{"url": url, "path": "Show/x.mkv", "size": len(NOT_VIDEO),
                                                         "sha256": sha(NOT_VIDEO)}]}).encode(),
                    content_type="application/json")

    counts = feed_fetch(source=feed_source)

    item = FeedItem.objects.get()
    assert counts["failed"] == 1 and item.state == FeedItem.State.FAILED
    assert "would land outside the landing folder" in item.reason
    assert list(outside.iterdir()) == [] and not Delivery.objects.exists()


def test_a_notification_racing_a_full_scan_records_the_file_once(licensed_source, monkeypatch):
    """The interleaving seen under load, made deterministic: the notifier reads the path's latest delivery (none),
    a full scan records the file, then the notifier goes on. It must read again under the scan lock rather than
    record the file a second time (a second row stays WAITING for ever and the work never counts as settled)."""
    from reelhouse.ingest import scan

    (Path(licensed_source.path) / "Show - S01E01.mkv").write_bytes(NOT_VIDEO)
    real_latest = scan._latest
    raced = []

    def latest_then_a_full_scan_runs(source, rel):
        found = real_latest(source, rel)
        if not raced:  # the notifier's first read, before the lock: the full scan slips in after it
            raced.append(rel)
            source_scan(source=source)
        return found

    monkeypatch.setattr(scan, "_latest", latest_then_a_full_scan_runs)
    source_scan_paths(source=licensed_source, paths=[PurePosixPath("Show - S01E01.mkv")])
    assert raced == ["Show - S01E01.mkv"]
    assert Delivery.objects.filter(source=licensed_source).count() == 1
