"""Media on object storage, against a real SeaweedFS (tests/seaweed.py): a delivered clip is stored in the bucket by
ingest, fetched from there by the transcode into local scratch space, packaged and uploaded with its playlists last,
and played through the app (master, variant, segment, download) with nothing of it on the local media disk. An
upload interrupted part-way leaves nothing visible, and whatever a killed worker left is swept away."""

import datetime as dt
import json
import tarfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reelhouse.accounts.models import User
from reelhouse.catalog.models import Episode
from reelhouse.catalog.templatetags.catalog_tags import artwork_url
from reelhouse.core import clock
from reelhouse.core.storage import media_tree_upload, storage_describe
from reelhouse.ingest.models import Delivery
from reelhouse.media.models import Asset, TranscodeJob
from reelhouse.media.services import transcode_job_run
from reelhouse.media.sweeps import packages_sweep, transcode_job_leftovers_remove
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import file_body, start_playing

pytestmark = pytest.mark.django_db(transaction=True)
EPISODE = "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv"


def _local_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _play(client, work) -> dict[str, bytes]:
    client.force_login(User.objects.get(email="viewer@example.com"))
    prefix = start_playing(client, work)["stream_prefix"]
    master = client.get(prefix + "master.m3u8")
    assert master.status_code == 200, master.content[:300]
    variant = next(line for line in master.content.decode().splitlines() if line and not line.startswith("#"))
    playlist = file_body(client.get(prefix + variant)).decode()
    assert playlist.startswith("#EXTM3U")
    segment = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    folder = variant.rsplit("/", 1)[0]
    response = client.get(f"{prefix}{folder}/{segment}")
    assert response.status_code == 200 and response["Content-Type"] == "video/iso.segment"
    return {"master": master.content, "variant": playlist.encode(), f"{folder}/{segment}": file_body(response)}


