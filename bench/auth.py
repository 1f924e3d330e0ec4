"""Sign-in under a burst: 50 parallel wrong passwords against a real server (gunicorn gthread, 2 workers x 8 threads,
as `reelhouse run` starts it) on loopback, with the Argon2 bound off (REELHOUSE_PASSWORD_CHECKS_AT_ONCE=0) and on
(the default, 2 per process), side by side in one run. Measures sign-in throughput (wrong passwords answered per
second), latency, and the peak memory (RSS summed over the server's processes, sampled every 10 ms; each Argon2 hash
holds ~100 MiB). The rate limits are lifted for the run so every attempt reaches the hash. Prints, never asserts;
the last line is one JSON object.

    .venv/bin/python bench/auth.py [--burst 50] [--bounds 0,2]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from common import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
EMAIL, PASSWORD = "bench-signin@example.com", "correct horse battery staple"
PAGE = 4096


def env_for(var: Path, bound: int) -> dict:
    env = os.environ | {"REELHOUSE_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1",
                        "REELHOUSE_PASSWORD_CHECKS_AT_ONCE": str(bound), "REELHOUSE_SIGNIN_ATTEMPTS": "1000000",
                        "REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT": "1000000"}
    for name in ("REELHOUSE_TESTING", "DATABASE_URL"):
        env.pop(name, None)
    return env


def prepare(var: Path) -> None:
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = env_for(var, 0)
    subprocess.run([PYTHON, "-m", "reelhouse.manage", "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run([PYTHON, "-m", "reelhouse.manage", "createcachetable"], env=env, cwd=ROOT, check=True)
    subprocess.run([PYTHON, "-m", "reelhouse.manage", "shell", "-c",
                    "from reelhouse.accounts.services import user_create; "
                    f"user_create(email={EMAIL!r}, password={PASSWORD!r})"], env=env, cwd=ROOT, check=True)


def tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    total, pids = 0, [root_pid]
    while pids:
        pid = pids.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    pids += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def wait_healthy(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz")


def wrong_password(port: int, start: threading.Barrier, results: list) -> None:
    """One visitor: fetch the sign-in page (CSRF cookie and token), wait for the others, post a wrong password."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    body = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": EMAIL, "password": "not the password"})
    start.wait()
    began = time.perf_counter()
    conn.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    response = conn.getresponse()
    response.read()
    results.append((response.status, time.perf_counter() - began))
    conn.close()


def run(bound: int, burst: int, var: Path) -> dict:
    port = free_port()
    proc = subprocess.Popen([PYTHON, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--log-level",
                             "warning"], env=env_for(var, bound), cwd=ROOT)
    try:
        wait_healthy(port, proc)
        idle = tree_rss(proc.pid)
        peak, sampling = [idle], [True]

        def sample():
            while sampling[0]:
                peak[0] = max(peak[0], tree_rss(proc.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        results: list = []
        start = threading.Barrier(burst + 1)
        visitors = [threading.Thread(target=wrong_password, args=(port, start, results)) for _ in range(burst)]
        for v in visitors:
            v.start()
        start.wait()
        began = time.perf_counter()
        for v in visitors:
            v.join()
        elapsed = time.perf_counter() - began
        sampling[0] = False
        sampler.join()
        latencies = sorted(t for _, t in results)
        return {
            "bound": bound, "answered": len(results), "statuses": sorted({s for s, _ in results}),
            "signins_per_s": round(len(results) / elapsed, 2), "burst_s": round(elapsed, 2),
            "p50_ms": round(statistics.median(latencies) * 1000),
            "p95_ms": round(latencies[int(0.95 * len(latencies)) - 1] * 1000),
            "idle_rss_mib": round(idle / 2**20), "peak_rss_mib": round(peak[0] / 2**20),
        }
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--bounds", default="0,2", help="REELHOUSE_PASSWORD_CHECKS_AT_ONCE values to compare")
    args = parser.parse_args()
    var = ROOT / "var" / "bench-auth"
    prepare(var)
    rows = [run(int(b), args.burst, var) for b in args.bounds.split(",")]
    print(f"{args.burst} parallel wrong passwords, gunicorn gthread 2 workers x 8 threads; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'bound per process':>18} {'sign-ins/s':>11} {'burst s':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'idle MiB':>9} {'peak MiB':>9}")
    for r in rows:
        label = "none" if r["bound"] == 0 else str(r["bound"])
        print(f"{label:>18} {r['signins_per_s']:>11} {r['burst_s']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} "
              f"{r['idle_rss_mib']:>9} {r['peak_rss_mib']:>9}   statuses {r['statuses']}")
    if len(rows) == 2:
        a, b = rows
        print(f"bound {b['bound']} vs none: peak memory x{b['peak_rss_mib'] / a['peak_rss_mib']:.2f}, "
              f"throughput x{b['signins_per_s'] / a['signins_per_s']:.2f}")
    print(json.dumps({f"bound_{r['bound']}": r for r in rows}))


if __name__ == "__main__":
    main()
