"""`reelhouse run` as an operator starts it: real gunicorn, real database-backed workers, real scheduler."""

import signal
import sqlite3
import urllib.request

import pytest

from tests.conftest import make_clip
from tests.processes import reelhouse_run, wait_for


@pytest.fixture
def running(tmp_path):
    with reelhouse_run(tmp_path / "var", REELHOUSE_X264_PRESET="ultrafast") as (proc, port):
        yield proc, port, tmp_path / "var"


def test_run_serves_and_its_workers_publish_a_delivery(running):
    proc, port, var = running
    watch = var / "demo" / "watch"
    clip = make_clip(var / "incoming.mp4", seconds=2, size="640x360")
    target = watch / "Night Ferry (2024)/Season 01/Night Ferry - S01E01 - Departure.mp4"
    target.parent.mkdir(parents=True)
    clip.rename(target)

    def published():
        with sqlite3.connect(var / "reelhouse.sqlite3", timeout=10) as db:
            return db.execute("SELECT state, reason FROM ingest_delivery").fetchall()

    rows = wait_for(lambda: (r := published()) and r[0][0] in ("published", "quarantined", "failed") and r,
                    120, "the delivery to be published by the workers")
    assert rows == [("published", "")]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as response:
        assert response.status == 200 and b"Sign in" in response.read()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert "viewer@example.com / demo-password-123" in out
    assert proc.returncode == 0, out
