"""The quick rung on object storage, against a real SeaweedFS (tests/seaweed.py): the worker encodes it in its private
scratch folder and uploads it as it grows (segments before the playlist naming them, every time), so a delivery
plays from the bucket through the app before its full ladder exists, and is superseded by it; a quick upload cut
part-way publishes nothing and leaves nothing in the bucket."""

import datetime as dt
import threading
import time
from pathlib import Path

import m3u8
import pytest
from django.conf import settings
from django.test import Client

from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.core.models import AuditEvent
from reelhouse.core.storage import media_tree_upload
from reelhouse.media import quick_upload, signals
from reelhouse.media.models import Asset, TranscodeJob
from reelhouse.media.provisional import assets_provisional_remove, provisional_grace_s
from reelhouse.media.quick_upload import playlist_files
from reelhouse.media.staging import staging_root
from reelhouse.media.sweeps import packages_sweep, transcode_job_leftovers_remove
from reelhouse.playback.services import playback_start
from reelhouse.playback.signing import stream_prefix
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import file_body

pytestmark = pytest.mark.django_db(transaction=True)
EPISODE = "Night Ferry (2024)/Season 01/Night Ferry - S01E01 - Crossing.mkv"


def _local_media_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def puts(s3_media, monkeypatch):
    """Every quick-upload PUT, in order; at each playlist PUT, checks that the bucket already holds every file that
    playlist names (a player reloading it can fetch all it lists)."""
    seen: list[str] = []
    real = quick_upload.media_put

    def put(name, body, **kwargs):
        seen.append(name)
        if name.endswith("/index.m3u8"):
            folder = name.rsplit("/", 1)[0]
            stored = set(s3_media.names(folder + "/"))
            missing = [n for n in playlist_files(body.decode()) if f"{folder}/{n}" not in stored]
            assert not missing, f"playlist stored before its segments {missing}"
        return real(name, body, **kwargs)

    monkeypatch.setattr(quick_upload, "media_put", put)
    return seen


def test_a_delivery_on_object_storage_plays_from_its_quick_rung_in_the_bucket_then_the_full_ladder(
        s3_media, licensed_source, clip_cache, subscriber, puts):
    seen: dict = {}
    client = Client()

    def on_provisional(sender, *, job, asset, **kwargs) -> None:  # the transcode runs on: the ladder is not built
        seen["full_assets"] = Asset.objects.filter(provisional=False).count()
        seen["media_disk"] = _local_media_files()
        scratch = staging_root() / f"job-{job.pk}"
        seen["scratch"] = ((scratch / "quick/v/index.m3u8").is_file(), scratch.stat().st_mode & 0o777)
        seen["asset"], seen["work_asset"] = asset.pk, Episode.objects.get(pk=asset.work_id).asset_id
        session = playback_start(profile=subscriber.profiles.get(), work=Episode.objects.get(pk=asset.work_id))
        seen["session"] = session
        prefix = seen["prefix"] = stream_prefix(session_id=str(session.id), asset_id=session.asset_id)
        master = client.get(prefix + "master.m3u8")
        seen["master"] = (master.status_code, m3u8.loads(file_body(master).decode()).playlists[0].uri)
        response = client.get(prefix + "v/index.m3u8")
        seen["cache_control"] = response["Cache-Control"]
        playlist = m3u8.loads(file_body(response).decode())
        seen["playlist"] = playlist
        fetched = [client.get(prefix + "v/" + name) for name in ["init.mp4", *(s.uri for s in playlist.segments)]]
        seen["fetched"] = [(r.status_code, len(file_body(r))) for r in fetched]

    signals.package_provisional.connect(on_provisional, dispatch_uid="test_quick_s3")
    try:
        deliver(licensed_source, EPISODE, clip_cache(seconds=8, size="854x480"))
        scan_until_settled(licensed_source)
    finally:
        signals.package_provisional.disconnect(dispatch_uid="test_quick_s3")

    # Published from the bucket while the full ladder was still to come, and played through the app.
    quick = Asset.objects.get(pk=seen["asset"])
    assert quick.provisional and quick.directory.endswith("-quick") and seen["work_asset"] == quick.pk
    assert seen["full_assets"] == 0
    assert seen["master"] == (200, "v/index.m3u8")
    assert seen["cache_control"] == "private, no-cache"
    assert seen["playlist"].playlist_type == "event" and seen["playlist"].segments
    assert all(status == 200 and size > 500 for status, size in seen["fetched"]), seen["fetched"]
    # No shared disk: the quick rung grew in the job's private scratch, never on the media disk.
    assert seen["media_disk"] == [] and seen["scratch"] == (True, 0o700)
    assert _local_media_files() == [] and not (staging_root() / f"job-{TranscodeJob.objects.get().pk}").exists()

    # Uploaded as it grew: the segments (init first), each playlist after what it names, the master once.
    prefix = quick.directory
    assert puts[0] == f"{prefix}/v/init.mp4" and puts.count(f"{prefix}/master.m3u8") == 1
    assert puts.index(f"{prefix}/master.m3u8") > puts.index(f"{prefix}/v/index.m3u8")
    final = m3u8.loads(s3_media.store.client().get_object(
        Bucket=s3_media.store.bucket, Key=f"{s3_media.prefix}/{prefix}/v/index.m3u8")["Body"].read().decode())
    assert final.is_endlist and len(final.segments) == 2
    assert sorted(s3_media.names(prefix + "/")) == sorted(
        f"{prefix}/{n}" for n in ["master.m3u8", "v/index.m3u8", "v/init.mp4", *(f"v/{s.uri}" for s in final.segments)])

    # Superseded by the full ladder; the viewer already on the quick rung keeps it until the grace has passed.
    episode = Episode.objects.get()
    assert not episode.asset.provisional and episode.asset.renditions.count() == 2
    last = client.get(seen["prefix"] + "v/" + final.segments[-1].uri)
    assert last.status_code == 200 and len(file_body(last)) > 500
    assert assets_provisional_remove() == 0
    clock.advance(dt.timedelta(seconds=provisional_grace_s() * 1.1))
    assert assets_provisional_remove() == 1
    assert s3_media.names(prefix + "/") == [] and not Asset.objects.filter(pk=quick.pk).exists()
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {episode.asset.directory.split("/")[1]}


