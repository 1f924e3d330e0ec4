"""Heartbeats under concurrency (issue 18): many viewers' heartbeats at a fixed rate against the real server, as
`reelhouse run` starts it (gunicorn gthread 2 workers x 8 threads), this tree side by side with another git ref.

    .venv/bin/python bench/heartbeat_concurrency.py [--ref main] [--rates 10,50,125] [--seconds 20]
                                                    [--sessions 300] [--db sqlite|postgresql]
                                                    [--pages 0] [--threads 8]

Each tree gets its own database (SQLite in a temporary var directory, or a PostgreSQL database of its own:
BENCH_HB_PG_URL plus a suffix), migrated and seeded with a small catalog (`seed_scale`); `--sessions` seeded
subscribers each get a signed-in browser session and one open playback session (one stream per account, so the
plan's limit never refuses). The client (asyncio in this process, one short connection per request, the browser's
session cookie and CSRF token) sends heartbeats round-robin over the sessions at each fixed rate for `--seconds`
(open loop: a slow answer does not delay the next request), and reports latency p50/p95/p99 from connect to the
last byte, errors (anything but 200), and the server's CPU per heartbeat (user + system of the gunicorn workers,
from /proc). `--pages N` also opens N home pages a second beside the heartbeats (the same viewers, open loop,
reported apart; the CPU per heartbeat then includes the pages'): a heartbeat's wait behind page renders in the
worker's other threads, as at an evening peak, where a page is several milliseconds of CPU under the worker's one
GIL. `--threads` sets the threads per worker (8, `reelhouse run`'s; 3 behind an edge). The trees run one after the
other (never at once: they would share the two cores), the ref first. Prints figures and the load average, never
asserts; the last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from common import PG_ADMIN_URL, free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_URL = os.environ.get("BENCH_HB_PG_URL", "postgresql://postgres@127.0.0.1:5432/rh_benchhbconc")
SEED = ["--series", "12", "--episodes", "120", "--films", "40", "--progress-rows", "400", "--plays-7d", "200",
        "--daily-shows", "1", "--no-fingerprints"]

# Run in the tree's own `manage.py shell`: a subscription, a signed-in session and an open playback session per
# viewer; prints the cookies and heartbeat paths as one JSON line.
PREPARE = r"""
import datetime as dt, json, os
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from reelhouse.accounts.models import User
from reelhouse.billing.services import subscription_grant
from reelhouse.catalog.models import Film
from reelhouse.catalog.seeding import EMAIL_DOMAIN
from reelhouse.core import clock
from reelhouse.playback.models import PlaybackSession

try:  # the start answer's URL: keyed since the heartbeat's own key (a tree before it: unkeyed)
    from reelhouse.playback.signing import session_key
except ImportError:
    session_key = None
n = int(os.environ["HB_SESSIONS"])
emails = [f"viewer{i}@{EMAIL_DOMAIN}" for i in range(n)]
users = list(User.objects.filter(email__in=emails).prefetch_related("profiles").order_by("pk"))
if len(users) < n:
    raise SystemExit(f"seeded {len(users)} of the {n} subscribers needed")
films = list(Film.objects.filter(licence__name="Worldwide catalogue", published_at__isnull=False,
                                 asset__isnull=False).select_related("asset").order_by("pk")[:50])
store, rows, viewers = SessionStore(), [], []
for i, user in enumerate(users):
    subscription_grant(user=user, days=30)
    profile = sorted(user.profiles.all(), key=lambda p: p.pk)[0]  # Main: the first, never a kids profile
    key = store._get_new_session_key()
    rows.append(Session(session_key=key, expire_date=clock.now() + dt.timedelta(days=1), session_data=store.encode({
        SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(), "reelhouse_profile_id": profile.pk})))
    film = films[i % len(films)]
    device = f"benchdevice{i:011d}"
    playback = PlaybackSession.objects.create(profile=profile, work=film, asset=film.asset, device="Bench/1.0",
                                              device_id=device, renditions=["v360"])
    secret = _get_new_csrf_string()
    path = f"/watch/session/{playback.pk}/heartbeat"
    if session_key is not None:
        path = path.replace("/heartbeat", f"/{session_key(session_id=str(playback.pk), user=user)}/heartbeat")
    viewers.append({"cookie": f"sessionid={key}; csrftoken={secret}; rh_device={device}",
                    "csrf": _mask_cipher_secret(secret), "path": path,
                    "duration": film.asset.duration_s or 3600})
