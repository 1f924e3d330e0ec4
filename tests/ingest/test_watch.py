"""Filesystem notifications for watch folders: real folders, real writes, the real inotify-backed notifier thread.
No periodic scan runs in these tests (except the one through `reelhouse run`, where its interval is an hour), so
every pick-up is the notifier's. Outcomes are polled for with generous deadlines; nothing here times anything."""

import hashlib
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from reelhouse.ingest.dispatch import sources_scan
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.scan import has_writer
from reelhouse.ingest.watch import WatchNotifier
from tests.processes import reelhouse_run, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # the notifier thread has its own database connection
NOT_VIDEO = b"plain text, not a video\n" * 200


def _states(source):
    return list(Delivery.objects.filter(source=source).order_by("pk").values_list("path", "state"))


def _delivery(source, path):
    return Delivery.objects.filter(source=source, path=path).order_by("-pk").first()


@pytest.fixture
def notifier(licensed_source, settings):
    settings.REELHOUSE_STABLE_SECONDS = 0.5
    watcher = WatchNotifier(tick_s=0.1, refresh_s=0.2).start()
    assert watcher.running, "watchdog is a dependency: notifications must be available on Linux"
    wait_for(lambda: watcher.status.get(licensed_source.pk) == "watching", 30, "the folder to be watched")
    yield watcher
    watcher.stop()
    assert not watcher.running


def test_a_file_is_taken_up_by_notification_only_once_its_writer_has_closed_it(licensed_source, notifier):
    path = Path(licensed_source.path) / "Night Desk - S01E01.mkv"
    with path.open("wb") as fh:
        fh.write(NOT_VIDEO[:1000])
        fh.flush()
        first = wait_for(lambda: _delivery(licensed_source, path.name), 30, "the notified file to be recorded")
        assert first.state == Delivery.State.WAITING
        assert has_writer(path) is True
        # Size and mtime now hold still for several stability periods, but the uploader still has the file open.
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            assert _delivery(licensed_source, path.name).state == Delivery.State.WAITING
            time.sleep(0.2)
        fh.write(NOT_VIDEO[1000:])
    assert has_writer(path) is False

    done = wait_for(lambda: (d := _delivery(licensed_source, path.name)).state not in (
        Delivery.State.WAITING, Delivery.State.RECEIVED) and d, 60, "the closed file to be processed")
    assert done.sha256 == hashlib.sha256(NOT_VIDEO).hexdigest()  # hashed whole, after the writer closed it
    assert done.size == len(NOT_VIDEO)
    assert done.state == Delivery.State.QUARANTINED and "Night Desk - S01E01.mkv" in done.reason
    assert Delivery.objects.filter(source=licensed_source).count() == 1


def test_a_whole_folder_moved_in_is_taken_up(licensed_source, notifier, tmp_path):
    staging = tmp_path / "staging" / "Night Desk (2024)"
    (staging / "Season 01").mkdir(parents=True)
    for n in (1, 2):
        (staging / "Season 01" / f"Night Desk - S01E0{n}.mkv").write_bytes(NOT_VIDEO + bytes([n]))
    (staging / "tvshow.nfo").write_text("<tvshow><title>Night Desk</title></tvshow>")

    staging.rename(Path(licensed_source.path) / staging.name)  # one rename, as an SFTP client finishing a folder

    expected = [f"Night Desk (2024)/Season 01/Night Desk - S01E0{n}.mkv" for n in (1, 2)]
    wait_for(lambda: all((d := _delivery(licensed_source, p)) and d.state == Delivery.State.QUARANTINED
                         for p in expected), 60, "both moved-in files to be processed")
    assert sorted(p for p, _ in _states(licensed_source)) == expected  # the NFO is a sidecar, not a delivery


