"""A real `reelhouse run` in a subprocess, as an operator starts it, for the tests that need real processes."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, explain=None):
    """The first truthy value of `predicate()`, polled; fails after `timeout` s (with `explain()`'s text: logs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what} after {timeout:.0f} s" + (f"\n{explain()}" if explain else ""))


def healthz(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def reelhouse_run(var: Path, *, demo: bool = False, **env_extra: str):
    """`reelhouse run` (with `--no-demo` unless demo) on SQLite under `var`, on a free port; yields (process, port)
    once /healthz answers, and stops it with Ctrl-C (SIGINT) afterwards, failing if it does not stop within 30 s."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(var), "REELHOUSE_DEMO_PASSWORD": "demo-password-123",
        "REELHOUSE_SCAN_INTERVAL": "0.5", "REELHOUSE_STABLE_SECONDS": "0.5", "PORT": str(port),
    } | env_extra
    command = [sys.executable, "-m", "reelhouse.manage", "run", "--web-workers", "1", *([] if demo else ["--no-demo"])]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: proc.poll() is not None or healthz(f"http://127.0.0.1:{port}/healthz"), 180, "/healthz")
        assert proc.poll() is None, proc.stdout.read()
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                pytest.fail("reelhouse run did not stop within 30 s of Ctrl-C")
