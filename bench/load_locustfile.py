"""The users of bench/load.py (run by it through Locust, headless; not on its own). Reads the plan bench/load.py
wrote (LOAD_PLAN: accounts, titles, stages) and writes what it measured per stage (LOAD_OUT).

Viewers behave like the web player (reelhouse/static/reelhouse/player/session.js and heartbeat.js): already
signed in (a session cookie made beforehand: at an evening peak nobody types a password), they open the home page
and the player page, start the title (CSRF-checked POST), fetch the master from the app, then the variant playlist,
its init segment and one segment every segment-duration from the nginx edge under the signed edge prefix; every
30 s a heartbeat, whose answer renews the prefixes (the tokens live 60 s), as the player does. Browsers sign in
through the real form (Argon2), then search as they type, open title pages and the home page.

Stages step the number of viewers up; each has a ramp, a settle time (at least until every user's start sequence is
over) and a steady window. Only the steady window judges a stage (p99 of segments and heartbeats, errors); the
ramp's requests are reported beside it. Locust's own garbage collector is paused from the settle time to the end of
the steady window (_collector_quiet says why).
"""

import gc
import json
import os
import random
import re
import time
from http.cookiejar import Cookie
from itertools import count

import gevent
import psutil
from geventhttpclient.response import HTTPConnectionClosed
from geventhttpclient.url import URL
from load_edge import EdgeConnection
from locust import FastHttpUser, LoadTestShape, between, constant_pacing, events, task
from locust.exception import StopUser

with open(os.environ["LOAD_PLAN"]) as plan_file:
    PLAN = json.load(plan_file)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
URI_ATTR = re.compile(r'URI="([^"]*)"')
# A connection the server closed before answering (geventhttpclient's errors for it, besides a parse error)
CLOSED_UNANSWERED = (HTTPConnectionClosed, ConnectionResetError, BrokenPipeError)
# The edge's signed prefix of a URL (session.js's edgeRe): the player swaps it for the newest one on every request.
EDGE_PREFIX = re.compile(r"^[^?#]*?/edge/s/[^/]+/[^/]+/\d+/[^/]+/\d+/[^/]+/[^/]+/")
viewer_numbers = count()
browser_numbers = count()


class Clock:
    """Which stage the run is in, and whether its steady window is open (set by StepShape, read by the listener)."""

    stage = 0
    steady = False
    buckets: dict = {}  # (stage, "ramp" | "steady", request name) -> {"ms": [...], "bytes": n, "errors": n}
    first_errors: list = []
    windows: list = []  # per stage: {"viewers", "users", "steady_s", "cpu": {...}}
    ready = 0  # users whose start (sign-in, or the player's start sequence) is over, well or not
    resent: dict = {}  # stage -> heartbeats sent again after their kept-alive connection closed unanswered


def _cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(0, name, value, None, False, host, False, False, "/", True, False, None, True, None, None, {})


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, response=None, **kwargs):
    key = (Clock.stage, "steady" if Clock.steady else "ramp", name)
    bucket = Clock.buckets.setdefault(key, {"ms": [], "bytes": 0, "errors": 0})
    bucket["ms"].append(response_time)
    bucket["bytes"] += response_length or 0
    if exception is not None:
        bucket["errors"] += 1
        if len(Clock.first_errors) < 20:
            Clock.first_errors.append(f"stage {Clock.stage} {name}: {str(exception)[:200]}")


def _path_of(url: str) -> str:
    """/path of http://host:port/path (the edge prefixes the app hands out are absolute)."""
    return url[url.index("/", len("http://")):]


def _fail(response, what: str) -> None:
    """Fail the request, saying what came back: the status and the body's start, or (status 0: no answer) the
    connection's error."""
    error = getattr(response, "error", None)
    said = f"{type(error).__name__}: {error}" if response.status_code == 0 and error else (response.text or "")[:120]
    response.failure(f"{what}: HTTP {response.status_code} {said!r}")


class EdgeStatus(Exception):
    """The edge answered a segment or playlist with another status than 200."""


