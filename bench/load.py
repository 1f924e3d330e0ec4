"""Load at Jetflicks' evening peak (issue 18): simulated viewers and browsers (Locust, headless, on loopback) against
the real server (gunicorn gthread 2x8, as `reelhouse run` starts it) and the token-checking nginx edge
(deploy/nginx/, HMAC-SHA256) in front of a real package, on the scale catalog (`seed_scale`).

    .venv/bin/python bench/load.py            # full: 100, 300, 600, 1000, 1500, 2000, 2700, 3700 viewers,
                                              # ~20 min when every stage passes (stops at the first that fails)
    .venv/bin/python bench/load.py --quick    # 100, 300, 1000 viewers, ~3 min once seeded
    .venv/bin/python bench/load.py --smoke    # 10 viewers for 15 s on a tiny catalog (the functional test)

Viewers (bench/load_locustfile.py) open the home page and the player page, start a title as the web player does,
fetch the master from the app and the variant playlist, init and one segment every segment-duration from the edge,
a heartbeat every 30 s whose answer renews the 60-s tokens; browsers sign in through the form, search as they type
and open title pages. Viewers come in stages; each stage ramps, settles and then holds a steady window, which alone
judges it: p99 < 200 ms for segments and heartbeats and no error (ramp errors count too). The run stops after the
first failing stage (--keep-going: it does not), saying what failed it (which request's p99, which errors) and the
CPU shares then (app, edge, Locust, other work on the machine, idle). --netns runs Locust on a host of its own (a
network namespace on a bridge, as the fleet test's hosts), so the load crosses an interface as a remote client's
does. Also measured, for docs/operations.md's capacity table: the CPU of
the server, the edge and Locust itself per steady window (Locust shares the two cores), viewers per edge core, the
edge against plain nginx static side by side (bench/common.py's edge_vs_static), transcode speed of the app's
ladder on one core (media-seconds per wall-second), and the database's size per 100,000 episodes.

The catalog is seeded once into var/bench-load (a quarter of the full scale: 45,800 episodes, 2,625 films, 9,250
subscribers; the first run takes several minutes more). All seeded works share one asset; it is pointed at a
real package built here. Viewers arrive signed in (a session cookie made beforehand: nobody types a password at
the peak; Argon2 costs ~0.3 s of CPU per sign-in); browsers sign in through the form. Prints figures and the load
average (the machine may be shared), never asserts. Last line: one JSON object.
"""

import argparse
import contextlib
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from catalog import TYPED
from common import edge_vs_static, ensure_pg_database, free_port, gunicorn_start

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.edge_nginx import edge_nginx  # noqa: E402  (the same runner as the edge tests)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
PACKAGE = "packages/loadbench"  # under MEDIA_ROOT: the one real package every seeded title plays
P99_LIMIT_MS = 200
PG_URL = os.environ.get("BENCH_LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/rh_loadbench")
QUARTER = ["--series", "1500", "--episodes", "45800", "--films", "2625", "--subscribers", "9250",
           "--progress-rows", "500000", "--plays-7d", "37500", "--no-fingerprints"]
TINY = ["--series", "12", "--episodes", "120", "--films", "40", "--subscribers", "40", "--progress-rows", "400",
        "--plays-7d", "200", "--daily-shows", "1", "--no-fingerprints"]
MODES = {  # stages (viewers, steady seconds), settle s, spawn rate/s, browsers, transcoded source, edge rounds
    "full": {"stages": [(v, 60) for v in (100, 300, 600, 1000, 1500, 2000, 2700, 3700)], "settle_s": 10,
             "spawn_rate": 15, "browsers": 20, "source_s": 30, "size": "1920x1080", "rounds": 4, "seed": QUARTER,
             "var": "bench-load"},
    "quick": {"stages": [(100, 15), (300, 15), (1000, 20)], "settle_s": 5, "spawn_rate": 15, "browsers": 10,
              "source_s": 5, "size": "1920x1080", "rounds": 2, "seed": QUARTER, "var": "bench-load"},
    "smoke": {"stages": [(10, 15)], "settle_s": 2, "spawn_rate": 10, "browsers": 2, "source_s": 4,
              "size": "640x360", "rounds": 1, "seed": TINY, "var": "bench-load-smoke"},
}

