"""Lighthouse scores of the subscriber's pages, signed in, on the demo catalog and on a (bounded) scale catalog.

Starts a real `reelhouse run` (gunicorn, workers, scheduler) in var/bench-lighthouse/demo with 2-second demo clips
and waits for the demo titles to publish; signs the demo viewer in (a session made in the database, sent to every
request through Lighthouse's extraHeaders); runs npm `lighthouse` (pinned in frontend/package.json) with Debian's
chromium on the landing, home, series, search, account, watch, Downloads (the app's offline page), offline, TV and
activate pages, mobile and desktop. Then copies that database to var/bench-lighthouse/scale, adds a bounded scale
catalog (seed_scale with --series etc.) and the periodic home rows, and runs the same pages again (a scale series).
Prints a table per catalog; never asserts. Last line: one JSON object whose `min_score` is the lowest score of any
category on any page.

    .venv/bin/python bench/lighthouse.py [--catalogs demo,scale] [--forms mobile,desktop] [--pages home,search]
    .venv/bin/python bench/lighthouse.py --catalogs demo --screenshots docs/screenshots --suffix after

--screenshots DIR photographs the same pages (Playwright, chromium) at phone (390 px), laptop (1280 px) and TV
(1920 px) widths into DIR/<page>-<width>-<suffix>.png instead of scoring them.
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
LIGHTHOUSE = ROOT / "frontend" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
BASE = ROOT / "var" / "bench-lighthouse"
PASSWORD = "lighthouse-bench-Passw0rd"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}
# A scale catalog a laptop seeds in a minute or two: the shape of the real one, a tenth of its size or less.
SCALE = ["--series", "600", "--episodes", "12000", "--films", "1000", "--subscribers", "2000",
         "--progress-rows", "60000", "--plays-7d", "8000", "--daily-shows", "8"]

PREPARE = r"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from reelhouse.accounts.models import User
from reelhouse.catalog.models import Episode, Series
from reelhouse.catalog.rankings import home_rankings_refresh
from reelhouse.embedded.setup import VIEWER_EMAIL
scale = Series.objects.filter(slug__startswith="scale-").exists()
if scale:
    home_rankings_refresh()
user = User.objects.get(email=VIEWER_EMAIL)
profile = user.profiles.order_by("pk").first()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session["reelhouse_profile_id"] = profile.pk
session.create()
episode = Episode.objects.filter(assets__isnull=False).order_by("pk").first()
if scale:  # a scale series the viewer may see where they live; the watch page plays a demo episode (scale ones
    # have no media)
    from reelhouse.catalog.selectors import entries_visible
    slug = (entries_visible(profile, user.country).filter(kind="series", slug__startswith="scale-")
            .order_by("pk").values_list("slug", flat=True).first())
    series = Series.objects.get(slug=slug)
else:
    series = episode.series
from reelhouse.playback.models import ResumePoint
# a title half watched, as a subscriber's account has: the continue-watching row and the progress bars show
ResumePoint.objects.get_or_create(profile=profile, work=episode,
                                  defaults={"position_s": 1.0, "duration_s": 2.0})
print(json.dumps({"session": session.session_key, "series": series.slug, "watch": episode.pk,
                  "query": series.title.split()[0]}))
"""


def env_for(var: Path) -> dict:
    env = os.environ | {"REELHOUSE_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", "REELHOUSE_DEMO_SECONDS": "2",
                        "REELHOUSE_X264_PRESET": "ultrafast", "REELHOUSE_DEMO_PASSWORD": PASSWORD,
                        "REELHOUSE_STAFF_REQUIRE_2FA": "0"}
    for name in ("REELHOUSE_TESTING", "DATABASE_URL"):
        env.pop(name, None)
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([PYTHON, "-m", "reelhouse.manage", *args], env=env, cwd=ROOT, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None)
    return result.stdout or ""


def published(var: Path) -> tuple[int, int]:
    """(published, all) deliveries; (0, 0) before the database exists."""
    try:
        with sqlite3.connect(var / "reelhouse.sqlite3", timeout=10) as db:
            rows = dict(db.execute("SELECT state, COUNT(*) FROM ingest_delivery GROUP BY state").fetchall())
    except sqlite3.Error:
        return 0, 0
    return rows.get("published", 0), sum(rows.values())


class Server:
    """`reelhouse run` on a free port until stopped."""

    def __init__(self, var: Path):
        self.env = env_for(var)
        self.port = free_port()
        var.mkdir(parents=True, exist_ok=True)
        self.log = open(var / "bench-run.log", "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([PYTHON, "-m", "reelhouse.manage", "run", "--port", str(self.port),
                                      "--start-timeout", "600"],
                                     env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"reelhouse run exited; see {var / 'bench-run.log'}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("reelhouse run did not answer within 900 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_demo(var: Path, bound_s: float = 900) -> None:
    deadline = time.monotonic() + bound_s
    last = None
    while time.monotonic() < deadline:
        done, total = published(var)
        if (done, total) != last:
            print(f"   demo titles published: {done}/{max(total, 14)}", flush=True)
            last = (done, total)
        if done >= 14:
            return
        time.sleep(2)
    raise SystemExit(f"the demo titles did not publish within {bound_s:.0f} s")