class Arriving(FastHttpUser):
    """A user whose start sequence (`arrive`) is counted as over, well or not, so a stage's steady window opens
    only after every user of the stage has arrived."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 30.0

    def on_start(self):
        try:
            self.arrive()
        finally:
            Clock.ready += 1

    def arrive(self):
        raise NotImplementedError


class Viewer(Arriving):
    """One viewer watching one title through the edge until the run ends."""

    weight = 1
    wait_time = constant_pacing(PLAN["segment_s"])

    def arrive(self):
        number = next(viewer_numbers)
        if number >= len(PLAN["viewers"]):
            raise StopUser()  # more users than prepared accounts: never happens with the plan's stages
        account = PLAN["viewers"][number]
        self.client.cookiejar.set_cookie(_cookie("sessionid", account["session"], URL(self.host).host))
        self.client.get("/", name="home")
        work = random.choice(PLAN["works"])
        with self.client.get(f"/watch/{work}/", name="player page", catch_response=True) as r:
            found = CSRF_INPUT.search(r.text or "")
            if r.status_code != 200 or not found:
                _fail(r, "player page")
                raise StopUser()
        self.csrf = found[1]
        with self.client.post(f"/watch/{work}/start", data={"csrfmiddlewaretoken": self.csrf}, name="play start",
                              catch_response=True) as r:
            if r.status_code != 200:
                _fail(r, "play start")
                raise StopUser()
            started = r.json()
        self.prefix, self.edge_prefix = started["stream_prefix"], started["edge_prefix"]
        self.heartbeat_url = started["heartbeat_url"]
        self._edge_connect()
        with self.client.get(self.prefix + "master.m3u8", name="master (app)", catch_response=True) as r:
            variants = [EDGE_PREFIX.sub("", line) for line in (r.text or "").splitlines()
                        if EDGE_PREFIX.match(line) and line.endswith(".m3u8")]
            if r.status_code != 200 or not self.edge_prefix or not variants:
                _fail(r, "master without renditions on the edge")
                raise StopUser()
            master = r.text
        # The rung: the plan's (the smallest by default: the load generator shares the box), as named in the master.
        wanted = [v for v in variants if v.startswith(PLAN["rung"] + "/")] or variants[-1:]
        audio = [EDGE_PREFIX.sub("", u) for line in master.splitlines() if "TYPE=AUDIO" in line
                 for u in URI_ATTR.findall(line)]
        self.tracks = [self._playlist(path) for path in wanted + audio[:1]]
        self.position = random.uniform(0, PLAN["duration_s"] / 2)
        self.next_heartbeat = time.monotonic() + random.uniform(0, PLAN["heartbeat_s"])
        # The player's heartbeat runs on its own timer (heartbeat.js: setInterval), beside hls.js fetching segments:
        # a slow answer delays neither the segments nor the next beat's schedule. (Sent from the segment loop, a
        # heartbeat stalled in a ramp held that viewer's segments back, and the viewers it held all resumed, and
        # beat, together when the queue drained: bursts every 30 s that outlived the ramp.)
        self.beating = gevent.spawn(self._heartbeats)

    def _edge_connect(self) -> None:
        """The viewer's own keep-alive connection to the edge (a CDN on another host: no cookies go there), read
        into a buffer it reuses (bench/load_edge.py says why not FastHttpSession). Its requests are reported
        through Locust's request event, so Locust's statistics and this file's buckets count them as any other."""
        edge = URL(self.edge_prefix)
        self.edge_path = _path_of(self.edge_prefix)
        self.edge = EdgeConnection(edge.host, edge.port, timeout=self.network_timeout)

    def on_stop(self):
        if getattr(self, "beating", None) is not None:
            self.beating.kill(block=False)
        if getattr(self, "edge", None) is not None:
            self.edge.close()

    def edge_get(self, path: str, name: str, *, keep_body: bool = False) -> bytes | None:
        """GET the edge prefix + `path` on the viewer's connection: None when it failed, else the body (empty
        unless keep_body)."""
        started = time.perf_counter()
        length, body, error = 0, None, None
        try:
            status, length, body = self.edge.get(self.edge_path + path, keep_body=keep_body)
            if status != 200:
                error = EdgeStatus(f"HTTP {status}")
        except Exception as e:  # a connection error is a failed request, as Locust's own clients count it
            error = e
        self.environment.events.request.fire(
            request_type="GET", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=error, context={}, response=None, url=path)
        return None if error else (body or b"")

    def _playlist(self, path: str) -> dict:
        """The variant (or audio) playlist through the edge, and its init segment: the segments to cycle over."""
        body = self.edge_get(path, "variant playlist (edge)", keep_body=True)
        if body is None:
            raise StopUser()
        text = body.decode()
        folder = path.rsplit("/", 1)[0] + "/"
        inits = URI_ATTR.findall("\n".join(line for line in text.splitlines() if line.startswith("#EXT-X-MAP")))
        segments = [folder + line for line in text.splitlines() if line and not line.startswith("#")]
        for init in inits:
            self.edge_get(folder + init, "init segment (edge)")
        return {"segments": segments, "next": random.randrange(len(segments))}

    @task
    def watch(self):
        for track in self.tracks:
            segment = track["segments"][track["next"] % len(track["segments"])]
            track["next"] += 1
            self.edge_get(segment, "segment (edge)")
        self.position = (self.position + PLAN["segment_s"]) % PLAN["duration_s"]

    def _heartbeats(self):
        """Every heartbeat_s on a fixed schedule (setInterval's), from a random phase: the position, and the renewed
        prefixes every later request goes through."""
        while True:
            gevent.sleep(max(0.0, self.next_heartbeat - time.monotonic()))
            self.next_heartbeat += PLAN["heartbeat_s"]
            renewed = self._heartbeat({"csrfmiddlewaretoken": self.csrf, "position": f"{self.position:.1f}",
                                       "duration": f"{PLAN['duration_s']:.1f}"})
            if renewed is not None:
                self.prefix, self.edge_prefix = renewed["stream_prefix"], renewed["edge_prefix"]
                self.edge_path = _path_of(self.edge_prefix)

    def _heartbeat(self, data: dict) -> dict | None:
        """One heartbeat as a browser sends it; its answer, or None (failed, and reported so). A POST that met its
        kept-alive connection closed before any answer is sent once more at once, on a new connection, as browsers
        do for a request on a reused connection (RFC 9112 section 9.3.1): gunicorn closes a connection idle for its
        keep-alive time (2 s) even when a request has just arrived on it unread, and geventhttpclient resends only
        idempotent methods. The resent heartbeat's time includes the first attempt's; each stage counts resends."""
        lost_ms = 0.0
        for attempt in (1, 2):
            with self.client.post(self.heartbeat_url, name="heartbeat", catch_response=True, data=data) as r:
                if attempt == 1 and r.status_code == 0 and isinstance(getattr(r, "error", None), CLOSED_UNANSWERED):
                    r._manual_result = False  # not reported by itself: its time goes into the resent request's
                    lost_ms = r.request_meta["response_time"]
                    Clock.resent[Clock.stage] = Clock.resent.get(Clock.stage, 0) + 1
                    if len(Clock.first_errors) < 20:
                        Clock.first_errors.append(f"stage {Clock.stage} heartbeat resent after "
                                                  f"{type(r.error).__name__}: {r.error}")
                    continue
                r.request_meta["response_time"] += lost_ms
                try:
                    renewed = r.json() if r.status_code == 200 else None
                except ValueError:
                    renewed = None
                if renewed is None:
                    _fail(r, "heartbeat")
                return renewed
        return None