# Builds the app's package (the fixed ladder, trickplay, downloads, fingerprint: the whole transcode job) from a
# synthetic source with motion (1080p; the smoke run's is 360p), timed; run pinned to one core by taskset, so the
# speed is per worker core.
TRANSCODE = r"""
import json, os, resource, subprocess, time
from pathlib import Path
from reelhouse.media.conf import ffmpeg_path
from reelhouse.media.transcode.package import package_build
work = Path(os.environ["LOAD_WORK"])
source = work / "source.mp4"
seconds, size = os.environ["LOAD_SOURCE_S"], os.environ["LOAD_SOURCE_SIZE"]
subprocess.run([ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                "-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
                "-c:a", "aac", "-shortest", str(source)], check=True)
def cpu():  # this process (the fingerprint's frame hashes) and its ffmpeg children
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(r.ru_utime + r.ru_stime for r in usage)
before = cpu()
started = time.perf_counter()
result = package_build(source=source, dest=work / "package", adaptive=False)
wall = time.perf_counter() - started
print(json.dumps({"duration_s": result.duration_s, "wall_s": wall, "width": result.width, "height": result.height,
                  "cpu_s": cpu() - before,
                  "renditions": [{k: r[k] for k in ("name", "width", "height", "bandwidth", "codecs")}
                                 for r in result.renditions]}))
"""