def lighthouse(url: str, *, form: str, session: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               "--only-categories=" + ",".join(CATEGORIES),
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
               "--extra-headers=" + json.dumps({"Cookie": f"sessionid={session}"} if session else {})]
        if form == "desktop":
            cmd.append("--preset=desktop")
        result = subprocess.run(cmd, env=os.environ | {"CHROME_PATH": CHROME}, capture_output=True, text=True,
                                timeout=300)
        if not out.exists():
            return {"error": (result.stderr or result.stdout)[-300:]}
        report = json.loads(out.read_text())
    unscored = [c for c in CATEGORIES if report["categories"][c]["score"] is None]
    if unscored:  # Lighthouse could not score it (a run error, e.g. no paint under a busy machine): not a 0
        broken = [f"{a['id']}: {a.get('errorMessage', '')[:80]}" for a in report["audits"].values()
                  if a.get("errorMessage")][:3]
        return {"error": f"{', '.join(unscored)} not scored: "
                         f"{(report.get('runtimeError') or {}).get('message', '')} {'; '.join(broken)}"}
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = sorted(
        {a["id"] for c in CATEGORIES for ref in report["categories"][c]["auditRefs"] if ref["weight"]
         for a in [report["audits"][ref["id"]]] if a["score"] is not None and a["score"] < 1 and c != "performance"})
    console = [item.get("description", "")[:160] for item in
               (report["audits"]["errors-in-console"].get("details") or {}).get("items", [])]
    return scores | {"failing": failing, "console": console, "warnings": report.get("runWarnings", [])}


WIDTHS = {"phone": (390, 844), "laptop": (1280, 800), "tv": (1920, 1080)}


def photograph(url: str, pages: dict, *, session: str, folder: Path, suffix: str) -> None:
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROME, args=["--no-sandbox", "--disable-gpu"])
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US",
                                          device_scale_factor=1)
            context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
            page = context.new_page()
            for name, path in pages.items():
                page.goto(url + path, wait_until="networkidle")
                if name == "watch":
                    page.evaluate("document.querySelector('video') && document.querySelector('video').pause()")
                target = folder / f"{name}-{device}-{suffix}.png"
                page.screenshot(path=str(target))
                print(f"   {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}", flush=True)
            context.close()
        browser.close()


def run_catalog(name: str, var: Path, forms: list[str], only: set[str], shots: tuple | None = None) -> dict:
    server = Server(var)
    try:
        if name == "demo":
            wait_demo(var)
        info = json.loads(manage(server.env, "shell", "-c", PREPARE, capture=True).strip().splitlines()[-1])
        pages = {"landing": "/welcome/", "home": "/", "series": f"/series/{info['series']}/",
                 "search": f"/search/?q={info['query']}", "account": "/account/", "watch": f"/watch/{info['watch']}/",
                 "downloads": "/downloads/", "offline": "/offline/", "tv": "/tv/", "activate": "/activate"}
        if only:
            pages = {k: v for k, v in pages.items() if k in only}
        if shots:
            photograph(server.url, pages, session=info["session"], folder=shots[0], suffix=shots[1])
            return {}
        results = {}
        print(f"\n== {name} catalog  ({server.url})")
        print(f"   {'page':10s} {'form':8s} " + " ".join(f"{SHORT[c]:>5s}" for c in CATEGORIES) + "  failing audits")
        for page, path in pages.items():
            for form in forms:
                # /tv/ is the sign-in screen of a TV that is not signed in yet (signed in, it goes home)
                r = lighthouse(server.url + path, form=form, session="" if page == "tv" else info["session"])
                results[f"{page}/{form}"] = r
                if "error" in r:
                    print(f"   {page:10s} {form:8s} lighthouse failed: {r['error']}", flush=True)
                    continue
                print(f"   {page:10s} {form:8s} " + " ".join(f"{r[c]:5d}" for c in CATEGORIES) + "  "
                      + ", ".join(r["failing"]), flush=True)
                for line in r["console"] + r["warnings"]:
                    print(f"   {'':19s} {line}", flush=True)
        return results
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", default="demo,scale")
    parser.add_argument("--forms", default="mobile,desktop")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--screenshots", type=Path, help="photograph the pages into this folder instead")
    parser.add_argument("--suffix", default="now", help="end of the screenshots' names (before, after)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("npm lighthouse is missing: run `make install` (it is pinned in frontend/package.json)")
    forms = args.forms.split(",")
    only = set(filter(None, args.pages.split(",")))
    catalogs = args.catalogs.split(",")
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    chrome = subprocess.run([CHROME, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"bench/lighthouse.py: lighthouse {version}, {chrome}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    summary: dict = {}
    demo = BASE / "demo"
    if args.screenshots:
        run_catalog("demo", demo, forms, only, (args.screenshots.resolve(), args.suffix))
        return
    if "demo" in catalogs:
        summary["demo"] = run_catalog("demo", demo, forms, only)
    if "scale" in catalogs:
        scale = BASE / "scale"
        if not (scale / "reelhouse.sqlite3").exists():
            if published(demo)[0] < 14:  # the scale run keeps the demo titles (the watch page plays one)
                server = Server(demo)
                try:
                    wait_demo(demo)
                finally:
                    server.stop()
            shutil.copytree(demo, scale, ignore=shutil.ignore_patterns("prometheus", "*.log"))
        print("\n== scale catalog: seed (skipped when present)", flush=True)
        manage(env_for(scale), "migrate", "--skip-checks", "-v", "0")  # a copy made before newer migrations
        manage(env_for(scale), "seed_scale", "--skip-checks", *SCALE)
        summary["scale"] = run_catalog("scale", scale, forms, only)
    scores = [r[c] for runs in summary.values() for r in runs.values() if "error" not in r for c in CATEGORIES]
    errors = sum("error" in r for runs in summary.values() for r in runs.values())
    figures = {f"{cat}/{key}": {SHORT[c]: r[c] for c in CATEGORIES}
               for cat, runs in summary.items() for key, r in runs.items() if "error" not in r}
    sys.stdout.flush()
    print(json.dumps({"min_score": min(scores) if scores else None, "runs": len(scores) // len(CATEGORIES),
                      "errors": errors, "scores": figures}))


if __name__ == "__main__":
    main()
