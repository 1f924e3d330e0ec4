"""Watchable fast: a quick low rung is published as a growing EVENT playlist while the full ladder encodes, then
the work swaps to the full ladder; a viewer already on the quick package keeps it until it is cleaned up."""

import datetime as dt
import io
from pathlib import Path

import av
import m3u8
import pytest
from django.conf import settings
from django.test import Client

from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.media import signals
from reelhouse.media.models import Asset
from reelhouse.media.probe import probe
from reelhouse.media.provisional import assets_provisional_remove, provisional_grace_s
from reelhouse.media.transcode.quick import quick_start
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.services import playback_start
from reelhouse.playback.signing import stream_prefix
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EPISODE = "Night Ferry (2024)/Season 01/Night Ferry - S01E01 - Crossing.mkv"


def decoded_frames(init: bytes, segment: bytes) -> int:
    """Frames PyAV decodes from an fMP4 init segment followed by one media segment."""
    with av.open(io.BytesIO(init + segment)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_quick_encode_writes_an_event_playlist_that_grows_and_decodes(tmp_path, clip_cache):
    source = clip_cache(seconds=14, size="854x480")
    info = probe(source)
    encode = quick_start(source=source, directory=tmp_path / "quick", info=info)
    encode.wait_ready(timeout_s=60)
    assert encode.segments() >= 1
    encode.wait(timeout_s=60)

    master = m3u8.load(str(tmp_path / "quick/master.m3u8"))
    assert [p.stream_info.resolution for p in master.playlists] == [(640, 360)]
    assert master.playlists[0].stream_info.codecs == "avc1.4d401f,mp4a.40.2"
    assert "#EXT-X-START:TIME-OFFSET=0" in (tmp_path / "quick/master.m3u8").read_text()
    playlist = m3u8.load(str(encode.playlist))
    assert playlist.playlist_type == "event" and playlist.is_endlist
    assert len(playlist.segments) == 3 and sum(s.duration for s in playlist.segments) == pytest.approx(14, abs=0.1)
    init = (encode.playlist.parent / "init.mp4").read_bytes()
    for segment in playlist.segments:
        assert decoded_frames(init, (encode.playlist.parent / segment.uri).read_bytes()) > 0


@pytest.fixture
def seen_provisional(subscriber):
    """While the transcode runs (synchronously in tests), at the moment the quick rung is published: record what a
    viewer gets then, and start watching it."""
    seen: dict = {}
    client = Client()

    def on_provisional(sender, *, job, asset, **kwargs) -> None:
        episode = Episode.objects.get(pk=asset.work_id)
        seen["work_asset"] = episode.asset_id
        seen["asset"] = asset.pk
        seen["published"] = episode.is_published
        session = playback_start(profile=subscriber.profiles.get(), work=episode)
        seen["session"] = session
        prefix = stream_prefix(session_id=str(session.id), asset_id=session.asset_id)
        seen["prefix"] = prefix
        response = client.get(prefix + "v/index.m3u8")
        seen["cache_control"] = response["Cache-Control"]
        seen["playlist"] = m3u8.loads(b"".join(response.streaming_content).decode())
        seen["master_status"] = client.get(prefix + "master.m3u8").status_code

    signals.package_provisional.connect(on_provisional, dispatch_uid="test_quick")
    yield seen
    signals.package_provisional.disconnect(dispatch_uid="test_quick")


def test_new_episode_plays_from_the_quick_rung_then_swaps_to_the_ladder(licensed_source, clip_cache,
                                                                           seen_provisional):
    deliver(licensed_source, EPISODE, clip_cache(seconds=14, size="854x480"))
    scan_until_settled(licensed_source)

    # While the full ladder was still to be encoded, the work was watchable from the provisional asset.
    quick = Asset.objects.get(pk=seen_provisional["asset"])
    assert quick.provisional and seen_provisional["work_asset"] == quick.pk and seen_provisional["published"]
    assert seen_provisional["master_status"] == 200
    assert seen_provisional["cache_control"] == "private, no-cache"
    assert seen_provisional["playlist"].playlist_type == "event" and seen_provisional["playlist"].segments

    # Swapped: the work now points at the full ladder.
    episode = Episode.objects.get()
    full = episode.asset
    assert not full.provisional and full.pk != quick.pk and full.renditions.count() == 2
    assert Asset.objects.filter(work=episode).count() == 2

    # The viewer who started on the quick package still gets all its files, now complete.
    client = Client()
    prefix = seen_provisional["prefix"]
    playlist = m3u8.loads(b"".join(client.get(prefix + "v/index.m3u8").streaming_content).decode())
    assert playlist.is_endlist and len(playlist.segments) == 3
    init = b"".join(client.get(prefix + "v/init.mp4").streaming_content)
    last = client.get(prefix + "v/" + playlist.segments[-1].uri)
    assert last.status_code == 200 and decoded_frames(init, b"".join(last.streaming_content)) > 0
    # A new viewer gets the full ladder.
    session = playback_start(profile=seen_provisional["session"].profile, work=episode)
    assert session.asset_id == full.pk


def test_quick_package_is_removed_after_the_grace_once_nobody_plays_it(licensed_source, clip_cache,
                                                                        seen_provisional):
    deliver(licensed_source, EPISODE, clip_cache(seconds=8, size="854x480"))
    scan_until_settled(licensed_source)
    quick = Asset.objects.get(pk=seen_provisional["asset"])
    folder = Path(settings.MEDIA_ROOT) / quick.directory
    session = seen_provisional["session"]

    assert assets_provisional_remove() == 0  # the viewer's session is live
    assert folder.is_dir() and Asset.objects.filter(pk=quick.pk).exists()
    clock.advance(dt.timedelta(seconds=provisional_grace_s() / 2))
    PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=clock.now())  # still watching
    clock.advance(dt.timedelta(seconds=provisional_grace_s() * 0.9))
    assert assets_provisional_remove() == 0

    clock.advance(dt.timedelta(seconds=provisional_grace_s() * 0.2))  # last heartbeat now older than the grace
    assert assets_provisional_remove() == 1
    assert not folder.exists() and not Asset.objects.filter(pk=quick.pk).exists()
    session.refresh_from_db()
    episode = Episode.objects.get()
    assert session.ended_at is not None and session.asset_id == episode.asset_id and not episode.asset.provisional
    assert client_forbidden(session, quick.pk)


def client_forbidden(session, asset_id: int) -> bool:
    """The removed package's old tokens serve nothing any more."""
    prefix = stream_prefix(session_id=str(session.id), asset_id=asset_id)
    return Client().get(prefix + "master.m3u8").status_code in (403, 404)


def test_a_transcode_that_fails_for_good_takes_back_its_quick_package(licensed_source, clip_cache, seen_provisional,
                                                                        monkeypatch):
    import errno
    import os

    from reelhouse.media import services

    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):  # the full ladder never fits on the disk
        if services.BUILDING_MARK in str(src):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    deliver(licensed_source, EPISODE, clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)

    assert seen_provisional["published"]  # it was watchable while the ladder was attempted
    episode = Episode.objects.get()
    assert episode.asset_id is None and not episode.is_published
    assert not Asset.objects.exists() and list((Path(settings.MEDIA_ROOT) / "packages").iterdir()) == []