def test_delivery_is_stored_transcoded_from_the_bucket_and_played_with_nothing_on_local_disk(
        client, s3_media, licensed_source, clip_cache, subscriber):
    assert storage_describe().startswith(f"s3://{s3_media.store.bucket}/{s3_media.prefix} at http://127.0.0.1:")
    deliver(licensed_source, EPISODE, clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.reason
    asset = Asset.objects.get()
    keys = s3_media.names()
    assert f"sources/{delivery.sha256}/source.mkv" in keys
    package = [k for k in keys if k.startswith(asset.directory + "/")]
    assert f"{asset.directory}/master.m3u8" in package and any(k.endswith(".m4s") for k in package)
    assert any(k.startswith(f"{asset.directory}/download/") for k in package)
    assert _local_files() == []  # the media root on local disk holds no package (nor anything else)

    episode = Episode.objects.get()
    assert episode.still.startswith("artwork/still/") and episode.still in keys  # the frame, resized, in the bucket
    art = client.get(artwork_url(episode.still))
    assert art.status_code == 200 and file_body(art)[:3] == b"\xff\xd8\xff"  # a JPEG, streamed from the bucket
    assert client.get(artwork_url("artwork/../" + keys[0])).status_code == 404

    played = _play(client, episode)
    segment_name, body = next((k, v) for k, v in played.items() if k.endswith(".m4s"))
    stored = s3_media.store.client().get_object(Bucket=s3_media.store.bucket,
                                                Key=f"{s3_media.prefix}/{asset.directory}/{segment_name}")
    assert body == stored["Body"].read() and len(body) > 1000

    saved = client.post(f"/watch/{episode.pk}/download/app").json()  # a download, and its extras, from the bucket
    download = client.get(saved["url"])
    assert download.status_code == 200 and file_body(download)[4:8] == b"ftyp"
    assert int(download["Content-Length"]) == len(file_body(client.get(saved["url"])))
    thumbnails = next(x for x in saved["extras"] if x["kind"] == "thumbnails")
    assert file_body(client.get(thumbnails["url"])).startswith(b"WEBVTT")


def test_stream_view_refuses_paths_outside_the_package_on_object_storage(client, s3_media, licensed_source,
                                                                         clip_cache, subscriber):
    deliver(licensed_source, EPISODE, clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    source_key = f"sources/{Delivery.objects.get().sha256}/source.mkv"
    client.force_login(User.objects.get(email="viewer@example.com"))
    prefix = start_playing(client, Episode.objects.get())["stream_prefix"]
    for attack in ("../../" + source_key, "v360/../../../" + source_key, "v360//index.m3u8", "v360/./index.m3u8",
                   "download/360.mp4"):
        assert client.get(prefix + attack).status_code in (403, 404), attack


class _FailAt:
    """Fails the Nth upload, as a network cut or a full bucket would."""

    def __init__(self, n: int):
        self.n, self.seen, self.lock = n, [], threading.Lock()

    def __call__(self, name: str) -> None:  # called from the upload threads
        with self.lock:
            self.seen.append(name)
            count = len(self.seen)
        if count == self.n:
            raise OSError(f"injected failure uploading {name}")


def test_interrupted_upload_leaves_nothing_and_the_master_goes_last(s3_media, tmp_path):
    package = tmp_path / "pkg"
    for name in ("v360/init.mp4", "v360/seg_00000.m4s", "v360/seg_00001.m4s", "v360/index.m3u8", "master.m3u8",
                 "subs/en.vtt", "download/360.mp4"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_bytes(name.encode() * 10)
    complete = _FailAt(0)
    media_tree_upload(local=package, prefix="packages/whole", on_put=complete)
    assert complete.seen[-1] == "packages/whole/master.m3u8"
    assert complete.seen[-2] == "packages/whole/v360/index.m3u8"  # variant playlists after their segments
    assert len(s3_media.names("packages/whole/")) == 7

    failing = _FailAt(4)
    with pytest.raises(OSError, match="injected failure"):
        media_tree_upload(local=package, prefix="packages/cut", on_put=failing)
    assert "packages/cut/master.m3u8" not in failing.seen  # never reached: nothing named the partial package
    assert s3_media.names("packages/cut/") == []  # and what was uploaded before the failure is gone again


def test_transcode_failing_mid_upload_publishes_nothing_and_retries_cleanly(
        s3_media, licensed_source, clip_cache, subscriber, monkeypatch):
    from reelhouse.core import storage

    prefixes = []
    real = storage.media_tree_upload

    def cut_once(*, local, prefix, **kwargs):  # the first package upload fails at its 5th object
        prefixes.append(prefix)
        return real(local=local, prefix=prefix, **kwargs, **({"on_put": _FailAt(5)} if len(prefixes) == 1 else {}))

    monkeypatch.setattr("reelhouse.media.services.media_tree_upload", cut_once)
    deliver(licensed_source, EPISODE, clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    assert "injected failure" in job.error or job.attempts >= 2
    if job.state != TranscodeJob.State.DONE:  # the retry waits for its backoff: run it now, as the worker would
        TranscodeJob.objects.filter(pk=job.pk).update(retry_at=None)
        transcode_job_run(job_id=job.pk)
        job.refresh_from_db()
    assert job.state == TranscodeJob.State.DONE, job.error
    asset = Asset.objects.get()
    assert prefixes[0] != asset.directory and s3_media.names(prefixes[0] + "/") == []  # the cut upload is gone
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {asset.directory.split("/")[1]}
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED


def test_what_a_killed_worker_uploaded_is_removed_by_reclaim_and_by_the_sweep(s3_media, licensed_source,
                                                                             clip_cache, subscriber, tmp_path,
                                                                             monkeypatch):
    deliver(licensed_source, EPISODE, clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    job = TranscodeJob.objects.get()
    published = Asset.objects.get().directory
    # A worker killed mid-upload: part of a package under the job's folder, no asset naming it.
    partial = tmp_path / "partial"
    (partial / "v360").mkdir(parents=True)
    (partial / "v360" / "seg_00000.m4s").write_bytes(b"x" * 100)
    media_tree_upload(local=partial, prefix="packages/deadbeef")
    TranscodeJob.objects.filter(pk=job.pk).update(package_dir="packages/deadbeef")
    job.refresh_from_db()
    assert transcode_job_leftovers_remove(job=job) == ["packages/deadbeef"]
    assert s3_media.names("packages/deadbeef/") == []

    # Another one with no job record left pointing at it: the scheduler's sweep, once it is a lease period old.
    media_tree_upload(local=partial, prefix="packages/orphan")
    monkeypatch.setattr("reelhouse.media.sweeps._bucket_swept_at", None)  # no sweep ran in this process yet
    monkeypatch.setattr("reelhouse.media.sweeps._bucket_listed_at", None)  # so the first lists all of packages/
    assert packages_sweep(older_than_s=3600) == 0  # too fresh: may be an upload in progress
    monkeypatch.setattr("reelhouse.media.sweeps._bucket_listed_at", None)
    assert packages_sweep(older_than_s=0) == 1
    assert s3_media.names("packages/orphan/") == []
    assert f"{published}/master.m3u8" in s3_media.names()  # the published package is never touched


def test_the_bucket_sweep_lists_only_the_folders_of_recent_jobs_and_all_of_packages_once_a_day(
        s3_media, licensed_source, tmp_path, monkeypatch):
    from reelhouse.media import sweeps

    partial = tmp_path / "partial"
    (partial / "v360").mkdir(parents=True)
    (partial / "v360" / "seg_00000.m4s").write_bytes(b"x" * 100)
    delivery = Delivery.objects.create(source=licensed_source, path="Show/S01E01.mkv", size=10, mtime_ns=1)
    now, day = clock.now(), dt.timedelta(days=1)
    for state, folder, at in ((TranscodeJob.State.FAILED, "recent", now), (TranscodeJob.State.FAILED, "old", now - day),
                              (TranscodeJob.State.RUNNING, "running", now)):
        TranscodeJob.objects.create(delivery=delivery, state=state, package_dir=f"packages/{folder}", heartbeat_at=at)
    for folder in ("recent-quick", "old", "running", "orphan"):  # what crashed uploads left (no asset names them)
        media_tree_upload(local=partial, prefix=f"packages/{folder}")

    walked = []
    real_walk, real_listdir = sweeps.media_walk, sweeps.media_listdir
    monkeypatch.setattr(sweeps, "media_walk", lambda prefix: walked.append(prefix) or real_walk(prefix))

    def listdir(prefix):
        raise AssertionError(f"the frequent sweep listed {prefix}")

    monkeypatch.setattr(sweeps, "media_listdir", listdir)
    monkeypatch.setattr(sweeps, "_bucket_listed_at", time.monotonic())  # the daily listing just ran
    monkeypatch.setattr(sweeps, "_bucket_swept_at", None)
    assert packages_sweep(older_than_s=0) == 1
    assert walked == ["packages/recent", "packages/recent-quick"]  # one prefix listing each, nothing else
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {"old", "running", "orphan"}

    monkeypatch.setattr(sweeps, "media_listdir", real_listdir)  # a day later: all of packages/, once
    monkeypatch.setattr(sweeps, "_bucket_listed_at", time.monotonic() - sweeps.FULL_LISTING_S)
    monkeypatch.setattr(sweeps, "_bucket_swept_at", None)
    assert packages_sweep(older_than_s=0) == 2
    assert {k.split("/")[1] for k in s3_media.names("packages/")} == {"running"}  # a running job's is never touched


def test_backup_on_object_storage_lists_the_objects_and_restore_checks_them(client, s3_media, licensed_source,
                                                                           clip_cache, subscriber, tmp_path, capsys):
    deliver(licensed_source, EPISODE, clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    episode_pk = Episode.objects.get().pk
    call_command("backup", str(tmp_path), verbosity=0)
    archive = Path(capsys.readouterr().out.strip())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert not [n for n in tar.getnames() if n.startswith("media/")]  # the bucket's objects are not copied
    assert manifest["media_included"] is False and manifest["storage"].startswith("s3://")
    assert {e["path"] for e in manifest["media"]} == set(s3_media.names())
    assert all(e["size"] > 0 and e["etag"] for e in manifest["media"])

    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(archive), "--yes", verbosity=0)
    assert "restored the" in capsys.readouterr().out
    assert _play(client, Episode.objects.get(pk=episode_pk))["master"].startswith(b"#EXTM3U")

    gone = next(e["path"] for e in manifest["media"] if e["path"].endswith(".m4s"))
    s3_media.store.client().delete_object(Bucket=s3_media.store.bucket, Key=f"{s3_media.prefix}/{gone}")
    with pytest.raises(CommandError, match="1 missing"):
        call_command("restore", str(archive), "--yes", verbosity=0)


def test_readyz_checks_the_bucket(client, s3_media, settings):
    from reelhouse.core.storage import storage_backend

    assert client.get("/readyz").json()["checks"]["storage"] == {"ok": True}
    settings.STORAGES = {**settings.STORAGES, "default": storage_backend(
        f"s3://nowhere?endpoint=http://127.0.0.1:{_closed_port()}", access_key="x", secret_key="y")}
    storage = client.get("/readyz").json()["checks"]["storage"]
    assert storage["ok"] is False and "s3://nowhere" in storage["error"] and "unreachable" in storage["error"]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
