"""`reelhouse run` as an operator starts it: real gunicorn, real database-backed workers, real scheduler."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import make_clip

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what} after {timeout:.0f} s")


def healthz(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def running(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(tmp_path / "var"),
        "REELHOUSE_DEMO_PASSWORD": "demo-password-123",
        "REELHOUSE_SCAN_INTERVAL": "0.5",
        "REELHOUSE_STABLE_SECONDS": "0.5",
        "REELHOUSE_X264_PRESET": "ultrafast",
        "PORT": str(port),
    }
    proc = subprocess.Popen([sys.executable, "-m", "reelhouse.manage", "run", "--no-demo", "--web-workers", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: proc.poll() is not None or healthz(f"http://127.0.0.1:{port}/healthz"), 90, "/healthz")
        assert proc.poll() is None, proc.stdout.read()
        yield proc, port, tmp_path / "var"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("reelhouse run did not stop within 30 s of Ctrl-C")


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
