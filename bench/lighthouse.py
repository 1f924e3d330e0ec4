"""Lighthouse scores of the subscriber's pages, signed in, on the demo catalog and on a (bounded) scale catalog.

Starts a real `reelhouse run` (gunicorn, workers, scheduler) in var/bench-lighthouse/demo with 2-second demo clips
and waits for the demo titles to publish (once: the folder is kept, keyed by the demo code's version). Starts one
headless Debian chromium per catalog with a debugging port; Lighthouse (npm `lighthouse`, pinned in
frontend/package.json) attaches to it for every page in turn from one Node process (bench/lighthouse_runner.mjs: its
audits load once), so the browser starts once and the pages run one after another on a quiet CPU. The landing page
(a visitor's) and the TV page (a TV not signed in yet) run first; then the demo viewer signs in for real in that
browser (the sign-in form, then the profile), so every page carries the session and CSRF cookies the browser was
given and the watch page's playback start (a CSRF-checked POST) succeeds: its row shows the start's status and the
number of stream segments fetched during the run. Pages: landing, home, series, search, account, watch, Downloads
(the app's offline page), offline, TV and activate, mobile and desktop; a run Lighthouse could not record is tried
once more. Then a copy of that database gets a bounded scale catalog (seed_scale with --series etc., kept in
var/bench-lighthouse/scale and rebuilt only when the seed arguments or the seeding code change) and the same pages
run again (a scale series). Prints a table per catalog and where the time went; never asserts. Last line: one JSON
object whose `min_score` is the lowest score of any category on any page.

    .venv/bin/python bench/lighthouse.py [--catalogs demo,scale] [--forms mobile,desktop] [--pages home,search]
    .venv/bin/python bench/lighthouse.py --catalogs demo --screenshots docs/screenshots --suffix after
    .venv/bin/python bench/lighthouse.py --pages home --forms mobile --reports /tmp/lh   # keep the JSON reports

--screenshots DIR photographs the same pages (Playwright, chromium) at phone (390 px), laptop (1280 px) and TV
(1920 px) widths into DIR/<page>-<width>-<suffix>.png instead of scoring them.
"""

import argparse
import hashlib
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
LIGHTHOUSE_PACKAGE = ROOT / "frontend" / "node_modules" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
BASE = ROOT / "var" / "bench-lighthouse"
PASSWORD = "lighthouse-bench-Passw0rd"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}
# A scale catalog a laptop seeds in a minute or two: the shape of the real one, a tenth of its size or less. No
# content fingerprints: no page shows them.
SCALE = ["--series", "600", "--episodes", "12000", "--films", "1000", "--subscribers", "2000",
         "--progress-rows", "60000", "--plays-7d", "8000", "--daily-shows", "8", "--no-fingerprints"]
# The code that makes each cached folder: when it changes, the folder is made again.
DEMO_CODE = ["reelhouse/embedded/demo_library.py", "reelhouse/embedded/setup.py",
             "reelhouse/embedded/management/commands/run.py"]
SCALE_CODE = ["reelhouse/catalog/seeding.py", "reelhouse/playback/seeding.py",
              "reelhouse/playback/management/commands/seed_scale.py"]
# chrome-launcher's own flags (what `lighthouse` passes when it starts chromium itself), for the one we start
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
                "CalculateNativeWinOcclusion,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,"
                "AutofillServerCommunication,PrivacySandboxSettings4", "--disable-extensions",
                "--disable-component-extensions-with-background-pages", "--disable-background-networking",
                "--disable-component-update", "--disable-client-side-phishing-detection", "--disable-sync",
                "--metrics-recording-only", "--disable-default-apps", "--mute-audio", "--no-default-browser-check",
                "--no-first-run", "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling", "--disable-ipc-flooding-protection",
                "--password-store=basic", "--use-mock-keychain", "--disable-hang-monitor",
                "--disable-prompt-on-repost", "--disable-domain-reliability"]