# Points the seeded works' one asset at the real package, gives the accounts the run needs a subscription and the
# viewers a signed-in session, ends the playback sessions of earlier runs, and measures the database's size.
PREPARE = r"""
import datetime as dt, json, os, uuid
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from reelhouse.accounts.models import User
from reelhouse.billing.models import Subscription
from reelhouse.billing.selectors import subscription_entitles
from reelhouse.billing.services import subscription_grant
from reelhouse.catalog.models import CountryTop, Episode, Film, Series
from reelhouse.catalog.selectors import series_visible
from reelhouse.catalog.rankings import home_rankings_refresh
from reelhouse.catalog.seeding import EMAIL_DOMAIN
from reelhouse.core import clock
from reelhouse.media.models import Asset, Rendition
from reelhouse.playback.edge import edge_stream_prefix, nginx_keys_conf
from reelhouse.playback.models import PlaybackSession

spec = json.loads(os.environ["LOAD_SPEC"])
package = spec["package"]

def db_size():
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT pg_database_size(current_database())")
            total = c.fetchone()[0]
            c.execute("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                      "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'")
            tables = dict(c.fetchall())
    else:
        with connection.cursor() as c:
            c.execute("PRAGMA page_count"); pages = c.fetchone()[0]
            c.execute("PRAGMA freelist_count"); pages -= c.fetchone()[0]  # free pages left by deleted rows
            c.execute("PRAGMA page_size"); total = pages * c.fetchone()[0]
            c.execute("SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                      "GROUP BY m.tbl_name")
            tables = dict(c.fetchall())
    by_app = {}
    for table, size in tables.items():
        app = table.split("_", 1)[0] if "_" in table else table
        by_app[app] = by_app.get(app, 0) + size
    return {"total_bytes": total, "by_app": by_app, "episodes": Episode.objects.count()}

# The sign-ins of earlier runs (this run makes its own): the bench's own database, no one else's sessions.
Session.objects.all().delete()
size = db_size()
asset = Asset.objects.filter(directory__in=["scale-placeholder", package["directory"]]).order_by("pk").first()
if asset.directory != package["directory"]:
    Asset.objects.filter(pk=asset.pk).update(directory=package["directory"], duration_s=package["duration_s"],
                                             width=package["width"], height=package["height"])
    Rendition.objects.bulk_create(Rendition(asset=asset, **r) for r in package["renditions"])
    asset.refresh_from_db()
if not CountryTop.objects.exists():  # the periodic job's rows the home page reads
    home_rankings_refresh()
PlaybackSession.objects.filter(ended_at__isnull=True).update(ended_at=clock.now(), ended_reason="left")

emails = [f"viewer{n}@{EMAIL_DOMAIN}" for n in range(spec["viewers"] + spec["browsers"])]
users = {u.email: u for u in User.objects.filter(email__in=emails).prefetch_related("profiles")}
if len(users) < len(emails):
    raise SystemExit(f"the catalog has {len(users)} of the {len(emails)} subscribers this run needs: seed more")
# Accounts without a subscription that entitles them now (the billing selector's rule, one query) get one through
# the billing service, as an operator's grant; all in one transaction (SQLite commits one by one took most of it).
entitled = set(Subscription.objects.filter(subscription_entitles(), user__in=users.values())
               .values_list("user_id", flat=True))
missing = [users[email] for email in emails if users[email].pk not in entitled]
with transaction.atomic():
    for user in missing:
        subscription_grant(user=user, days=60)
granted = len(missing)
store = SessionStore()
viewers, rows = [], []
for email in emails[:spec["viewers"]]:
    user = users[email]
    profile = sorted(user.profiles.all(), key=lambda p: p.pk)[0]  # Main: the first, never a kids profile
    key = store._get_new_session_key()
    rows.append(Session(session_key=key, expire_date=clock.now() + dt.timedelta(days=1), session_data=store.encode({
        SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(), "reelhouse_profile_id": profile.pk})))
    viewers.append({"session": key})
Session.objects.bulk_create(rows)
# Titles anyone may play anywhere: films under the worldwide licence, published.
works = list(Film.objects.filter(asset=asset, licence__name="Worldwide catalogue", published_at__isnull=False)
             .order_by("pk").values_list("pk", flat=True)[:500])
# Series pages every browser account's first profile may open where it lives (the catalog's own visibility rule:
# published, licensed there, rated within the profile's limit), so a title page is never a 404 by choice.
slugs = list(Series.objects.filter(episodes__licence__name="Worldwide catalogue").distinct()
             .order_by("pk").values_list("slug", flat=True)[:500])
for email in emails[spec["viewers"]:]:
    main = sorted(users[email].profiles.all(), key=lambda p: p.pk)[0]
    seen = set(series_visible(main, users[email].country).filter(slug__in=slugs).values_list("slug", flat=True))
    slugs = [slug for slug in slugs if slug in seen]
rung = spec["rung"]
print(json.dumps({
    "viewers": viewers, "browser_accounts": emails[spec["viewers"]:], "works": works, "slugs": slugs,
    "granted": granted, "db": size, "keys_conf": nginx_keys_conf(),
    "edge_prefix": edge_stream_prefix(session_id=str(uuid.uuid4()), asset_id=asset.pk, directory=asset.directory,
                                      renditions=[rung], ttl=3600)}))
"""


def manage(env: dict, *args: str, capture: bool = False, pin: str = "") -> str:
    command = [PYTHON, "-m", "reelhouse.manage", *args]
    if pin:
        command = ["taskset", "-c", pin, *command]
    result = subprocess.run(command, env=env, cwd=ROOT, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None)
    return result.stdout or ""


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])  # after any log lines


def transcode(env: dict, *, seconds: int, size: str, media: Path) -> dict:
    """The transcode figure (one core), and the package the load plays (kept when none is there yet)."""
    with tempfile.TemporaryDirectory(prefix="rh-load-transcode-") as tmp:
        source = {"LOAD_WORK": tmp, "LOAD_SOURCE_S": str(seconds), "LOAD_SOURCE_SIZE": size}
        result = last_json(manage(env | source, "shell", "-c", TRANSCODE, capture=True, pin="0"))
        target = media / PACKAGE
        if not (target / "master.m3u8").exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(Path(tmp) / "package"), target)
            (target / "package.json").write_text(json.dumps(result))
    speed, cpu_speed = result["duration_s"] / result["wall_s"], result["duration_s"] / result["cpu_s"]
    print(f"transcode on 1 core (taskset): {result['duration_s']:.0f} s of {result['width']}x{result['height']} "
          f"into {len(result['renditions'])} rungs + trickplay + downloads in {result['wall_s']:.1f} s wall, "
          f"{result['cpu_s']:.1f} s CPU: {speed:.3f} media-s per wall-s, {cpu_speed:.3f} per CPU-s (the same on a "
          f"quiet machine: hours of video per worker core-hour; a shared core gives the wall figure less)", flush=True)
    return result | {"speed": speed, "cpu_speed": cpu_speed}


