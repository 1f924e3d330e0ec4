"""Catalog pages at scale, served by the real server (gunicorn gthread, as `reelhouse run` starts it).

Seeds the scale catalog when missing (into var/bench-sqlite, and the PostgreSQL database reelhouse_bench) and the
periodic job's home rows (top 10 per country, co-watching), signs a real subscriber in, then measures home, series
page, search-as-you-type (/search.json) and calendar with concurrent keep-alive clients, next to a trivial view
(/healthz) on the same server. Prints, never asserts; ends with one JSON line {"sqlite": {...}, "postgresql": {...}}.

    .venv/bin/python bench/catalog.py [--dbs sqlite,postgresql] [--clients 2,8] [--requests 400]

The first concurrency level's figures carry the plain names in the JSON line (home_p95_ms), the others a suffix
with their client count (home_p95_ms_8c). Two clients keep both cores busy without queueing requests behind each
other; eight show the queueing: even /healthz then waits its turn.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ensure_pg_database, free_port, gunicorn_start

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_BENCH_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/reelhouse_bench")
TYPED = ["harbour", "midnight", "amelie", "muenchen", "detective", "silver river", "night train", "zoe",
         "winter kingdom", "phoenix"]

PREPARE = r"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count
from reelhouse.accounts.models import Profile
from reelhouse.catalog.models import CountryTop, Follow
from reelhouse.catalog.selectors import entries_visible
from reelhouse.catalog.rankings import home_rankings_refresh
if not CountryTop.objects.exists():  # the periodic job's rows (top 10 per country, co-watching) the home page reads
    home_rankings_refresh()
# an adult profile: a kids profile sees only rated titles, and the seeded catalog is unrated
busiest = (Follow.objects.filter(profile__is_kids=False).values("profile").annotate(n=Count("id"))
           .order_by("-n", "profile").first())
profile = Profile.objects.get(pk=busiest["profile"])
user = profile.user
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session["reelhouse_profile_id"] = profile.pk
session.create()
# the most popular series this subscriber may see where they live (the rest are 404 for them)
slugs = list(entries_visible(profile, user.country).filter(kind="series").order_by("-popularity")
             .values_list("slug", flat=True)[:300])
print(json.dumps({"session": session.session_key, "slugs": slugs, "follows": profile.follows.count()}))
"""


def env_for(db: str) -> dict:
    env = os.environ | {"REELHOUSE_VAR_DIR": str(ROOT / "var" / f"bench-{db}"), "PYTHONUNBUFFERED": "1"}
    env.pop("REELHOUSE_TESTING", None)
    env.pop("DATABASE_URL", None)
    if db == "postgresql":
        env["DATABASE_URL"] = PG_BENCH_URL
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([PYTHON, "-m", "reelhouse.manage", *args], env=env, cwd=ROOT, check=True,
                            text=True, stdout=subprocess.PIPE if capture else None)
    return result.stdout or ""


def measure(port: int, paths, *, clients: int, requests: int, cookie: str) -> dict:
    """Latencies (ms) of `requests` GETs spread over `clients` keep-alive connections; paths is a callable(i)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            path = paths(i)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    errors.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{exc} {path}")
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else float("nan")

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "mean": statistics.fmean(latencies or [0]),
            "rps": len(latencies) / wall, "errors": len(errors), "first_error": errors[0] if errors else ""}


def bench_db(db: str, *, levels: list[int], requests: int, workers: int) -> dict:
    env = env_for(db)
    Path(env["REELHOUSE_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if db == "postgresql":
        ensure_pg_database(PG_BENCH_URL)
    print(f"\n== {db}: migrate and seed (skipped when present)")
    t0 = time.monotonic()
    manage(env, "migrate", "--skip-checks", "-v", "0")
    manage(env, "seed_scale", "--skip-checks")
    print(f"   ready in {time.monotonic() - t0:.0f} s")
    info = json.loads(manage(env, "shell", "-c", PREPARE, capture=True).strip().splitlines()[-1])
    port = free_port()
    server = gunicorn_start(env, port, workers=workers)
    rng = random.Random(7)
    typed = [w[:n] for w in TYPED for n in range(2, len(w) + 1)]  # every keystroke from the second letter
    slugs = info["slugs"]
    pages = {
        "healthz": lambda i: "/healthz",
        "home": lambda i: "/",
        "series": lambda i: f"/series/{slugs[rng.randrange(len(slugs))]}/",
        "search": lambda i: "/search.json?q=" + typed[i % len(typed)].replace(" ", "+"),
        "calendar": lambda i: "/calendar/",
    }
    out = {}
    try:
        for level, clients in enumerate(levels):
            # The first level's figures carry the plain names; the others are suffixed with their client count.
            suffix = "" if level == 0 else f"_{clients}c"
            print(f"   -- {clients} concurrent clients")
            results = {}
            for name, paths in pages.items():
                measure(port, paths, clients=clients, requests=max(20, requests // 10), cookie=info["session"])
                results[name] = r = measure(port, paths, clients=clients, requests=requests, cookie=info["session"])
                print(f"   {name:9s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                      f"{r['rps']:7.1f} req/s  errors {r['errors']} {r['first_error']}")
            out |= figures(results, suffix)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def figures(results: dict, suffix: str) -> dict:
    base = results["healthz"]
    out = {}
    for name, r in results.items():
        out[f"{name}_p50_ms{suffix}"] = round(r["p50"], 2)
        out[f"{name}_p95_ms{suffix}"] = round(r["p95"], 2)
        out[f"{name}_p99_ms{suffix}"] = round(r["p99"], 2)
        out[f"{name}_rps{suffix}"] = round(r["rps"], 1)
        if name != "healthz":
            out[f"{name}_p95_vs_healthz{suffix}"] = round(r["p95"] / base["p95"], 2) if base["p95"] else None
        if r["errors"]:
            out[f"{name}_errors{suffix}"] = r["errors"]
    print("   ratio p95 to /healthz: " + ", ".join(
        f"{k.split('_p95_vs_healthz')[0]} {v}x" for k, v in out.items() if "_p95_vs_healthz" in k))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--clients", default="2,8",
                        help="concurrency levels, comma-separated: one client per core shows each page's latency, "
                             "more show it queued behind others on this machine")
    parser.add_argument("--requests", type=int, default=400, help="per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (8 threads each)")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    print(f"bench/catalog.py: {args.clients} concurrent clients, {args.requests} requests per page, "
          f"gunicorn gthread {args.workers}x8, {os.cpu_count()} CPUs")
    summary = {}
    for db in args.dbs.split(","):
        summary[db] = bench_db(db, levels=levels, requests=args.requests, workers=args.workers)
    sys.stdout.flush()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
