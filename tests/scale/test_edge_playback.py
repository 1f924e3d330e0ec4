"""A packaged clip played through the real nginx edge: with REELHOUSE_EDGE_URL set, the app's master playlist (from
its own stream view, filtered to the session's renditions) lists the renditions under the edge's signed prefix;
every playlist, init segment and segment is fetched through nginx and the result decodes (PyAV, ffmpeg's own
libraries). A rung above the plan stays refused at the edge (issue 12), and downloads go to the edge with ranges."""

import urllib.error
import urllib.request
from pathlib import Path

import av
import m3u8
import pytest
from django.conf import settings

from reelhouse.billing.selectors import subscription_current
from tests.conftest import episode_delivered
from tests.edge_nginx import app_edge
from tests.playback.playing import file_body, start_playing

pytestmark = pytest.mark.django_db(transaction=True)
KEY = ("k1", "s" * 43)


@pytest.fixture
def episode(licensed_source, clip_cache, packages_reused):
    return episode_delivered(licensed_source, "Edge Show (2020)/Season 01/Edge Show - S01E01 - Pilot.mkv",
                             clip_cache(seconds=4, size="854x480"))


@pytest.fixture
def edge(settings):
    with app_edge(settings, KEY) as running:
        yield running


@pytest.fixture
def viewer(client, subscriber):
    client.force_login(subscriber)
    return client


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def play_rendition(uri: str, out: Path) -> Path:
    """Fetch a media playlist, its init segment and every segment through the edge, as a player would (relative
    URIs resolved against the playlist's URL), into one fMP4 file."""
    status, headers, body = fetch(uri)
    assert status == 200 and headers["Cache-Control"] == "no-store", (status, body)
    playlist = m3u8.loads(body.decode(), uri=uri)
    parts = [playlist.segment_map[0].absolute_uri, *(s.absolute_uri for s in playlist.segments)]
    with out.open("wb") as f:
        for part in parts:
            status, headers, data = fetch(part)
            assert status == 200, (part, status, data)
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            f.write(data)
    return out


def test_the_apps_master_plays_through_the_edge(viewer, episode, edge, tmp_path):
    started = start_playing(viewer, episode)
    assert started["edge_prefix"].startswith(edge.url + "/edge/s/k1/")
    response = viewer.get(started["stream_prefix"] + "master.m3u8")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    master = m3u8.loads(file_body(response).decode())
    variants = [p.uri for p in master.playlists]
    audio = [m.uri for m in master.media if m.type == "AUDIO" and m.uri]
    edge_uris = [*variants, *audio]
    assert variants and audio and all(u.startswith(started["edge_prefix"]) for u in edge_uris), master.dumps()

    for i, uri in enumerate(variants):
        with av.open(str(play_rendition(uri, tmp_path / f"video{i}.mp4"))) as container:
            stream = container.streams.video[0]
            frames = sum(1 for _ in container.decode(stream))
            assert frames >= 90 and stream.codec_context.name == "h264", (uri, frames)  # 4 s at 25 fps
    for i, uri in enumerate(audio):
        with av.open(str(play_rendition(uri, tmp_path / f"audio{i}.mp4"))) as container:
            assert sum(f.samples for f in container.decode(container.streams.audio[0])) >= 3 * 48000, uri


def test_a_rung_above_the_plan_stays_refused_at_the_edge(viewer, subscriber, episode, edge):
    plan = subscription_current(user=subscriber).plan
    plan.max_height = 360
    plan.save(update_fields=["max_height"])
    started = start_playing(viewer, episode)
    master = file_body(viewer.get(started["stream_prefix"] + "master.m3u8")).decode()
    assert "v360/index.m3u8" in master and "v480" not in master
    assert fetch(started["edge_prefix"] + "v360/index.m3u8")[0] == 200
    package = Path(settings.MEDIA_ROOT) / episode.asset.directory
    segment = sorted((package / "v480").glob("*.m4s"))[0].name
    for path in ("v480/index.m3u8", f"v480/{segment}", "master.m3u8", "download/480.mp4"):
        status, _, body = fetch(started["edge_prefix"] + path)
        assert status == 403, (path, body)


def test_a_download_goes_to_the_edge_and_resumes_by_ranges(viewer, episode, edge):
    response = viewer.post(f"/watch/{episode.pk}/download/", {"label": "480"})
    assert response.status_code == 302 and response["Location"].startswith(edge.url + "/edge/d/k1/"), response
    target = Path(settings.MEDIA_ROOT) / episode.asset.directory / "download" / "480.mp4"
    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == target.read_bytes() and headers["Content-Type"] == "video/mp4"
    status, headers, body = fetch(response["Location"], {"Range": "bytes=1000-"})
    assert status == 206 and body == target.read_bytes()[1000:], status