class Browser(Arriving):
    """Someone choosing what to watch: signs in through the form, then searches and opens title pages."""

    fixed_count = PLAN["browsers"]
    wait_time = between(2, 6)

    def arrive(self):
        time.sleep(random.uniform(0, PLAN["browser_arrival_s"]))  # they arrive over time (bursts: bench/auth.py)
        account = PLAN["browser_accounts"][next(browser_numbers) % len(PLAN["browser_accounts"])]
        with self.client.get("/accounts/login/", name="sign-in page", catch_response=True) as r:
            found = CSRF_INPUT.search(r.text or "")
            if not found:
                _fail(r, "sign-in page")
                raise StopUser()
        with self.client.post("/accounts/login/", name="sign in", catch_response=True, data={
                "csrfmiddlewaretoken": found[1], "username": account, "password": PLAN["password"]}) as r:
            if r.status_code != 200 or "/accounts/login/" in str(r.url):
                _fail(r, "sign in")
                raise StopUser()
        self.typed = ""

    @task(6)
    def search(self):
        word = random.choice(PLAN["words"])
        for n in range(2, len(word) + 1):  # search-as-you-type: a request per keystroke from the second letter
            self.client.get(f"/search.json?q={word[:n]}", name="search (as you type)")

    @task(3)
    def title_page(self):
        self.client.get(f"/series/{random.choice(PLAN['slugs'])}/", name="title page")

    @task(1)
    def home(self):
        self.client.get("/", name="home")


if not PLAN["browsers"]:
    del Browser  # Locust runs the user classes it finds here; a fixed_count of 0 would make browsers weighted ones