Session.objects.bulk_create(rows)
print(json.dumps({"viewers": viewers}))
"""


def _tree_of(ref: str, into: Path) -> Path:
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(root: Path, env: dict, *args: str) -> str:
    return subprocess.run([PYTHON, "-m", "reelhouse.manage", *args], env=env, cwd=root, check=True, text=True,
                          stdout=subprocess.PIPE).stdout


def _gunicorn(root: Path, env: dict, port: int, threads: int) -> subprocess.Popen:
    # `reelhouse run`'s web command (reelhouse/embedded/management/commands/run.py)
    proc = subprocess.Popen([PYTHON, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--worker-class", "gthread", "--workers", "2", "--threads", str(threads),
                             "--graceful-timeout", "5", "--log-level", "warning"], env=env, cwd=root)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status = asyncio.run(_request(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                b"Connection: close\r\n\r\n"))[0]
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not come up within 60 s")


def _workers_cpu_s(master: int) -> float:
    """User + system CPU seconds of the gunicorn master's worker processes (and the master)."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0.0
    for pid in [str(master), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def _request(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        data = await reader.read()  # Connection: close, so until EOF
    finally:
        writer.close()
    return (int(data[9:12]) if data[:5] == b"HTTP/" else 0), time.perf_counter() - started


def _heartbeat_bytes(viewer: dict, position: float) -> bytes:
    body = f"position={position % max(viewer['duration'] - 5, 1):.3f}&duration={viewer['duration']}".encode()
    return (f"POST {viewer['path']} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Bench/1.0\r\n"
            f"Cookie: {viewer['cookie']}\r\nX-CSRFToken: {viewer['csrf']}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode() + body


def _page_bytes(viewer: dict, position: float) -> bytes:
    return (f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Bench/1.0\r\nCookie: {viewer['cookie']}\r\n"
            f"Connection: close\r\n\r\n").encode()


async def _open_loop(port: int, viewers: list[dict], request_bytes, *, rate: float, seconds: float,
                     offset: int) -> dict:
    """`request_bytes(viewer, position)` at `rate` per second for `seconds`, round-robin over the viewers (open
    loop): latency percentiles of the answers with 200, and what else came back."""
    total = int(rate * seconds)
    latencies, first_errors, tasks = [], [], []
    loop = asyncio.get_running_loop()

    async def one(i: int) -> None:
        viewer = viewers[(offset + i) % len(viewers)]
        try:
            status, latency = await _request(port, request_bytes(viewer, 30.0 * (offset + i)))
        except OSError as exc:
            status, latency = 0, float("nan")
            first_errors.append(repr(exc))
        if status == 200:
            latencies.append(latency * 1000)
        elif len(first_errors) < 5:
            first_errors.append(f"HTTP {status} {viewer['path']}")

    start = loop.time() + 0.05
    for i in range(total):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    lat = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None

    return {"rate": rate, "sent": total, "ok": len(lat), "errors": total - len(lat), "first_errors": first_errors[:5],
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": round(lat[-1], 1) if lat else None,
            "achieved_rate": round(total / (loop.time() - start), 1)}


async def _run_rate(port: int, viewers: list[dict], *, rate: float, seconds: float, offset: int,
                    pages: float = 0) -> dict:
    """Heartbeats at `rate` per second for `seconds` (and home pages at `pages` per second beside them)."""
    runs = [_open_loop(port, viewers, _heartbeat_bytes, rate=rate, seconds=seconds, offset=offset)]
    if pages:
        runs.append(_open_loop(port, viewers, _page_bytes, rate=pages, seconds=seconds, offset=offset))
    heartbeats, *home = await asyncio.gather(*runs)
    if home:
        heartbeats["pages"] = {k: home[0][k] for k in ("rate", "sent", "errors", "first_errors", "p50_ms", "p95_ms",
                                                       "p99_ms")}
    return heartbeats


def _reset_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def measure_tree(label: str, root: Path, var: Path, args) -> list[dict]:
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(root),
        "HB_SESSIONS": str(args.sessions)}
    if args.db == "postgresql":
        env["DATABASE_URL"] = f"{PG_URL}_{label}"
        _reset_pg(env["DATABASE_URL"])
    t0 = time.monotonic()
    _manage(root, env, "migrate", "--skip-checks", "-v", "0")
    _manage(root, env, "createcachetable", "-v", "0")
    _manage(root, env, "seed_scale", "--skip-checks", *SEED, "--subscribers", str(args.sessions + 10))
    viewers = json.loads(_manage(root, env, "shell", "-c", PREPARE).strip().splitlines()[-1])["viewers"]
    print(f"{label}: seeded and prepared {len(viewers)} viewers in {time.monotonic() - t0:.0f} s", flush=True)
    port = free_port()
    server = _gunicorn(root, env, port, args.threads)
    results, offset = [], 0
    try:
        warm = asyncio.run(_run_rate(port, viewers, rate=10, seconds=2, offset=offset))  # imports, connections
        offset += warm["sent"]
        for rate in args.rates:
            cpu0 = _workers_cpu_s(server.pid)
            result = asyncio.run(_run_rate(port, viewers, rate=rate, seconds=args.seconds, offset=offset,
                                           pages=args.pages))
            result["cpu_ms_per_heartbeat"] = round(1000 * (_workers_cpu_s(server.pid) - cpu0) / result["sent"], 2)
            result["load_average"] = round(os.getloadavg()[0], 2)
            offset += result["sent"]
            results.append(result)
            print(f"{label:6} {rate:6.0f}/s: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 "
                  f"{result['p99_ms']} ms, max {result['max_ms']} ms; {result['errors']} errors "
                  f"{result['first_errors'][:2]}; server CPU {result['cpu_ms_per_heartbeat']} ms per heartbeat; "
                  f"load average {result['load_average']}", flush=True)
            if "pages" in result:
                pages = result["pages"]
                print(f"{'':6} home pages {pages['rate']:.0f}/s beside them: p50 {pages['p50_ms']} ms, p95 "
                      f"{pages['p95_ms']} ms, p99 {pages['p99_ms']} ms; {pages['errors']} errors "
                      f"{pages['first_errors'][:2]}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="main", help="git ref measured before this tree (default: main)")
    parser.add_argument("--rates", default="10,50,125", help="heartbeats per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="seconds at each rate")
    parser.add_argument("--sessions", type=int, default=300, help="viewers (each heartbeats every sessions/rate s)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--only-this-tree", action="store_true", help="skip the ref (profiling a change)")
    parser.add_argument("--pages", type=float, default=0, help="home pages per second beside the heartbeats")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (8: reelhouse run's)")
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server and remove the databases on the way out
    print(f"bench/heartbeat_concurrency.py ({args.db}): rates {args.rates}/s for {args.seconds:.0f} s each over "
          f"{args.sessions} sessions, {args.pages:g} home pages/s beside them, 2 workers x {args.threads} threads; "
          f"{os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-hbconc-") as tmp:
        tmp = Path(tmp)
        trees = {"after": ROOT} if args.only_this_tree else {"before": _tree_of(args.ref, tmp / "before"),
                                                             "after": ROOT}
        for label, root in trees.items():
            out[label] = measure_tree(label, root, tmp / f"var-{label}", args)
    if "before" in out:
        print(f"\nside by side ({args.ref} -> this tree):")
        for b, a in zip(out["before"], out["after"], strict=True):
            print(f"  {a['rate']:6.0f}/s: p99 {b['p99_ms']} -> {a['p99_ms']} ms, p95 {b['p95_ms']} -> {a['p95_ms']} "
                  f"ms, errors {b['errors']} -> {a['errors']}, CPU {b['cpu_ms_per_heartbeat']} -> "
                  f"{a['cpu_ms_per_heartbeat']} ms per heartbeat"
                  + (f"; home pages p99 {b['pages']['p99_ms']} -> {a['pages']['p99_ms']} ms" if "pages" in a else ""))
    print(json.dumps({"bench": "heartbeat_concurrency", "db": args.db, "ref": args.ref, "sessions": args.sessions,
                      "seconds": args.seconds, "pages": args.pages, "threads": args.threads, **out,
                      "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    sys.exit(main())
