"""`reelhouse backup` / `restore`: back up a site with a published title, destroy its database and media, restore,
and play the title through the real views. Runs on the configured engine: SQLite by default, PostgreSQL (pg_dump /
pg_restore) with DATABASE_URL set."""

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reelhouse.accounts.models import User
from reelhouse.catalog.models import Episode
from reelhouse.ingest.models import Delivery
from tests.conftest import deliver, scan_until_settled
from tests.playback.playing import file_body, start_playing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(licensed_source, clip_cache, subscriber, settings):
    settings.REELHOUSE_STABLE_SECONDS = 0
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED
    return Episode.objects.get()


def _play(client, episode) -> tuple[str, bytes]:
    """Start playing as the player does and fetch the master, a variant playlist and its first segment; returns the
    segment's path in the package and its bytes."""
    client.force_login(User.objects.get(email="viewer@example.com"))
    prefix = start_playing(client, episode)["stream_prefix"]
    master = client.get(prefix + "master.m3u8")
    assert master.status_code == 200
    variant = next(line for line in master.content.decode().splitlines() if line and not line.startswith("#"))
    playlist = file_body(client.get(prefix + variant)).decode()
    segment = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    folder = variant.rsplit("/", 1)[0]
    response = client.get(f"{prefix}{folder}/{segment}")
    assert response.status_code == 200
    return f"{folder}/{segment}", file_body(response)


def test_backup_destroy_restore_and_play(client, published, tmp_path, capsys):
    episode_pk = published.pk
    out = tmp_path / "backups"
    out.mkdir()
    call_command("backup", str(out), verbosity=0)
    archive = Path(capsys.readouterr().out.strip())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    media_root = Path(settings.MEDIA_ROOT)
    assert manifest["engine"] in ("sqlite", "postgresql") and manifest["media_included"]
    assert {e["path"] for e in manifest["media"]} == {p.relative_to(media_root).as_posix()
                                                      for p in media_root.rglob("*") if p.is_file()}
    assert any(e["path"].endswith(".m3u8") for e in manifest["media"]) and manifest["database"] in names

    # Destroy: every row gone, the media root removed.
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root)
    assert not Episode.objects.exists() and not User.objects.exists()

    call_command("restore", str(archive), "--yes", verbosity=0)
    assert "restored the" in capsys.readouterr().out
    segment, body = _play(client, Episode.objects.get(pk=episode_pk))
    listed = next(e for e in manifest["media"] if e["path"].endswith("/" + segment))
    assert len(body) == listed["size"] and hashlib.sha256(body).hexdigest() == listed["sha256"]


def test_restore_reports_media_the_archive_left_out_and_that_are_gone(published, tmp_path, capsys):
    call_command("backup", str(tmp_path / "db-only.tar"), "--no-media", verbosity=0)
    archive = Path(capsys.readouterr().out.strip())
    with tarfile.open(archive) as tar:
        assert not [n for n in tar.getnames() if n.startswith("media/")]
    shutil.rmtree(settings.MEDIA_ROOT)
    with pytest.raises(CommandError, match="missing"):
        call_command("restore", str(archive), "--yes", verbosity=0)


def test_backup_never_overwrites_and_restore_refuses_a_foreign_tar(published, tmp_path):
    existing = tmp_path / "b.tar"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(existing), verbosity=0)
    assert existing.read_bytes() == b"keep me"
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        tar.add(existing, arcname="hello.txt")
    with pytest.raises(CommandError, match=r"no manifest\.json"):
        call_command("restore", str(foreign), "--yes", verbosity=0)