def test_the_watch_survives_its_folder_disappearing_and_coming_back(licensed_source, notifier):
    root = Path(licensed_source.path)
    (root / "first.mkv").write_bytes(NOT_VIDEO)
    wait_for(lambda: (d := _delivery(licensed_source, "first.mkv")) and d.state == Delivery.State.QUARANTINED, 60,
             "the first file to be processed")

    shutil.rmtree(root)
    wait_for(lambda: notifier.status.get(licensed_source.pk) == "folder missing", 30, "the loss to be noticed")
    assert notifier.running

    root.mkdir()  # a new folder (another inode) at the same path
    (root / "landed-while-gone.mkv").write_bytes(NOT_VIDEO + b"1")  # may land before the folder is watched again
    wait_for(lambda: notifier.status.get(licensed_source.pk) == "watching", 30, "the folder to be watched again")
    (root / "after.mkv").write_bytes(NOT_VIDEO + b"2")

    for name in ("landed-while-gone.mkv", "after.mkv"):
        wait_for(lambda n=name: (d := _delivery(licensed_source, n)) and d.state == Delivery.State.QUARANTINED, 60,
                 f"{name} to be processed")
    assert notifier.running


def test_the_periodic_scan_and_the_notifier_never_record_a_file_twice(licensed_source, notifier):
    root = Path(licensed_source.path)
    for n in range(20):
        (root / f"file{n:02}.mkv").write_bytes(NOT_VIDEO + bytes([n]))
        sources_scan(sources=[licensed_source])  # the safety net running at the same time as the notifications
    deadline = time.monotonic() + 90
    while Delivery.objects.filter(source=licensed_source, state=Delivery.State.QUARANTINED).count() < 20:
        assert time.monotonic() < deadline, f"not all twenty files were processed: {_states(licensed_source)}"
        time.sleep(0.3)
    assert Delivery.objects.filter(source=licensed_source).count() == 20


def test_a_badly_named_file_does_not_stop_the_notifier(licensed_source, notifier):
    import os

    with open(os.path.join(os.fsencode(licensed_source.path), b"Caf\xe9 - S01E01.mkv"), "wb") as fh:
        fh.write(NOT_VIDEO)  # Latin-1 bytes: cannot be recorded, is reported by the scan
    (Path(licensed_source.path) / "Café - S01E02.mkv").write_bytes(NOT_VIDEO + b"2")
    wait_for(lambda: (d := _delivery(licensed_source, "Café - S01E02.mkv")) and d.state == Delivery.State.QUARANTINED,
             60, "the well-named file to be processed")
    assert notifier.running and [p for p, _ in _states(licensed_source)] == ["Café - S01E02.mkv"]


def test_notifier_ignores_disabled_sources_and_stops_cleanly(licensed_source, notifier):
    licensed_source.enabled = False
    licensed_source.save()
    wait_for(lambda: licensed_source.pk not in notifier.status, 30, "the disabled source to be dropped")
    (Path(licensed_source.path) / "ignored.mkv").write_bytes(NOT_VIDEO)
    time.sleep(1.5)  # several notifier ticks: nothing may be recorded for a disabled source
    assert _states(licensed_source) == []


def test_notifications_off_by_setting(licensed_source, settings):
    settings.REELHOUSE_WATCH_NOTIFY = False
    watcher = WatchNotifier().start()
    assert not watcher.running
    watcher.stop()


def test_reelhouse_run_picks_up_a_delivery_by_notification_between_scans(tmp_path):
    """In the real process model: the periodic scan runs at start and then only once an hour."""
    var = tmp_path / "var"
    with reelhouse_run(var, REELHOUSE_SCAN_INTERVAL="3600", REELHOUSE_WATCH_REFRESH="0.5") as (proc, _port):
        watch = var / "demo" / "watch"  # watched before the web server answers /healthz
        (watch / "Night Ferry - S01E01.mkv").write_bytes(NOT_VIDEO)

        def rows():
            with sqlite3.connect(var / "reelhouse.sqlite3", timeout=10) as db:
                return db.execute("SELECT path, state FROM ingest_delivery").fetchall()

        assert wait_for(lambda: (r := rows()) and r[0][1] == "quarantined" and r, 90,
                        "the dropped file to be processed") == [("Night Ferry - S01E01.mkv", "quarantined")]
        assert proc.poll() is None
