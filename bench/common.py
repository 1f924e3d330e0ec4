"""Pieces the benchmarks share (run as `python bench/<name>.py`, so this directory is on sys.path)."""

import http.client
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on now, for a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict, port: int, *, workers: int = 2) -> subprocess.Popen:
    """Reelhouse under gunicorn (gthread, 8 threads per worker) on 127.0.0.1:`port`, once /healthz answers."""
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "-m", "gunicorn", "reelhouse.wsgi:application",
                             "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", str(workers),
                             "--threads", "8", "--log-level", "warning"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not come up within 60 s")