def package_info(media: Path) -> dict:
    info = json.loads((media / PACKAGE / "package.json").read_text())
    return {"directory": PACKAGE, "duration_s": info["duration_s"], "width": info["width"], "height": info["height"],
            "renditions": info["renditions"]}


def segment_seconds(media: Path, rung: str) -> float:
    lines = (media / PACKAGE / rung / "index.m3u8").read_text().splitlines()
    durations = [float(line.split(":", 1)[1].rstrip(",").split(",")[0]) for line in lines
                 if line.startswith("#EXTINF:")]
    return statistics.median(durations)


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of keep-alive connections


def run_locust(plan: dict, *, host: str, workdir: Path, limit_s: float, wrap=None) -> dict:
    """Locust (one process: the plan's shape and measurements live in it) with the plan; `wrap(argv)`: the command
    that runs argv elsewhere (on the load host of --netns)."""
    (workdir / "plan.json").write_text(json.dumps(plan))
    # GEVENT_RESOLVER=block: the host is an address, so resolving it needs no thread pool (gevent's default resolver
    # handed every new connection's getaddrinfo to a thread: ~9 % of Locust's CPU under py-spy, each heartbeat being
    # a new connection after 30 s)
    env = os.environ | {"LOAD_PLAN": str(workdir / "plan.json"), "LOAD_OUT": str(workdir / "out.json"),
                        "GEVENT_RESOLVER": "block"}
    log = workdir / "locust.log"
    argv = [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "bench" / "load_locustfile.py"), "--headless",
            "--host", host, "--only-summary", "--stop-timeout", "3", "--loglevel", "WARNING"]
    with log.open("w") as out:
        proc = subprocess.Popen(wrap(argv) if wrap else argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            print(f"Locust still running after {limit_s:.0f} s: stopped", flush=True)
            proc.terminate()
            proc.wait(30)
    if not (workdir / "out.json").exists():
        raise SystemExit(f"Locust wrote no results; its log:\n{log.read_text()[-3000:]}")
    return json.loads((workdir / "out.json").read_text())


def report(results: dict, *, cores: int) -> tuple[dict, list[dict]]:
    """Prints each stage's table, CPU shares and what failed it; returns the figures of the largest stage that
    passed with every stage before it (or of the first stage, marked not passed, when none did), and every
    stage's."""
    stages = []
    for stage in results["stages"]:
        steady = stage["steady_s"]
        cpu = {k: v / steady / cores for k, v in stage["cpu_s"].items() if k != "machine"}
        # The rest of the machine's busy time: other work on a shared box (and the kernel's for the servers).
        cpu["other"] = max(0.0, stage["cpu_s"].get("machine", 0) / steady / cores - sum(cpu.values()))
        cpu["idle"] = max(0.0, 1 - sum(cpu.values()))
        print(f"\n== {stage['viewers']:,} viewers ({stage['users']:,} users), steady {steady:.0f} s: "
              f"{'PASS' if stage['passed'] else 'FAIL: ' + '; '.join(stage['faults'])}; CPU share of the {cores} "
              "cores: " + ", ".join(f"{k} {v:.0%}" for k, v in cpu.items())
              + f" (Locust {stage['cpu_s'].get('locust', 0) / steady:.0%} of its one core; its memory grew "
                f"{stage.get('locust_rss_growth_mb', 0):.0f} MB with its collector paused)")
        if stage["cpu_s"].get("locust", 0) / steady > 0.9:
            print("   the load generator was saturated (one process, one core): its latencies include its own delay")
        print(f"   {'request':42s} {'count':>7s} {'err':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} "
              f"{'MB':>8s} {'req/s':>7s}")
        for name, r in stage["requests"].items():
            rate = f"{r['count'] / steady:7.1f}" if name.startswith("steady") else ""
            print(f"   {name:42s} {r['count']:7d} {r['errors']:4d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
                  f"{r['p99_ms']:8.1f} {r['bytes'] / 1e6:8.1f} {rate:>7s}")
        requests = stage["requests"]
        # CPU per request in the steady window (steadier than latency on a shared machine): the app's per request
        # it answered, the edge's per request it answered, Locust's per request it made.
        steady_counts = {n.split(": ", 1)[1]: r["count"] for n, r in requests.items() if n.startswith("steady")}
        edge_n = sum(c for n, c in steady_counts.items() if "(edge)" in n)
        app_n = sum(steady_counts.values()) - edge_n
        per_request = {"app_ms": stage["cpu_s"].get("app", 0) / max(app_n, 1) * 1e3,
                       "edge_us": stage["cpu_s"].get("edge", 0) / max(edge_n, 1) * 1e6,
                       "locust_us": stage["cpu_s"].get("locust", 0) / max(app_n + edge_n, 1) * 1e6}
        print(f"   CPU per request: app {per_request['app_ms']:.1f} ms ({app_n / steady:.1f} req/s: heartbeats, "
              f"searches, pages; on PostgreSQL the database server's CPU is not in it), edge "
              f"{per_request['edge_us']:.0f} us ({edge_n / steady:.1f} req/s), Locust "
              f"{per_request['locust_us']:.0f} us")
        if stage.get("heartbeats_resent"):
            print(f"   heartbeats resent after their kept-alive connection closed unanswered (as a browser does; "
                  f"their time includes both attempts): {stage['heartbeats_resent']}")
        stages.append({
            "heartbeats_resent": stage.get("heartbeats_resent", 0),
            "cpu_per_request": {k: round(v, 2) for k, v in per_request.items()},
            "viewers": stage["viewers"], "passed": stage["passed"], "faults": stage["faults"],
            "segment_p99_ms": requests.get("steady: segment (edge)", {}).get("p99_ms"),
            "heartbeat_p99_ms": requests.get("steady: heartbeat", {}).get("p99_ms"),
            "segment_rps": requests.get("steady: segment (edge)", {}).get("count", 0) / steady,
            "bytes_per_s": sum(r["bytes"] for n, r in requests.items() if n.startswith("steady")) / steady,
            "cpu_share": {k: round(v, 3) for k, v in cpu.items()},
            "edge_cpu_s_per_s": stage["cpu_s"].get("edge", 0) / steady,
        })
    best = None
    for figures in stages:
        if not figures["passed"]:
            break
        best = figures
    return best or (stages[0] if stages else {"viewers": 0, "passed": False}), stages


def side_by_side(media: Path, prepared: dict, *, rung: str, rounds: int) -> float:
    """The edge against plain nginx static on the same segments (bench/common.py's edge_vs_static): the median of
    the rounds' requests-per-second ratios."""
    with tempfile.TemporaryDirectory(prefix="rh-load-") as tmp:
        names = sorted(p.relative_to(media / PACKAGE).as_posix() for p in (media / PACKAGE / rung).glob("*.m4s"))
        print(f"edge vs plain nginx static, side by side ({len(names)} segments of {rung}; one nginx worker "
              "and one wrk thread, as bench/edge.py):", flush=True)
        with edge_nginx(media_root=media, keys_conf=prepared["keys_conf"], workers=1) as probe:
            side = edge_vs_static(probe, [prepared["edge_prefix"].replace("http://127.0.0.1:1", "") + n
                                          for n in names], [f"/plain/{PACKAGE}/{n}" for n in names],
                                  rounds=rounds, seconds=2, connections=16, workdir=Path(tmp))
    ratio = statistics.median(e["rps"] / s["rps"] for e, s in zip(side["edge"], side["static"], strict=True))
    print(f"edge / static {ratio:.3f}x (median of the rounds' ratios)", flush=True)
    return ratio


def load_host(stack: contextlib.ExitStack) -> tuple[str, object]:
    """--netns: a host of its own for Locust (tests/fleet.py: a network namespace on a bridge, reached through a
    veth pair, as a remote client crosses a real interface instead of loopback). Returns the address the servers
    listen on (the bridge's) and the wrapper that runs a command on that host; torn down with the stack."""
    from tests.fleet import fleet

    hosts = stack.enter_context(fleet(["loadgen"]))
    return hosts.gateway, hosts["loadgen"].command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100, 300, 1000 viewers (about 3 minutes)")
    parser.add_argument("--smoke", action="store_true", help="10 viewers for 15 s on a tiny catalog (functional)")
    parser.add_argument("--stages", help="viewers:steady-seconds,... (default: the mode's)")
    parser.add_argument("--spawn-rate", type=float, help="users started per second (default: the mode's)")
    parser.add_argument("--browsers", type=int, help="browsers besides the viewers (default: the mode's; 0 leaves "
                        "the app heartbeats and starts only, so its CPU per request is a heartbeat's)")
    parser.add_argument("--rung", default="v360", help="the rendition viewers fetch (default v360, the smallest: "
                        "Locust shares the box, and the edge's CPU per request barely depends on the size)")
    parser.add_argument("--var", help="the var directory (default var/bench-load, or var/bench-load-smoke)")
    parser.add_argument("--keep-going", action="store_true", help="run every stage even after one fails")
    parser.add_argument("--netns", action="store_true", help="run Locust on a host of its own (a network namespace "
                        "on a bridge, tests/fleet.py; root and iproute2): the load crosses an interface, not loopback")
    parser.add_argument("--load-only", action="store_true", help="skip the transcode figure and the edge-vs-static "
                        "comparison when an earlier run left the package (for repeated load runs)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as `reelhouse run`)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: `reelhouse run`'s with "
                        "an edge, settings.REELHOUSE_WEB_THREADS)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help=f"the embedded default (SQLite) or PostgreSQL (BENCH_LOAD_PG_URL, default {PG_URL}; "
                             "its own var directory, <var>-pg, for media)")
    args = parser.parse_args()
    mode = dict(MODES["smoke" if args.smoke else "quick" if args.quick else "full"])
    if args.stages:
        mode["stages"] = [tuple(int(x) for x in s.split(":")) for s in args.stages.split(",")]
    if args.spawn_rate:
        mode["spawn_rate"] = args.spawn_rate
    if args.browsers is not None:
        mode["browsers"] = args.browsers
    cores = os.cpu_count()
    started = time.monotonic()
    print(f"bench/load.py ({args.db}): stages {', '.join(f'{v}:{s}s' for v, s in mode['stages'])} viewers, "
          f"{mode['browsers']} browsers, {cores} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    raise_open_files()
    var = Path(args.var) if args.var else ROOT / "var" / (mode["var"] + ("-pg" if args.db == "postgresql" else ""))
    var.mkdir(parents=True, exist_ok=True)
    media = var / "media"
    keys = f"lb1:{secrets.token_urlsafe(32)}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REELHOUSE_TESTING")} | {
        "REELHOUSE_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", "REELHOUSE_EDGE_KEYS": keys,
        "REELHOUSE_EDGE_URL": "http://127.0.0.1:1",  # the prepared prefix's origin; the server gets the real one
        "REELHOUSE_SIGNIN_ATTEMPTS": "1000000", "REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT": "1000000"}
    if args.db == "postgresql":
        ensure_pg_database(PG_URL)
        env["DATABASE_URL"] = PG_URL
    t0 = time.monotonic()
    manage(env, "migrate", "--skip-checks", "-v", "0")
    manage(env, "seed_scale", "--skip-checks", *mode["seed"])
    if args.threads is None:  # env names an edge, as the server's will
        args.threads = last_json(manage(env, "shell", "-c", "import json; from django.conf import settings; "
                                        "print(json.dumps({'threads': settings.REELHOUSE_WEB_THREADS}))",
                                        capture=True))["threads"]
    print(f"catalog ready in {time.monotonic() - t0:.0f} s", flush=True)

    if args.load_only and (media / PACKAGE / "package.json").exists():
        figures = None
        print("--load-only: no transcode figure, no edge-vs-static comparison (the package of an earlier run)")
    else:
        figures = transcode(env, seconds=mode["source_s"], size=mode["size"], media=media)
    viewers_max = max(v for v, _ in mode["stages"])
    spec = {"package": package_info(media), "viewers": viewers_max, "browsers": mode["browsers"], "rung": args.rung}
    t0 = time.monotonic()
    prepared = last_json(manage(env | {"LOAD_SPEC": json.dumps(spec)}, "shell", "-c", PREPARE, capture=True))
    print(f"accounts, sessions and the package prepared in {time.monotonic() - t0:.0f} s", flush=True)
    db = prepared["db"]
    per_100k = db["total_bytes"] * 100_000 / db["episodes"]
    catalog_bytes = sum(db["by_app"].get(app, 0) for app in ("catalog", "media", "rights"))
    print(f"database {db['total_bytes'] / 2**20:,.0f} MiB for {db['episodes']:,} episodes: {per_100k / 2**20:,.0f} MiB "
          f"per 100,000 episodes with the audience in proportion (catalog, media, rights tables alone "
          f"{catalog_bytes * 100_000 / db['episodes'] / 2**20:,.0f} MiB); largest: " + ", ".join(
              f"{app} {size / 2**20:,.0f} MiB" for app, size in sorted(db["by_app"].items(), key=lambda x: -x[1])[:5]),
          flush=True)
    if prepared["granted"]:
        print(f"granted a subscription to {prepared['granted']:,} seeded subscribers", flush=True)
    seg_s = segment_seconds(media, args.rung)

    edge_vs_nginx = None
    if figures is not None:
        edge_vs_nginx = side_by_side(media, prepared, rung=args.rung, rounds=mode["rounds"])
    with tempfile.TemporaryDirectory(prefix="rh-load-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        address, wrap = "127.0.0.1", None
        if args.netns:
            address, wrap = load_host(stack)
        edge = stack.enter_context(edge_nginx(media_root=media, keys_conf=prepared["keys_conf"], workers=2,
                                              listen=address))
        port = free_port()
        server = gunicorn_start(env | {"REELHOUSE_EDGE_URL": edge.url, "REELHOUSE_ALLOWED_HOSTS": address},
                                port, workers=args.workers, threads=args.threads, host=address)
        try:
            plan = {"viewers": prepared["viewers"], "browser_accounts": prepared["browser_accounts"],
                    "password": "scale-viewer-password", "works": prepared["works"], "slugs": prepared["slugs"],
                    "words": TYPED, "rung": args.rung, "segment_s": seg_s, "duration_s": spec["package"]["duration_s"],
                    "heartbeat_s": 30, "stages": mode["stages"], "settle_s": mode["settle_s"],
                    "spawn_rate": mode["spawn_rate"], "browsers": mode["browsers"],
                    "browser_arrival_s": 2 if args.smoke else 10, "stop_on_fail": not args.keep_going,
                    "p99_limit_ms": P99_LIMIT_MS, "ramp_limit_s": 60 + viewers_max / mode["spawn_rate"] * 2,
                    "pids": {"app": server.pid, "edge": int((edge.prefix / "nginx.pid").read_text())}}
            limit = sum(plan["ramp_limit_s"] + mode["settle_s"] + hold for _, hold in mode["stages"]) + 60
            print(f"\nLocust{' on its own network namespace (--netns)' if args.netns else ''}: {seg_s:.1f}-s "
                  f"segments of {args.rung}, heartbeats every 30 s, spawn {mode['spawn_rate']}/s; server gunicorn "
                  f"gthread {args.workers}x{args.threads} on {address}:{port}, edge {edge.url}", flush=True)
            results = run_locust(plan, host=f"http://{address}:{port}", workdir=workdir, limit_s=limit, wrap=wrap)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # its graceful stop outlasted 30 s (seen with 2,000+ viewers'
                # connections open); the results are in hand: kill the master and its workers instead of losing them
                for proc in [*psutil.Process(server.pid).children(recursive=True), psutil.Process(server.pid)]:
                    with contextlib.suppress(psutil.Error):
                        proc.kill()
                server.wait()
    best, stages = report(results, cores=cores)
    errors = sum(r["errors"] for s in results["stages"] for r in s["requests"].values()) \
        + results["unfinished_stage_errors"]
    totals: dict[str, int] = {}  # requests per kind over the whole run (ramps and steady windows)
    for stage in results["stages"]:
        for name, r in stage["requests"].items():
            kind = name.split(": ", 1)[1]
            totals[kind] = totals.get(kind, 0) + r["count"]
    for line in results["first_errors"][:10]:
        print(f"   error: {line}")
    edge_core = best.get("edge_cpu_s_per_s") or 0
    per_edge_core = best["viewers"] / edge_core if edge_core else None
    print(f"\nlargest passing stage: {best.get('viewers') if best.get('passed') else 0:,} viewers "
          f"(goal 3,700); segments p99 {best.get('segment_p99_ms')} ms, heartbeats p99 {best.get('heartbeat_p99_ms')} "
          f"ms; {errors} errors in the run")
    if per_edge_core:
        print(f"viewers per edge core (nginx CPU at {best['viewers']:,} viewers, {args.rung}): {per_edge_core:,.0f}")
    if cpu := best.get("cpu_per_request"):
        # What 3,700 viewers would cost at the measured CPU per request (a heartbeat per 30 s at the app's average
        # cost per request of this window's mix, a video and an audio segment per segment-duration), against the
        # two cores the box has.
        goal = 3700
        seg_rps = goal * best["segment_rps"] / best["viewers"]
        app_cores, edge_cores = goal / 30 * cpu["app_ms"] / 1e3, seg_rps * cpu["edge_us"] / 1e6
        locust_cores = (seg_rps + goal / 30) * cpu["locust_us"] / 1e6
        print(f"at {goal:,} viewers by this CPU per request: app {app_cores:.2f} cores ({goal / 30:.0f} heartbeats/s), "
              f"edge {edge_cores:.2f} cores ({seg_rps:,.0f} segment req/s), Locust {locust_cores:.2f} cores; "
              f"the box has {cores}")
    print(f"took {time.monotonic() - started:.0f} s; load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps({
        "max_viewers": best["viewers"] if best.get("passed") else 0,
        "segment_p99_ms": best.get("segment_p99_ms"), "heartbeat_p99_ms": best.get("heartbeat_p99_ms"),
        "errors": errors, "edge_vs_nginx": round(edge_vs_nginx, 3) if edge_vs_nginx else None,
        "stages": [{"viewers": s["viewers"], "passed": s["passed"], "faults": s["faults"],
                    "cpu_share": s["cpu_share"], "segment_p99_ms": s["segment_p99_ms"],
                    "heartbeat_p99_ms": s["heartbeat_p99_ms"], "heartbeats_resent": s["heartbeats_resent"]}
                   for s in stages],
        "requests": totals,
        "cpu_share": best.get("cpu_share"), "cpu_per_request": best.get("cpu_per_request"),
        "viewers_per_edge_core": round(per_edge_core) if per_edge_core else None,
        "segment_rps": round(best.get("segment_rps", 0), 1), "bytes_per_s": round(best.get("bytes_per_s", 0)),
        "transcode_media_s_per_wall_s_1core": round(figures["speed"], 3) if figures else None,
        "transcode_media_s_per_cpu_s": round(figures["cpu_speed"], 3) if figures else None,
        "db_mib_per_100k_episodes": round(per_100k / 2**20, 1),
        "db_catalog_mib_per_100k_episodes": round(catalog_bytes * 100_000 / db["episodes"] / 2**20, 1),
        "db": args.db, "netns": args.netns, "rung": args.rung, "segment_s": seg_s,
        "load_avg_1m": round(os.getloadavg()[0], 1)}))


if __name__ == "__main__":
    main()
