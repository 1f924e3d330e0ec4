"""The edge settings and signer without nginx (tests/scale/test_edge.py checks tokens in real nginx): the startup
check names a bad edge URL or key, `reelhouse edge_keys` writes the edge's keys.conf, the master's URIs move under
the edge prefix, and with no edge configured the player gets no edge prefix."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reelhouse.playback.edge import edge_master, edge_settings_check, edge_stream_prefix

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

GOOD = "k2:" + "a" * 40 + ",k1:" + "b" * 40


@pytest.mark.parametrize(("url", "keys", "error"), [
    ("https://edge.example.com/media", GOOD, "reelhouse.E101"),
    ("edge.example.com", GOOD, "reelhouse.E101"),
    ("https://edge.example.com", "", "reelhouse.E102"),
    ("https://edge.example.com", "k2:short", "reelhouse.E102"),
    ("https://edge.example.com", "k 2:" + "a" * 40, "reelhouse.E102"),
    ("https://edge.example.com", "k2:" + "a" * 40 + ",k2:" + "b" * 40, "reelhouse.E102"),
    ("https://edge.example.com", 'k2:"' + "a" * 40, "reelhouse.E102"),  # would break out of keys.conf's quotes
])
def test_a_bad_edge_setting_is_named_at_start(settings, url, keys, error):
    settings.REELHOUSE_EDGE_URL, settings.REELHOUSE_EDGE_KEYS = url, keys
    assert [e.id for e in edge_settings_check(None)] == [error]


def test_good_edge_settings_pass_and_no_edge_needs_no_keys(settings):
    settings.REELHOUSE_EDGE_URL, settings.REELHOUSE_EDGE_KEYS = "https://edge.example.com:8443", GOOD
    assert edge_settings_check(None) == []
    settings.REELHOUSE_EDGE_URL, settings.REELHOUSE_EDGE_KEYS = "", ""
    assert edge_settings_check(None) == []


def test_edge_keys_writes_every_key_for_the_edge(settings):
    settings.REELHOUSE_EDGE_KEYS = GOOD
    out = io.StringIO()
    call_command("edge_keys", stdout=out)
    assert f'"k2" "{"a" * 40}";' in out.getvalue() and f'"k1" "{"b" * 40}";' in out.getvalue()
    assert out.getvalue().startswith("#") and "map $edge_kid $edge_secret {" in out.getvalue()
    settings.REELHOUSE_EDGE_KEYS = ""
    with pytest.raises(CommandError, match="REELHOUSE_EDGE_KEYS is empty"):
        call_command("edge_keys")


def test_the_master_points_every_uri_at_the_edge(settings):
    settings.REELHOUSE_EDGE_URL, settings.REELHOUSE_EDGE_KEYS = "https://edge.example.com", GOOD
    prefix = edge_stream_prefix(session_id="s1", asset_id=3, directory="packages/abc", renditions=["v360", "audio"])
    assert prefix.startswith("https://edge.example.com/edge/s/k2/") and prefix.endswith("/s1/3/abc/v360,audio/")
    master = ('#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/index.m3u8"\n'
              '#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="aud"\nv360/index.m3u8\n')
    assert edge_master(master, prefix) == (
        f'#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="{prefix}audio/index.m3u8"\n'
        f'#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="aud"\n{prefix}v360/index.m3u8\n')
    for bad in ({"directory": "elsewhere/abc"}, {"renditions": []}, {"renditions": ["../v1080"]}):
        with pytest.raises(ValueError):
            edge_stream_prefix(**({"session_id": "s1", "asset_id": 3, "directory": "packages/abc",
                                   "renditions": ["v360"]} | bad))
