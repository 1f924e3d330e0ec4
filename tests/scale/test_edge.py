"""The nginx edge (deploy/nginx/) against real nginx: tokens signed in Python (reelhouse/playback/edge.py) are
checked by nginx itself (reelhouse/check.conf), in both serving modes (files on this box; an origin through
proxy_cache). Valid tokens serve with the right types and caching; expired, forged, truncated, other-session,
other-asset, other-package, other-rendition and tampered tokens are refused, as are path tricks; downloads answer
ranges; both keys of a rotation are accepted, a retired one is not."""

import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from reelhouse.core import clock
from reelhouse.playback.edge import edge_download_url, edge_stream_prefix, nginx_keys_conf
from tests.edge_nginx import edge_nginx

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

NEW, OLD = ("k2", "n" * 40), ("k1", "o" * 40)
RETIRED = ("k0", "r" * 40)
PACKAGE = "packages/0123abcd"
ASSET = 42
SESSION = str(uuid.UUID(int=7))
FILES = {
    "v360/index.m3u8": b"#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg_00000.m4s\n#EXT-X-ENDLIST\n",
    "v360/init.mp4": b"init" * 100,
    "v360/seg_00000.m4s": b"segment-360" * 1000,
    "v360/seg_00001.ts": b"G" * 188 * 10,
    "v480/seg_00000.m4s": b"segment-480" * 1000,
    "audio/seg_00000.m4s": b"audio" * 1000,
    "subs/en.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
    "trickplay/sprite_000.jpg": b"\xff\xd8\xff\xe0jpeg",
    "master.m3u8": b"#EXTM3U\n",
    "download/480.mp4": bytes(range(256)) * 400,
}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edge-media")
    for name, body in FILES.items():
        path = root / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    (root / "secret.txt").write_text("outside any package")
    return root


@pytest.fixture(scope="module", params=["disk", "origin"])
def edge(request, media):
    with edge_nginx(media_root=media, keys_conf=nginx_keys_conf([NEW, OLD]), mode=request.param) as running:
        yield running


@pytest.fixture(autouse=True)
def edge_settings(settings, edge):
    settings.REELHOUSE_EDGE_URL = edge.url
    settings.REELHOUSE_EDGE_KEYS = ",".join(f"{kid}:{secret}" for kid, secret in (NEW, OLD))
    return settings