PREPARE = r"""
import json
from reelhouse.accounts.models import User
from reelhouse.catalog.models import Episode, Series
from reelhouse.catalog.rankings import home_rankings_refresh
from reelhouse.embedded.setup import VIEWER_EMAIL
scale = Series.objects.filter(slug__startswith="scale-").exists()
if scale:
    home_rankings_refresh()
user = User.objects.get(email=VIEWER_EMAIL)
profile = user.profiles.order_by("pk").first()
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
print(json.dumps({"email": VIEWER_EMAIL, "profile": profile.pk, "series": series.slug, "watch": episode.pk,
                  "query": series.title.split()[0]}))
"""


class Clock:
    """Where the bench's time goes: seconds per phase, printed at the end."""

    def __init__(self):
        self.spent: dict[str, float] = {}

    def add(self, phase: str, started: float) -> None:
        self.spent[phase] = self.spent.get(phase, 0.0) + time.monotonic() - started


CLOCK = Clock()


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


def code_key(files: list[str], *extra: str) -> str:
    """A short hash of these source files and arguments: the version of what a cached folder was made by."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for name in files:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def cached(var: Path, key: str) -> bool:
    """Whether `var` was made by this `key`; otherwise it is removed, to be made again."""
    if (var / "bench-key").exists() and (var / "bench-key").read_text() == key:
        return True
    if var.exists():
        print(f"   {var.relative_to(ROOT)}: made by other code or arguments, made again", flush=True)
        shutil.rmtree(var)
    return False


def published(var: Path) -> tuple[int, int]:
    """(published, all) deliveries; (0, 0) before the database exists."""
    try:
        with sqlite3.connect(var / "reelhouse.sqlite3", timeout=10) as db:
            rows = dict(db.execute("SELECT state, COUNT(*) FROM ingest_delivery GROUP BY state").fetchall())
    except sqlite3.Error:
        return 0, 0
    return rows.get("published", 0), sum(rows.values())


def wait_for(url: str, what: str, bound_s: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{what} did not answer within {bound_s:.0f} s")


class Server:
    """`reelhouse run` on a free port until stopped."""

    def __init__(self, var: Path):
        started = time.monotonic()
        self.env = env_for(var)
        self.port = free_port()
        var.mkdir(parents=True, exist_ok=True)
        self.log = open(var / "bench-run.log", "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([PYTHON, "-m", "reelhouse.manage", "run", "--port", str(self.port),
                                      "--start-timeout", "600"],
                                     env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(self.url + "/healthz", f"reelhouse run (see {var / 'bench-run.log'})", 900, self.proc)
        CLOCK.add("server start", started)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Chromium:
    """One headless chromium with a debugging port, which Lighthouse attaches to (--port) for every page."""

    def __init__(self):
        self.profile = tempfile.TemporaryDirectory(prefix="bench-lighthouse-chromium-")
        self.port = free_port()
        self.proc = subprocess.Popen([CHROME, *CHROME_FLAGS, f"--remote-debugging-port={self.port}",
                                      f"--user-data-dir={self.profile.name}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{self.port}/json/version", "chromium", 60, self.proc)

    def sign_in(self, url: str, info: dict) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.connect_over_cdp(f"http://127.0.0.1:{self.port}")
            page = browser.contexts[0].new_page()
            sign_in(page, url, info)
            page.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.profile.cleanup()


def sign_in(page, url: str, info: dict) -> None:
    """The demo viewer signs in with the sign-in form and enters their first profile, as a person does."""
    page.goto(url + "/accounts/login/?next=/")
    page.fill("#id_username", info["email"])
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/profiles/" in page.url:
        page.click(f"form[action$='/profiles/{info['profile']}/enter/'] button")
        page.wait_for_load_state()
    if "/accounts/" in page.url:
        raise SystemExit(f"the demo viewer could not sign in: the browser is on {page.url}")


def wait_demo(var: Path, bound_s: float = 900) -> None:
    started = time.monotonic()
    deadline = started + bound_s
    last = None
    while time.monotonic() < deadline:
        done, total = published(var)
        if (done, total) != last:
            print(f"   demo titles published: {done}/{max(total, 14)}", flush=True)
            last = (done, total)
        if done >= 14:
            CLOCK.add("demo publish wait", started)
            return
        time.sleep(1)
    raise SystemExit(f"the demo titles did not publish within {bound_s:.0f} s")


def playback(report: dict) -> dict:
    """The watch page's playback during the run: the start POST's status and the stream segments fetched."""
    requests = (report["audits"].get("network-requests", {}).get("details") or {}).get("items", [])
    starts = [r.get("statusCode") for r in requests if r["url"].split("?")[0].endswith("/start")]
    segments = [r for r in requests if "/stream/" in r["url"] and ".m3u8" not in r["url"]
                and r.get("statusCode") == 200]
    return {"start": starts[0] if starts else None, "segments": len(segments)}


def lighthouse(jobs: list[tuple[str, str, str]], *, port: int, folder: Path):
    """Lighthouse on each (name, url, form) in turn, in one Node process (bench/lighthouse_runner.mjs) attached to
    the chromium on `port`; yields each page's result as soon as it is done. Reports are written into `folder`."""
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    todo = [{"url": url, "form": form, "categories": CATEGORIES, "out": str(folder / f"{name}-{form}.json")}
            for name, url, form in jobs]
    for job in todo:
        Path(job["out"]).unlink(missing_ok=True)
    runner = subprocess.Popen(["node", str(ROOT / "bench" / "lighthouse_runner.mjs"), str(LIGHTHOUSE_PACKAGE),
                               str(port), json.dumps(todo)], stdout=subprocess.PIPE, text=True,
                              env=os.environ | {"CHROME_PATH": CHROME})
    try:
        for job, line in zip(todo, runner.stdout, strict=False):
            CLOCK.add("lighthouse runs", started)
            started = time.monotonic()
            done = json.loads(line)
            out = Path(job["out"])
            if "error" in done or not out.exists():
                yield {"error": done.get("error", "no report")}
                continue
            yield score(json.loads(out.read_text()))
    finally:
        runner.wait(timeout=60)
    if runner.returncode:
        raise SystemExit(f"bench/lighthouse_runner.mjs exited with {runner.returncode}")