class StepShape(LoadTestShape):
    """Viewers stepped up stage by stage (browsers stay at their fixed count): ramp at the plan's spawn rate, settle,
    then a steady window; after a failing stage (when the plan says so) the run stops."""

    def __init__(self):
        super().__init__()
        self.stages = PLAN["stages"]  # [viewers, hold seconds]
        self.index = 0
        self.phase = "ramp"
        self.since = None
        self.cpu_start = None

    def _target(self) -> int:
        return self.stages[self.index][0] + PLAN["browsers"]

    def tick(self):
        now = time.monotonic()
        if self.since is None:
            self.since = now
        if self.index >= len(self.stages):
            return None
        target = self._target()
        if self.phase == "ramp" and self.runner.user_count >= target:
            self.phase, self.since = "settle", now
            _collector_quiet()
        elif self.phase == "settle" and now - self.since >= PLAN["settle_s"] and Clock.ready >= target:
            self.phase, self.since = "steady", now
            self.cpu_start, self.rss_start = _cpu(), _rss()
            Clock.steady = True
        elif self.phase == "steady" and now - self.since >= self.stages[self.index][1]:
            Clock.windows.append({"viewers": self.stages[self.index][0], "users": self.runner.user_count,
                                  "steady_s": round(now - self.since, 1),
                                  "cpu_s": {k: round(v - self.cpu_start[k], 2) for k, v in _cpu().items()},
                                  "locust_rss_growth_mb": round((_rss() - self.rss_start) / 2**20, 1)})
            Clock.steady = False
            gc.enable()
            passed = not _stage_faults(self.index)
            self.index += 1
            Clock.stage = self.index
            self.phase, self.since = "ramp", now
            if self.index >= len(self.stages) or (not passed and PLAN["stop_on_fail"]):
                return None
            target = self._target()
        if self.phase != "steady" and now - self.since > PLAN["ramp_limit_s"]:
            Clock.first_errors.append(f"stage {self.index}: ramp to {target} users not done in "
                                      f"{PLAN['ramp_limit_s']} s (the load generator or the server cannot keep up)")
            return None
        return target, PLAN["spawn_rate"]


def _collector_quiet() -> None:
    """The load generator's own garbage collector kept out of the measurements: once a stage's users have all
    started, one collection and a freeze (in the settle time, which is not judged), then none until the steady window
    is over. With 3,700 viewers Locust's collections took 30-70 ms (generation 1) to 760 ms (generation 2), during
    which no response of any user is read: every request then in flight was timed that much slower than the server
    answered it (measured with gc.callbacks). What the window leaves uncollected is reported (Locust's memory
    growth in the steady window); the collector is back on once the window ends."""
    gc.collect()
    gc.freeze()
    gc.disable()


def _rss() -> int:
    return psutil.Process().memory_info().rss


def _cpu() -> dict:
    """CPU seconds so far of the load generator (this process), of the server process trees the plan names, and
    of the whole machine (busy time; beyond those three it is other work on a shared box)."""
    out = {"locust": sum(psutil.Process().cpu_times()[:2])}
    t = psutil.cpu_times()
    out["machine"] = t.user + t.nice + t.system + t.irq + t.softirq + t.steal
    for name, pid in PLAN["pids"].items():
        try:
            root = psutil.Process(pid)
            out[name] = sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            out[name] = 0.0
    return out


def _percentile(ms: list, p: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def _stage_faults(stage: int) -> list[str]:
    """What failed the stage (empty: it passed): a judged request's p99 at or over the limit (or none in the
    steady window), and errors of any request, ramp included, by request name."""
    steady = {name: b for (s, phase, name), b in Clock.buckets.items() if s == stage and phase == "steady"}
    faults = []
    for name in ("segment (edge)", "heartbeat"):
        if name not in steady:
            faults.append(f"no {name} in the steady window")
        elif (p99 := _percentile(steady[name]["ms"], 99)) >= PLAN["p99_limit_ms"]:
            faults.append(f"{name} p99 {p99:.1f} ms >= {PLAN['p99_limit_ms']}")
    errors: dict[str, int] = {}
    for (s, _phase, name), b in Clock.buckets.items():
        if s == stage and b["errors"]:
            errors[name] = errors.get(name, 0) + b["errors"]
    faults += [f"{n} errors: {name}" for name, n in sorted(errors.items(), key=lambda x: -x[1])]
    return faults


@events.quitting.add_listener
def _write(environment, **kwargs):
    stages = []
    for stage, window in enumerate(Clock.windows):
        faults = _stage_faults(stage)
        out = {**window, "passed": not faults, "faults": faults, "requests": {},
               "heartbeats_resent": Clock.resent.get(stage, 0)}
        for (s, phase, name), b in sorted(Clock.buckets.items()):
            if s == stage:
                out["requests"][f"{phase}: {name}"] = {
                    "count": len(b["ms"]), "errors": b["errors"], "bytes": b["bytes"],
                    "p50_ms": round(_percentile(b["ms"], 50), 1), "p95_ms": round(_percentile(b["ms"], 95), 1),
                    "p99_ms": round(_percentile(b["ms"], 99), 1)}
        stages.append(out)
    unfinished = sorted({s for s, _p, _n in Clock.buckets} - set(range(len(Clock.windows))))
    with open(os.environ["LOAD_OUT"], "w") as f:
        json.dump({"stages": stages, "unfinished_stage_errors": sum(
            b["errors"] for (s, _p, _n), b in Clock.buckets.items() if s in unfinished),
            "first_errors": Clock.first_errors}, f)