def get(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def prefix(**overrides) -> str:
    args = {"session_id": SESSION, "asset_id": ASSET, "directory": PACKAGE, "renditions": ["v360", "audio"]}
    return edge_stream_prefix(**(args | overrides))


@pytest.mark.parametrize(("name", "mime"), [
    ("v360/seg_00000.m4s", "video/iso.segment"), ("v360/init.mp4", "video/mp4"), ("v360/seg_00001.ts", "video/mp2t"),
    ("audio/seg_00000.m4s", "video/iso.segment"), ("subs/en.vtt", "text/vtt; charset=utf-8"),
    ("trickplay/sprite_000.jpg", "image/jpeg"),
])
def test_a_valid_token_serves_the_file_immutable_with_its_type(edge, name, mime):
    status, headers, body = get(prefix() + name)
    assert status == 200, (body, edge.error_log())
    assert body == FILES[name]
    assert headers["Content-Type"] == mime
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_the_origin_is_cached_per_file_whatever_the_token(media, settings):
    with edge_nginx(media_root=media, keys_conf=nginx_keys_conf([NEW]), mode="origin") as origin_edge:
        settings.REELHOUSE_EDGE_URL = origin_edge.url
        _cached_once(origin_edge)


def _cached_once(edge):
    name = "v360/seg_00001.ts"
    first = get(prefix() + name)
    again = get(prefix(session_id=str(uuid.UUID(int=11))) + name)  # another viewer's token, the same file
    assert first[0] == again[0] == 200 and first[2] == again[2] == FILES[name]
    assert first[1]["X-Cache-Status"] in ("MISS", "HIT") and again[1]["X-Cache-Status"] == "HIT"
    playlist = get(prefix() + "v360/index.m3u8")
    assert playlist[1]["X-Cache-Status"] == "BYPASS"  # a growing playlist is always fetched from the origin


def test_a_playlist_is_never_stored(edge):
    status, headers, body = get(prefix() + "v360/index.m3u8")
    assert (status, body) == (200, FILES["v360/index.m3u8"])
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "no-store"


def _swap(url: str, index: int, value: str) -> str:
    """The URL with one path component of the token replaced (index counts from /edge/ = 0)."""
    head, path = url.split("/edge/", 1)
    parts = path.split("/")
    parts[index] = value
    return head + "/edge/" + "/".join(parts)


def test_every_tampering_is_refused(edge, edge_settings):
    good = prefix()
    assert get(good + "v360/seg_00000.m4s")[0] == 200
    sig = good.split("/")[6]
    attacks = {
        "expired": prefix(ttl=-5) + "v360/seg_00000.m4s",
        "forged with another key": _forged(good) + "v360/seg_00000.m4s",
        "truncated signature": _swap(good, 2, sig[:-1]) + "v360/seg_00000.m4s",
        "no signature": _swap(good, 2, "") + "v360/seg_00000.m4s",
        "other session": _swap(good, 4, str(uuid.UUID(int=8))) + "v360/seg_00000.m4s",
        "other asset": _swap(good, 5, str(ASSET + 1)) + "v360/seg_00000.m4s",
        "other package": _swap(good, 6, "0123abce") + "v360/seg_00000.m4s",
        "renditions widened": _swap(good, 7, "v360,audio,v480") + "v480/seg_00000.m4s",
        "tampered expiry": _swap(good, 3, str(int(good.split("/")[7]) + 3600)) + "v360/seg_00000.m4s",
        "unknown key id": _swap(good, 1, "k9") + "v360/seg_00000.m4s",
        "a stream token used for a download": good.replace("/edge/s/", "/edge/d/") + "480.mp4",
    }
    for what, url in attacks.items():
        status, _, body = get(url)
        assert status == 403, (what, url, body)


def _forged(url: str) -> str:
    """The same token signed with a key the edge does not hold."""
    from django.conf import settings

    kept = settings.REELHOUSE_EDGE_KEYS
    settings.REELHOUSE_EDGE_KEYS = f"k2:{'x' * 40}"
    try:
        return prefix()
    finally:
        settings.REELHOUSE_EDGE_KEYS = kept


@pytest.mark.parametrize("name", [
    "v480/seg_00000.m4s",  # a rung the session was not given (issue 12)
    "master.m3u8",  # the unfiltered master: the app serves it, filtered
    "download/480.mp4",  # downloads have their own tokens
    "v360/../v480/seg_00000.m4s", "v360/%2e%2e/v480/seg_00000.m4s", "v360/.hidden", "../../secret.txt",
    "v360/..%2f..%2f..%2fsecret.txt", "%76480/seg_00000.m4s", "constructor/seg_00000.m4s", "__proto__/x.m4s",
])
def test_files_outside_the_session_are_refused(edge, name):
    status, _, body = get(prefix() + name)
    assert status in (400, 403), (name, status, body)
    assert body != FILES.get(name.split("../")[-1]), name


def test_other_session_rendition_list_does_not_open_another_rung(edge):
    low = prefix(renditions=["v360"])
    assert get(low + "v360/seg_00000.m4s")[0] == 200
    assert get(low + "v480/seg_00000.m4s")[0] == 403
    assert get(low + "audio/seg_00000.m4s")[0] == 403
    assert get(prefix(renditions=["v480"]) + "v480/seg_00000.m4s")[0] == 200


def download(**overrides) -> str:
    args = {"download_id": str(uuid.UUID(int=9)), "asset_id": ASSET, "directory": PACKAGE, "label": "480",
            "expires": int(clock.now().timestamp()) + 600}
    return edge_download_url(**(args | overrides))


def test_a_download_is_served_whole_and_by_ranges(edge):
    status, headers, body = get(download())
    assert (status, body) == (200, FILES["download/480.mp4"])
    assert headers["Content-Type"] == "video/mp4" and headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Disposition"] == 'attachment; filename="reelhouse-480p.mp4"'
    status, headers, body = get(download(), {"Range": "bytes=100-299"})
    assert status == 206, (body[:200], edge.error_log())
    assert body == FILES["download/480.mp4"][100:300]
    assert headers["Content-Range"] == f"bytes 100-299/{len(FILES['download/480.mp4'])}"


def test_a_bad_download_token_is_refused(edge):
    good = download()
    sig = good.split("/")[6]
    attacks = {
        "expired": download(expires=int(clock.now().timestamp()) - 1),
        "truncated": _swap(good, 2, sig[:20]),
        "other download": _swap(good, 4, str(uuid.UUID(int=10))),
        "other asset": _swap(good, 5, "43"),
        "other quality": good.replace("/480.mp4", "/720.mp4"),
        "tampered expiry": _swap(good, 3, str(int(good.split("/")[7]) + 86400)),
        "a download token used for a stream": good.replace("/edge/d/", "/edge/s/")[:-len("480.mp4")]
        + "v360,audio/v360/seg_00000.m4s",
    }
    for what, url in attacks.items():
        status, _, body = get(url)
        assert status == 403, (what, url, body)


def test_both_keys_of_a_rotation_are_accepted_and_a_retired_one_is_not(edge, edge_settings):
    for kid, secret in (NEW, OLD):
        edge_settings.REELHOUSE_EDGE_KEYS = f"{kid}:{secret}"
        url = prefix() + "v360/seg_00000.m4s"
        assert f"/edge/s/{kid}/" in url
        assert get(url)[0] == 200, kid
    edge_settings.REELHOUSE_EDGE_KEYS = f"{RETIRED[0]}:{RETIRED[1]}"
    assert get(prefix() + "v360/seg_00000.m4s")[0] == 403


def test_a_malformed_edge_path_is_refused(edge):
    for path in ("/edge/", "/edge/s/", "/edge/x/k2/abc/1/2/3/4/5/6", "/edge/s/k2/" + "A" * 43 + "/1/s/1/p/v360/x.m4s"):
        status, _, body = get(edge.url + path)
        assert status == 403 and re.search(rb"malformed|expired|signature|stream", body), (path, status, body)


def test_expiry_is_compared_at_every_digit(edge):
    """The edge compares the token's 10-digit expiry with the clock digit by digit (a regular expression in
    http.conf): a token past its expiry by 1 s or by years is refused, one valid for 10 s or for decades is served,
    whichever digit differs first."""
    name = "v360/seg_00000.m4s"
    for power in range(10):
        assert get(prefix(ttl=-(10**power)) + name)[0] == 403, f"expired {10**power} s ago"
    for power in range(1, 10):
        status, _, body = get(prefix(ttl=10**power) + name)
        assert status == 200, (f"valid for {10**power} s", body, edge.error_log())


def test_an_expiry_of_other_than_ten_digits_is_refused_even_when_signed(edge):
    """The edge compares expiries of 10 digits only (Unix time until the year 2286): a correctly signed token with
    a 9-digit (2001) or 11-digit expiry is refused, never misread as far in the future."""
    for ttl, digits in ((999_999_999 - int(clock.now().timestamp()), 9), (10_000_000_000, 11)):
        url = prefix(ttl=ttl) + "v360/seg_00000.m4s"
        assert len(url.split("/")[7]) == digits
        assert get(url)[0] == 403, url


def test_a_rendition_is_matched_whole_in_the_signed_list(edge):
    """The folder must be one of the signed renditions exactly: not a part of one, nor one that contains it."""
    name = "v360/seg_00000.m4s"
    for renditions in (["v3600"], ["xv360"], ["v36"], ["v3600", "xv360", "audio"]):
        assert get(prefix(renditions=renditions) + name)[0] == 403, renditions
    for renditions in (["v360"], ["v360", "audio"], ["audio", "v360"], ["v480", "v360", "audio"]):
        assert get(prefix(renditions=renditions) + name)[0] == 200, renditions


def test_a_signature_wrong_in_its_last_character_is_refused(edge):
    good = prefix()
    sig = good.split("/")[6]
    last = "A" if sig[-1] != "A" else "B"
    assert get(_swap(good, 2, sig[:-1] + last) + "v360/seg_00000.m4s")[0] == 403
    assert get(good + "v360/seg_00000.m4s")[0] == 200