def score(report: dict) -> dict:
    """The categories' scores of one Lighthouse report, the audits that cost points, its console errors."""
    unscored = [c for c in CATEGORIES if report["categories"][c]["score"] is None]
    if unscored:  # Lighthouse could not score it (a run error, e.g. no paint under a busy machine): not a 0
        broken = [f"{a['id']}: {a.get('errorMessage', '')[:80]}" for a in report["audits"].values()
                  if a.get("errorMessage")][:3]
        return {"error": f"{', '.join(unscored)} not scored: "
                         f"{(report.get('runtimeError') or {}).get('message', '')} {'; '.join(broken)}"}
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = sorted(
        {f"{a['id']}" + (f"({round(a['score'] * 100)})" if c == "performance" else "")
         for c in CATEGORIES for ref in report["categories"][c]["auditRefs"] if ref["weight"]
         for a in [report["audits"][ref["id"]]]
         if a["score"] is not None and a["score"] < (0.9 if c == "performance" else 1)})
    console = [item.get("description", "")[:160] for item in
               (report["audits"]["errors-in-console"].get("details") or {}).get("items", [])]
    return scores | {"failing": failing, "console": console, "warnings": report.get("runWarnings", []),
                     "playback": playback(report)}


SIGNED_OUT = {"tv", "landing"}
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800), "tv": (1920, 1080)}


