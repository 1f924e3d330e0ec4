"""The nginx edge in origin mode in front of a real object store: a clip published to SeaweedFS (no package file on
the local media disk) plays through real nginx, whose proxy_cache fetches each segment from the bucket's S3 endpoint
once (MISS, then HIT) and serves exactly the stored bytes, while a playlist replaced in the bucket (a growing EVENT
playlist) is served as it is now; the token check stays at the edge."""

import m3u8
import pytest

from reelhouse.catalog.models import Episode
from reelhouse.media.models import Asset
from tests.conftest import deliver, scan_until_settled
from tests.edge_nginx import app_edge
from tests.playback.playing import file_body, start_playing
from tests.scale.test_edge_playback import fetch

pytestmark = pytest.mark.django_db(transaction=True)
KEY = ("k1", "s" * 43)


def test_a_segment_plays_through_the_edge_from_the_bucket(client, s3_media, licensed_source, clip_cache,
                                                          subscriber, settings):
    deliver(licensed_source, "Edge Show (2020)/Season 01/Edge Show - S01E01 - Pilot.mkv", clip_cache(seconds=4))
    scan_until_settled(licensed_source)
    asset = Asset.objects.get()
    assert not (settings.MEDIA_ROOT / asset.directory).exists()
    bucket_url = f"{s3_media.store.endpoint}/{s3_media.store.bucket}/{s3_media.prefix}"
    with app_edge(settings, KEY, mode="origin", origin=bucket_url) as edge:
        client.force_login(subscriber)
        started = start_playing(client, Episode.objects.get())
        master = m3u8.loads(file_body(client.get(started["stream_prefix"] + "master.m3u8")).decode())
        variant = master.playlists[0].uri
        assert variant.startswith(edge.url + "/edge/s/k1/"), variant

        status, headers, body = fetch(variant)
        assert status == 200 and headers["Cache-Control"] == "no-store", (status, body[:200], edge.error_log())
        playlist = m3u8.loads(body.decode(), uri=variant)
        segment = playlist.segments[0]
        status, headers, first = fetch(segment.absolute_uri)
        assert status == 200 and headers["X-Cache-Status"] == "MISS", (status, headers, edge.error_log())
        assert headers["Content-Type"] == "video/iso.segment"
        status, headers, again = fetch(segment.absolute_uri)
        assert status == 200 and headers["X-Cache-Status"] == "HIT" and again == first

        folder = master.playlists[0].uri.split("/")[-2]
        stored = s3_media.store.client().get_object(
            Bucket=s3_media.store.bucket, Key=f"{s3_media.prefix}/{asset.directory}/{folder}/{segment.uri}")
        assert first == stored["Body"].read()

        source = next(k for k in s3_media.names("sources/"))  # the bucket lets anyone read packages, nothing else
        assert fetch(f"{bucket_url}/{asset.directory}/{folder}/{segment.uri}")[0] == 200
        assert fetch(f"{bucket_url}/{source}")[0] == 403
        assert fetch(f"{bucket_url}/{Episode.objects.get().still}")[0] == 403

        # A growing EVENT playlist (a provisional quick rung) is replaced in the bucket while it plays: each fetch
        # through the edge gets the playlist as stored now (playlists bypass the cache), never an older copy.
        key = f"{s3_media.prefix}/{asset.directory}/{folder}/{variant.rsplit('/', 1)[1]}"
        head = body.decode().split("#EXTINF", 1)[0].replace("#EXT-X-PLAYLIST-TYPE:VOD", "")
        lines = [f"#EXTINF:{s.duration:.3f},\n{s.uri}\n" for s in playlist.segments]
        for count in (1, len(playlist.segments)):
            grown = head.replace("#EXTM3U\n", "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n", 1) + "".join(lines[:count])
            s3_media.store.client().put_object(Bucket=s3_media.store.bucket, Key=key, Body=grown.encode())
            status, headers, served = fetch(variant)
            assert status == 200 and served.decode() == grown, (status, served[:300])
            assert headers["X-Cache-Status"] == "BYPASS" and headers["Cache-Control"] == "no-store"

        forged = segment.absolute_uri.replace("/edge/s/k1/", "/edge/s/k1/A", 1)
        assert fetch(forged)[0] == 403  # the token is still checked before the bucket is asked