def test_a_quick_upload_cut_part_way_publishes_nothing_and_leaves_nothing(s3_media, licensed_source, clip_cache,
                                                                         subscriber, monkeypatch, tmp_path):
    provisional = []
    signals.package_provisional.connect(lambda sender, asset, **kw: provisional.append(asset.pk),
                                        dispatch_uid="test_quick_cut", weak=False)
    cut, lock = [], threading.Lock()
    real = quick_upload.media_put

    def put(name, body, **kwargs):  # the network drops at the first playlist: its segments are stored already
        with lock:
            cut.append(name)
        if name.endswith("/index.m3u8"):
            raise OSError(f"injected failure uploading {name}")
        return real(name, body, **kwargs)

    monkeypatch.setattr(quick_upload, "media_put", put)
    try:
        deliver(licensed_source, EPISODE, clip_cache(seconds=4, size="640x360"))
        scan_until_settled(licensed_source)
    finally:
        signals.package_provisional.disconnect(dispatch_uid="test_quick_cut")

    assert provisional == [] and not Asset.objects.filter(provisional=True).exists()
    quick_prefix = cut[0].rsplit("/", 2)[0]
    assert cut[0] == f"{quick_prefix}/v/init.mp4" and cut[-1] == f"{quick_prefix}/v/index.m3u8"
    assert s3_media.names(quick_prefix + "/") == []  # what was stored before the cut is gone again
    failed = AuditEvent.objects.get(action="transcode.quick_failed")
    assert "injected failure" in str(failed.detail)
    # The full ladder still published: it is the only package in the bucket.
    episode = Episode.objects.get()
    assert episode.is_published and not episode.asset.provisional
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {episode.asset.directory.split("/")[1]}

    # A worker killed mid quick upload leaves part of a -quick folder: reclaim removes it, and the sweep does
    # when no job record points at it any more.
    partial = tmp_path / "partial"
    (partial / "v").mkdir(parents=True)
    (partial / "v" / "seg_00000.m4s").write_bytes(b"x" * 100)
    job = TranscodeJob.objects.get()
    TranscodeJob.objects.filter(pk=job.pk).update(package_dir="packages/deadbeef")
    job.refresh_from_db()
    media_tree_upload(local=partial, prefix="packages/deadbeef-quick")
    assert transcode_job_leftovers_remove(job=job) == ["packages/deadbeef-quick"]
    media_tree_upload(local=partial, prefix="packages/cafe-quick")
    monkeypatch.setattr("reelhouse.media.sweeps._bucket_swept_at", 0.0)
    assert packages_sweep(older_than_s=0) == 1
    assert s3_media.names("packages/cafe-quick/") == [] and s3_media.names("packages/deadbeef-quick/") == []
    assert f"{episode.asset.directory}/master.m3u8" in s3_media.names()