def photograph(url: str, pages: dict, *, info: dict, folder: Path, suffix: str) -> None:
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROME, args=["--no-sandbox", "--disable-gpu"])
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US",
                                          device_scale_factor=1)
            page = context.new_page()
            sign_in(page, url, info)
            for name, path in pages.items():
                page.goto(url + path, wait_until="networkidle")
                if name == "watch":
                    page.evaluate("document.querySelector('video') && document.querySelector('video').pause()")
                target = folder / f"{name}-{device}-{suffix}.png"
                page.screenshot(path=str(target))
                print(f"   {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}", flush=True)
            context.close()
        browser.close()


def report_row(page: str, form: str, r: dict) -> None:
    if "error" in r:
        print(f"   {page:10s} {form:8s} lighthouse failed: {r['error']}", flush=True)
        return
    played = (f"  [playback start {r['playback']['start']}, {r['playback']['segments']} segments]"
              if page == "watch" else "")
    print(f"   {page:10s} {form:8s} " + " ".join(f"{r[c]:5d}" for c in CATEGORIES) + "  "
          + ", ".join(r["failing"]) + played, flush=True)
    for line in r["console"] + r["warnings"]:
        print(f"   {'':19s} {line}", flush=True)


def run_catalog(name: str, var: Path, forms: list[str], only: set[str], shots: tuple | None = None,
                reports: Path | None = None) -> dict:
    server = Server(var)
    chromium = None
    try:
        if name == "demo":
            wait_demo(var)
        info = json.loads(manage(server.env, "shell", "-c", PREPARE, capture=True).strip().splitlines()[-1])
        # the landing page is a visitor's and /tv/ the sign-in screen of a TV not signed in yet (signed in, both go
        # home): they run first, before the viewer signs in
        pages = {"tv": "/tv/", "landing": "/welcome/", "home": "/", "series": f"/series/{info['series']}/",
                 "search": f"/search/?q={info['query']}", "account": "/account/", "watch": f"/watch/{info['watch']}/",
                 "downloads": "/downloads/", "offline": "/offline/", "activate": "/activate"}
        if only:
            pages = {k: v for k, v in pages.items() if k in only}
        if shots:
            photograph(server.url, pages, info=info, folder=shots[0], suffix=shots[1])
            return {}
        started = time.monotonic()
        chromium = Chromium()
        CLOCK.add("chromium start and sign-in", started)
        results = {}
        print(f"\n== {name} catalog  ({server.url})")
        print(f"   {'page':10s} {'form':8s} " + " ".join(f"{SHORT[c]:>5s}" for c in CATEGORIES)
              + "  failing audits (performance ones below 90, with their score)")
        folder = reports or Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
        for signed_out in (True, False):
            if not signed_out:
                started = time.monotonic()
                chromium.sign_in(server.url, info)
                CLOCK.add("chromium start and sign-in", started)
            jobs = [(page, form) for page in pages if (page in SIGNED_OUT) == signed_out for form in forms]
            runs = lighthouse([(page, server.url + pages[page], form) for page, form in jobs], port=chromium.port,
                              folder=folder / name)
            for (page, form), r in zip(jobs, runs, strict=True):
                results[f"{page}/{form}"] = r
                report_row(page, form, r)
            # a run Lighthouse could not record (e.g. no trace on a busy machine): once more, after the others (one
            # page at a time)
            again = [(page, form) for page, form in jobs if "error" in results[f"{page}/{form}"]]
            runs = lighthouse([(page, server.url + pages[page], form) for page, form in again], port=chromium.port,
                              folder=folder / name)
            for (page, form), r in zip(again, runs, strict=True):
                print(f"   {page:10s} {form:8s} once more:", flush=True)
                results[f"{page}/{form}"] = r
                report_row(page, form, r)
        if not reports:
            shutil.rmtree(folder, ignore_errors=True)
        return results
    finally:
        if chromium:
            chromium.stop()
        server.stop()


def demo_ready(demo: Path) -> None:
    """The demo folder with its titles published, made once per version of the demo code."""
    if cached(demo, code_key(DEMO_CODE)) and published(demo)[0] >= 14:
        return
    server = Server(demo)
    try:
        wait_demo(demo)
    finally:
        server.stop()
    (demo / "bench-key").write_text(code_key(DEMO_CODE))


