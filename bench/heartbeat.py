"""The playback heartbeat's cost in the app: CPU milliseconds and database queries per heartbeat, through the real
WSGI handler and every middleware (production settings, a signed-in viewer's session cookie and CSRF token, as the
web player posts it every 30 s), this tree side by side with another git ref (--baseline, main by default).

    .venv/bin/python bench/heartbeat.py [--baseline main] [--n 300] [--rounds 4] [--db sqlite|postgresql]

Each tree runs in a process of its own on a fresh database (SQLite in a temporary folder, or a PostgreSQL database
of its own: BENCH_HEARTBEAT_PG_URL plus a suffix), seeded with one subscriber, a licensed published film and a
playback session; the rounds alternate between the two processes, so both see the same machine load. CPU is the
process's own (time.process_time: user + system, not wall time; the database server's CPU on PostgreSQL is not
counted). Prints figures and the load average, never asserts; the last line is one JSON object.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_HEARTBEAT_PG_URL", "postgresql://postgres@127.0.0.1:5432/rh_benchheartbeat")


def child(root: Path) -> None:
    """Seed, then answer 'round N' lines on stdin with one JSON line: CPU ms and queries per heartbeat."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from reelhouse.accounts.services import user_create
    from reelhouse.billing.services import subscription_grant
    from reelhouse.catalog.models import Work
    from reelhouse.core import clock
    from reelhouse.media.models import Asset
    from reelhouse.playback.models import PlaybackSession
    from reelhouse.rights.models import Licence, Licensor

    call_command("migrate", verbosity=0)
    user = user_create(email="viewer@example.com", password="correct horse battery", display_name="Viewer")
    subscription_grant(user=user, days=30)
    licence = Licence.objects.create(licensor=Licensor.objects.create(name="Bench Licensor"), name="Worldwide",
                                     territories="WW", starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    film = Work.objects.create(kind=Work.Kind.FILM, title="The Long Take", licence=licence, published_at=clock.now())
    film.asset = Asset.objects.create(work=film, source_sha256="ab" * 32, directory="packages/x", duration_s=3600,
                                      width=1920, height=1080)
    film.save(update_fields=["asset"])
    session = PlaybackSession.objects.create(profile=user.profiles.get(), work=film, asset=film.asset,
                                             device="Mozilla/5.0 Firefox/128.0", device_id="d" * 22,
                                             renditions=["v1080", "v720", "audio"])
    client = Client()
    client.force_login(user)
    secret = _get_new_csrf_string()
    cookie = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
              f"{settings.CSRF_COOKIE_NAME}={secret}; rh_device={'d' * 22}")
    try:  # the URL the start answer gives: keyed since the heartbeat's own key (a tree before it: unkeyed)
        from reelhouse.playback.signing import session_key
    except ImportError:
        url = f"/watch/session/{session.pk}/heartbeat"
    else:
        url = f"/watch/session/{session.pk}/{session_key(session_id=str(session.pk), user=user)}/heartbeat"
    factory, handler = RequestFactory(), WSGIHandler()
    position = [0.0]

    def environ():
        position[0] += 30.0
        return factory.post(url, {"position": f"{position[0] % 3500:.3f}", "duration": "3600"},
                            HTTP_COOKIE=cookie, HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret),
                            HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 Firefox/128.0",
                            HTTP_ACCEPT_ENCODING="gzip, deflate, br, zstd").environ  # as browsers send it

    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def one(env):
        body = b"".join(handler(env, start_response))
        if not statuses[-1].startswith("200"):
            statuses[-1] += " " + body[:200].decode(errors="replace")  # the refusal's reason, for the error line

    for _ in range(20):  # warm: imports, translations, connection
        one(environ())
    with CaptureQueriesContext(connection) as queries:
        one(environ())
    print(json.dumps({"ready": True, "queries": len(queries), "sql": [q["sql"][:160] for q in queries]}), flush=True)
    for line in sys.stdin:
        n = int(line.split()[1])
        # the other tree's round may have outlasted SESSION_STALE_SECONDS on a loaded machine: heard from just now
        PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=clock.now())
        envs = [environ() for _ in range(n)]
        statuses.clear()
        profiler = cProfile.Profile(time.process_time) if os.environ.get("BENCH_HEARTBEAT_PROFILE") else None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for env in envs:
            one(env)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        bad = [s for s in statuses if not s.startswith("200")]
        print(json.dumps({"cpu_ms": 1000 * cpu / n, "wall_ms": 1000 * wall / n, "errors": len(bad),
                          "first_error": bad[:1]}), flush=True)


def _tree_of(ref: str, into: Path) -> Path:
    """The files of git ref `ref` (git archive; the shared repository's worktrees are left alone)."""
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def _start(root: Path, var: Path, db_url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REELHOUSE_TESTING", "DATABASE_URL")}
    env |= {"REELHOUSE_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(root)}
    if db_url:
        env["DATABASE_URL"] = db_url
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), __file__, "--child", str(root)], env=env,
                            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _reset_pg(url: str) -> None:
    import psycopg
    from common import PG_ADMIN_URL

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git ref measured beside this tree (default: main)")
    parser.add_argument("--n", type=int, default=300, help="heartbeats per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    with tempfile.TemporaryDirectory(prefix="bench-heartbeat-") as tmp:
        tmp = Path(tmp)
        trees = {"before": _tree_of(args.baseline, tmp / "before"), "after": ROOT}
        procs, ready = {}, {}
        for label, root in trees.items():
            url = ""
            if args.db == "postgresql":
                url = f"{PG_URL}_{label}"
                _reset_pg(url)
            procs[label] = _start(root, tmp / f"var-{label}", url)
        for label, proc in procs.items():
            ready[label] = json.loads(proc.stdout.readline())
            print(f"{label}: {ready[label]['queries']} queries per heartbeat")
            for sql in ready[label]["sql"]:
                print(f"    {sql}")
        cpu = {label: [] for label in procs}
        for r in range(args.rounds):
            for label, proc in procs.items():
                proc.stdin.write(f"round {args.n}\n")
                proc.stdin.flush()
                result = json.loads(proc.stdout.readline())
                cpu[label].append(result["cpu_ms"])
                print(f"round {r + 1} {label:6}: {result['cpu_ms']:.2f} ms CPU, {result['wall_ms']:.2f} ms wall "
                      f"per heartbeat, {result['errors']} errors {result['first_error']}")
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    load = os.getloadavg()[0]
    before, after = statistics.median(cpu["before"]), statistics.median(cpu["after"])
    print(f"median CPU per heartbeat: before ({args.baseline}) {before:.2f} ms, after {after:.2f} ms "
          f"({before / after:.2f}x); load average {load:.1f}")
    print(json.dumps({"bench": "heartbeat", "db": args.db, "baseline": args.baseline, "n": args.n,
                      "rounds": args.rounds, "cpu_ms_before": round(before, 3), "cpu_ms_after": round(after, 3),
                      "ratio": round(before / after, 2), "queries_before": ready["before"]["queries"],
                      "queries_after": ready["after"]["queries"], "load_average": round(load, 1)}))


if __name__ == "__main__":
    main()
