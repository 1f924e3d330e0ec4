"""Ingest benchmark: how many file names per second `reelhouse ingest identify` reads (the naming rules alone, and
with the sidecar lookups identify() adds), watch-folder scans of N small files (first sight, hashing pass, unchanged
rescan), the delay
from a file landing to its pick-up by filesystem notification (against the periodic scan's average wait), and a
partner feed download through a real local HTTP server (plain and resumed after a dropped connection). Prints
figures and never asserts. Last line: one JSON object.

    REELHOUSE_TESTING=1 .venv/bin/python bench/ingest.py [--names 10000] [--files 5000] [--mib 64] [--notify 20]
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
WORK = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
os.environ["REELHOUSE_VAR_DIR"] = str(WORK / "var")
os.environ.setdefault("REELHOUSE_STABLE_SECONDS", "0")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

settings.DATABASES["default"]["NAME"] = str(WORK / "bench.sqlite3")
settings.REELHOUSE_STABLE_SECONDS = 0
call_command("migrate", verbosity=0)

from reelhouse.ingest import outbound  # noqa: E402
from reelhouse.ingest.feeds import FeedEntry, download  # noqa: E402
from reelhouse.ingest.models import Source  # noqa: E402
from reelhouse.ingest.scan import source_scan  # noqa: E402
from reelhouse.rights.models import Licence, Licensor  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""
    drop = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        start = int(self.headers.get("Range", "bytes=0-")[6:-1] or 0)
        data = Handler.body[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(data)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(Handler.body) - 1}/{len(Handler.body)}")
        self.end_headers()
        if Handler.drop and not start:
            Handler.drop = False
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.wfile.write(data)


# Shapes of real library and delivery names (Jellyfin/Kodi layouts, Sonarr/Radarr, scene releases, anime, daily
# shows, films with and without a year); {t} is a title ({r} the same with dots, as releases write it), {n} a
# number, {y} a year, so every name is distinct.
NAME_SHAPES = (
    "{t} ({y})/Season 01/{t} - S01E{n:02d} - Pilot.mkv",
    "{t}/Season 2/{t} - 2x{n:02d} - Title.mkv",
    "{r}.S03E{n:02d}.1080p.WEB.h264-GRP.mkv",
    "{r}.S01E{n:02d}E{m:02d}.720p.HDTV.x264-GRP.mkv",
    "[Group] {t} - {n:03d} [1080p][ABCD1234].mkv",
    "[Group][{t}][{n:02d}].mkv",
    "{r}.{y}.12.{d:02d}.Guest.720p.WEB.h264-GRP.mkv",
    "{t} - {y}-05-{d:02d} - Guest.mkv",
    "{t} ({y})/{t} ({y}).mkv",
    "{r}.{y}.1080p.BluRay.x264-GRP.mkv",
    "Movies/{t} 480p.mp4",
    "{t} ({y})/trailers/Teaser {n}.mkv",
    "{t} ({y})/{t} ({y})-trailer.mkv",
    "{t} Season {s}/{t} - S{s:02d}E{n:02d}.mkv",
    "{t}/Season 3/{t} Season 3 Episode {n} - Title.avi",
)
WORDS = ("Harbour", "Night", "Desk", "Quiet", "Hours", "Saga", "Tide", "Orchard", "Lantern", "Meridian", "Copper",
         "Winter", "Signal", "Atlas", "Ferry", "Garden", "Hollow", "Iris", "Juniper", "Kestrel", "Lumen", "Marble",
         "Nomad", "Opal", "Pilgrim", "Quarry", "Raven", "Saffron", "Thistle", "Umber", "Velvet", "Willow")


def names(count: int) -> list[str]:
    out = []
    for i in range(count):
        t = f"{WORDS[i % len(WORDS)]} {WORDS[(i // len(WORDS)) % len(WORDS)]} {WORDS[(i // 7) % len(WORDS)]}"
        n = i % 97 + 1
        out.append(NAME_SHAPES[i % len(NAME_SHAPES)].format(t=t, r=t.replace(" ", "."), n=n, m=n + 1,
                                                            y=1950 + i % 70, d=i % 28 + 1, s=i % 9 + 1))
    return out


def naming_speed(count: int) -> dict:
    """Names per second through the naming rules (identify_path) and through identify(), which the `reelhouse ingest
    identify` command calls for each path (naming plus NFO/artwork/subtitle lookups in a watch folder whose files are
    absent, so the cost is the name and the lookups, not disk reads). Every name is distinct (guessit's cache helps
    only as it would in a real library)."""
    from pathlib import PurePosixPath

    from reelhouse.ingest.identify import identify
    from reelhouse.ingest.naming import identify_path
    from reelhouse.ingest.naming.common import guess

    paths = names(count)
    identify_path(PurePosixPath("Warm.Up.S01E01.1080p.WEB.h264-GRP.mkv"))  # guessit builds its rules on first use
    guess.cache_clear()
    pure, kinds = timed(lambda: [identify_path(PurePosixPath(p)).kind for p in paths])
    guess.cache_clear()
    root = WORK / "names"
    root.mkdir(exist_ok=True)
    full, _ = timed(lambda: [identify(root / p, root) for p in paths])
    placed = sum(k != "other" for k in kinds)
    print(f"identify {count} names: naming rules {count / pure:,.0f} names/s ({pure:.2f} s), identify() with sidecar "
          f"lookups {count / full:,.0f} names/s ({full:.2f} s); {placed} of {count} placed (not 'other')")
    return {"names": count, "identify_path_names_per_s": round(count / pure),
            "identify_names_per_s": round(count / full), "names_placed": placed}


def notification_delays(source, folder: Path, count: int) -> dict:
    """Seconds from a file's last write to its delivery leaving WAITING, with only notifications running (the
    stability period is 0 here, so this is the notifier's own delay: inotify, the tick, one hash)."""
    import statistics

    from reelhouse.ingest.models import Delivery
    from reelhouse.ingest.watch import WatchNotifier

    start = time.perf_counter()
    notifier = WatchNotifier(tick_s=0.05, refresh_s=0.5).start()
    notifier.ready.wait(60)
    setup = time.perf_counter() - start
    delays = []
    for i in range(count):
        rel = f"Dropped/Dropped - S01E{i + 1:02d}.mkv"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(os.urandom(1 << 20))
        landed = time.perf_counter()
        while not Delivery.objects.filter(source=source, path=rel).exclude(state=Delivery.State.WAITING).exists():
            if time.perf_counter() - landed > 30:
                break
            time.sleep(0.01)
        delays.append(time.perf_counter() - landed)
    notifier.stop()
    scan_wait = settings.REELHOUSE_SCAN_INTERVAL / 2
    median = statistics.median(delays) if delays else 0.0
    print(f"notification: watching the {source.name} tree took {setup:.2f} s; pick-up delay median {median:.3f} s, "
          f"max {max(delays, default=0):.3f} s over {count} files (periodic scan alone: {scan_wait:.1f} s on average "
          f"with REELHOUSE_SCAN_INTERVAL={settings.REELHOUSE_SCAN_INTERVAL:g}, plus the scan itself; "
          f"{scan_wait / median if median else 0:.0f}x)")
    return {"notify_setup_s": round(setup, 3), "notify_delay_median_s": round(median, 4),
            "notify_delay_max_s": round(max(delays, default=0), 4), "scan_interval_avg_wait_s": scan_wait}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=10000, help="distinct file names for the identify speed")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--notify", type=int, default=20, help="files dropped one by one for the notification delay")
    args = parser.parse_args()
    naming = naming_speed(args.names)

    licensor = Licensor.objects.create(name="Bench")
    licence = Licence.objects.create(licensor=licensor, name="WW", starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    folder = WORK / "watch"
    for i in range(args.files):
        path = folder / f"Show {i // 100:03d}" / "Season 01" / f"Show {i // 100:03d} - S01E{i % 100:02d}.mkv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(4096))
    source = Source.objects.create(name="bench", path=str(folder), licensor=licensor, licence=licence)

    first, _ = timed(lambda: source_scan(source=source))
    hashing, report = timed(lambda: source_scan(source=source))
    rescan, _ = timed(lambda: source_scan(source=source))
    print(f"scan {args.files} files: first sight {first:.2f} s, hashing pass {hashing:.2f} s "
          f"({len(report.received)} received), unchanged rescan {rescan:.2f} s "
          f"({rescan / args.files * 1e6:.0f} us/file)")

    notify = notification_delays(source, folder, args.notify)

    Handler.body = os.urandom(args.mib * 1024 * 1024)
    digest = hashlib.sha256(Handler.body).hexdigest()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}/f.mkv"
    landing = WORK / "landing"
    landing.mkdir()
    results = {}
    bench_policy = outbound.Policy(allowed_networks=outbound.parse_networks("127.0.0.0/8"))  # the local server
    for name in ("resumed", "plain"):
        entry = FeedEntry(url=url, path=f"{name}.mkv", size=len(Handler.body), sha256=digest)
        start = time.perf_counter()
        for _ in range(3):
            try:
                download(entry, landing=landing, policy=bench_policy, feed_url=url, max_bytes=1 << 40)
                break
            except Exception as exc:  # the dropped connection: the next attempt resumes with a Range request
                print(f"  {name}: {exc}")
        elapsed = time.perf_counter() - start
        results[name] = elapsed
        print(f"download {args.mib} MiB {name}: {elapsed:.2f} s ({args.mib / elapsed:.0f} MiB/s incl. sha256)")
    httpd.shutdown()
    print(json.dumps({"files": args.files, "scan_first_s": round(first, 3), "scan_hashing_s": round(hashing, 3),
                      "scan_unchanged_s": round(rescan, 3), "download_mib": args.mib,
                      "download_plain_s": round(results["plain"], 3),
                      "download_resumed_s": round(results["resumed"], 3)} | notify | naming))


if __name__ == "__main__":
    main()