def scale_ready(demo: Path, scale: Path) -> None:
    """A copy of the demo folder with the scale catalog seeded, made again when the seed arguments or code change."""
    key = code_key(SCALE_CODE + DEMO_CODE, *SCALE)
    if cached(scale, key):
        print("\n== scale catalog: seeded before by the same code and arguments, kept", flush=True)
    else:
        demo_ready(demo)  # the scale run keeps the demo titles (the watch page plays one)
        started = time.monotonic()
        shutil.copytree(demo, scale, ignore=shutil.ignore_patterns("prometheus", "*.log", "bench-key"))
        print("\n== scale catalog: seed", flush=True)
        manage(env_for(scale), "seed_scale", "--skip-checks", *SCALE)
        (scale / "bench-key").write_text(key)
        CLOCK.add("scale seeding", started)
    started = time.monotonic()
    manage(env_for(scale), "migrate", "--skip-checks", "-v", "0")  # a copy made before newer migrations
    CLOCK.add("scale migrate", started)


def main() -> None:
    began = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", default="demo,scale")
    parser.add_argument("--forms", default="mobile,desktop")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--screenshots", type=Path, help="photograph the pages into this folder instead")
    parser.add_argument("--suffix", default="now", help="end of the screenshots' names (before, after)")
    parser.add_argument("--reports", type=Path, help="keep each Lighthouse JSON report in this folder")
    args = parser.parse_args()
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    if not (LIGHTHOUSE_PACKAGE / "package.json").exists():
        raise SystemExit("npm lighthouse is missing: run `make install` (it is pinned in frontend/package.json)")
    if not Path(CHROME).exists():
        raise SystemExit(f"chromium not found at {CHROME}: run `make chromium` (Debian package 'chromium')")
    forms = args.forms.split(",")
    only = set(filter(None, args.pages.split(",")))
    catalogs = args.catalogs.split(",")
    version = json.loads((LIGHTHOUSE_PACKAGE / "package.json").read_text())["version"]
    chrome = subprocess.run([CHROME, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"bench/lighthouse.py: lighthouse {version}, {chrome}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    summary: dict = {}
    demo = BASE / "demo"
    if args.screenshots:
        run_catalog("demo", demo, forms, only, (args.screenshots.resolve(), args.suffix))
        return
    if "demo" in catalogs:
        cached(demo, code_key(DEMO_CODE))
        summary["demo"] = run_catalog("demo", demo, forms, only, reports=args.reports)
        (demo / "bench-key").write_text(code_key(DEMO_CODE))
    if "scale" in catalogs:
        scale = BASE / "scale"
        scale_ready(demo, scale)
        summary["scale"] = run_catalog("scale", scale, forms, only, reports=args.reports)
    scores = [r[c] for runs in summary.values() for r in runs.values() if "error" not in r for c in CATEGORIES]
    errors = sum("error" in r for runs in summary.values() for r in runs.values())
    figures = {f"{cat}/{key}": {SHORT[c]: r[c] for c in CATEGORIES}
               for cat, runs in summary.items() for key, r in runs.items() if "error" not in r}
    played = {f"{cat}/{key}": runs[key]["playback"] for cat, runs in summary.items() for key in runs
              if key.startswith("watch/") and "error" not in runs[key]}
    print(f"\ntime: {time.monotonic() - began:.0f} s in all; "
          + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in CLOCK.spent.items())
          + f"; load {os.getloadavg()[0]:.1f}")
    sys.stdout.flush()
    print(json.dumps({"min_score": min(scores) if scores else None, "runs": len(scores) // len(CATEGORIES),
                      "errors": errors, "seconds": round(time.monotonic() - began), "playback": played,
                      "scores": figures}))


if __name__ == "__main__":
    main()