def test_when_the_full_build_fails_the_quick_rung_is_completed_in_the_bucket_and_the_retry_supersedes_it(
        s3_media, licensed_source, clip_cache, subscriber, monkeypatch):
    from reelhouse.media.probe import MediaError
    from reelhouse.media.transcode import package

    real_build = package.package_build
    seen: dict = {}

    def fails_once(**kwargs):  # the first attempt's ladder fails; the retry looks at the bucket, then builds
        if not seen:
            seen["failed"] = True
            raise MediaError("injected: the ladder's encode failed")
        quick = Episode.objects.get().asset
        seen["quick"] = quick
        key = f"{s3_media.prefix}/{quick.directory}/v/index.m3u8"
        seen["text"] = s3_media.store.client().get_object(Bucket=s3_media.store.bucket, Key=key)["Body"].read()
        seen["stored"] = set(s3_media.names(quick.directory + "/"))
        seen["scratch"] = sorted(p.name for p in staging_root().rglob("quick"))
        return real_build(**kwargs)

    monkeypatch.setattr(package, "package_build", fails_once)
    deliver(licensed_source, EPISODE, clip_cache(seconds=8, size="640x360"))
    scan_until_settled(licensed_source)

    # Between the attempts it stayed watchable to its end: the playlist in the bucket is the final one (as on disk,
    # where the quick ffmpeg runs on), every file it names is stored, and no quick scratch folder is left.
    quick = seen["quick"]
    assert quick.provisional
    final = m3u8.loads(seen["text"].decode())
    assert final.is_endlist and len(final.segments) == 2
    assert all(f"{quick.directory}/v/{name}" in seen["stored"] for name in playlist_files(seen["text"].decode()))
    assert seen["scratch"] == []

    # The retry published the full ladder, which superseded the quick rung (nobody watched it: removed at once).
    job = TranscodeJob.objects.get()
    assert job.state == TranscodeJob.State.DONE and job.attempts == 2
    episode = Episode.objects.get()
    assert not episode.asset.provisional and not Asset.objects.filter(provisional=True).exists()
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {episode.asset.directory.split("/")[1]}


def test_a_cut_quick_upload_whose_clean_up_fails_too_does_not_fail_the_transcode_and_is_swept(
        s3_media, licensed_source, clip_cache, subscriber, monkeypatch):
    from reelhouse.media import provisional, sweeps

    real_put = quick_upload.media_put

    def put(name, body, **kwargs):
        if name.endswith("/index.m3u8"):
            raise OSError(f"injected failure uploading {name}")
        return real_put(name, body, **kwargs)

    def delete(prefix):  # the store is still down when the quick rung's clean-up runs
        raise OSError(f"injected failure deleting {prefix}")

    monkeypatch.setattr(quick_upload, "media_put", put)
    monkeypatch.setattr(provisional, "media_tree_delete", delete)
    deliver(licensed_source, EPISODE, clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)

    episode = Episode.objects.get()  # the full ladder published all the same, and nothing names the quick folder
    assert episode.is_published and not episode.asset.provisional and Asset.objects.count() == 1
    quick_prefix = TranscodeJob.objects.get().package_dir + "-quick"
    assert f"{quick_prefix}/v/init.mp4" in s3_media.names(quick_prefix + "/")  # left behind
    # The scheduler's next sweep (the job ran lately: its folders are among the few it lists) removes it.
    monkeypatch.setattr(sweeps, "_bucket_listed_at", time.monotonic())
    monkeypatch.setattr(sweeps, "_bucket_swept_at", None)
    assert packages_sweep(older_than_s=0) == 1
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {episode.asset.directory.split("/")[1]}
