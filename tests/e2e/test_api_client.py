"""The reference API client end to end against a live server: examples/api_client.py (its own process) shows a
code, a person approves it on the web in a real browser, the client searches, starts playing and prints the
signed master playlist URL; the master and a rendition playlist are then fetched from that URL."""

import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CLIENT = Path(__file__).resolve().parents[2] / "examples" / "api_client.py"


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_reference_client_signs_in_with_a_code_and_prints_a_playable_url(page, live_server, subscriber,
                                                                          licensed_source, clip_cache):
    deliver(licensed_source, "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Pilot.mkv",
            clip_cache(seconds=4, size="640x360"))
    scan_until_settled(licensed_source)

    client = subprocess.Popen([sys.executable, str(CLIENT), live_server.url, "harbour lights"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        shown = client.stdout.readline()
        found = re.search(r"open (\S+) and enter the code ([A-Z]{4}-[A-Z]{4})", shown)
        assert found, shown
        assert found.group(1) == f"{live_server.url}/activate"

        sign_in(page, live_server, subscriber)  # the person, on a phone or computer
        page.goto(found.group(1))
        page.get_by_label("Code").fill(found.group(2))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label(subscriber.profiles.get().name).check()
        page.get_by_role("button", name="Approve").click()
        assert page.get_by_role("heading", name="The TV is signed in").is_visible()
        screenshot(page, "api-client-approved")
        out, err = client.communicate(timeout=60)
    finally:
        if client.poll() is None:
            client.kill()
    assert client.returncode == 0, err
    assert "Signed in." in out and "Found: Harbour Lights S01E01 Pilot" in out, out
    master_url = re.search(r"^Play: (\S+)$", out, re.M).group(1)
    assert urllib.parse.urlsplit(master_url).path.endswith("/master.m3u8")

    master = fetch(master_url)
    assert master.startswith("#EXTM3U") and "#EXT-X-STREAM-INF" in master
    rendition = next(line for line in master.splitlines() if line and not line.startswith("#"))
    playlist = fetch(urllib.parse.urljoin(master_url, rendition))
    assert playlist.startswith("#EXTM3U") and "#EXTINF" in playlist
