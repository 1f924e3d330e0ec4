"""A fleet of hosts on this machine (tests/fleet.py: network namespaces on one bridge, each host's own hostname and
folders, the others' hidden): the data host (its own PostgreSQL), the web host (gunicorn, the scheduler, the ingest
worker and the licensor's watch folder), two transcode-worker hosts and an nginx edge host. A delivery dropped into
the web host's watch folder is transcoded on a worker host, published, and played through the edge by a real
browser; then the worker host running a transcode is killed (SIGKILL of every process on it) mid-job, and the job
finishes exactly once on the other worker host after the scheduler takes its lease back."""

import os
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import av
import m3u8
import psycopg
import pytest

from reelhouse.playback.edge import nginx_keys_conf
from tests.conftest import make_clip
from tests.e2e.test_player import PASSWORD, playing_past, sign_in
from tests.edge_nginx import edge_prepare
from tests.fleet import FleetUnavailable, fleet, postgres_start, wait_port
from tests.processes import ROOT, wait_for
from tests.seaweed import seaweed_server

pytestmark = pytest.mark.e2e  # a real browser; runs once, in the SQLite pass (the fleet brings its own database)

EMAIL = "viewer@fleet.example"
EDGE_KEY = ("f1", secrets.token_urlsafe(32))
LEASE_S = 6  # a dead worker's job is taken back this long after its last heartbeat
WEB_PORT, EDGE_PORT = 8000, 8080
PYTHON = str(Path(sys.executable))


def query(db_url: str, sql: str, *args):
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql, args).fetchall()


def host_env(host, *, db_url: str, store, secret_key: str, edge_url: str, **extra: str) -> dict:
    """A host's whole environment, as its operator would write it: nothing inherited from the test process but
    PATH and the locale; its own var folder and (unused on object storage) media root; media in the bucket."""
    return {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(host.root),
        "DATABASE_URL": db_url, "REELHOUSE_SECRET_KEY": secret_key,
        "REELHOUSE_VAR_DIR": str(host.root / "var"), "REELHOUSE_MEDIA_ROOT": str(host.root / "media"),
        "REELHOUSE_STORAGE_URL": store.storage_url(), "REELHOUSE_S3_ACCESS_KEY": store.access_key,
        "REELHOUSE_S3_SECRET_KEY": store.secret_key,
        "REELHOUSE_ALLOWED_HOSTS": host.address, "REELHOUSE_EDGE_URL": edge_url,
        "REELHOUSE_EDGE_KEYS": f"{EDGE_KEY[0]}:{EDGE_KEY[1]}",
        "REELHOUSE_JOB_LEASE_S": str(LEASE_S), "REELHOUSE_JOB_BACKOFF_S": "1",
        "REELHOUSE_SCAN_INTERVAL": "0.5", "REELHOUSE_STABLE_SECONDS": "0.5",
        "REELHOUSE_X264_PRESET": "veryfast", "REELHOUSE_STAFF_REQUIRE_2FA": "0",
    } | extra


def db_worker(queues: str) -> list[str]:
    return [PYTHON, "-m", "reelhouse.manage", "db_worker", "--queue-name", queues, "--interval", "0.3",
            "--no-reload", "--no-startup-delay", "--verbosity", "1"]


@pytest.fixture(scope="module")
def hosts():
    try:
        with fleet(["data", "web", "worker1", "worker2", "edge"]) as built:
            yield built
    except FleetUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the fleet test must run in CI: {exc}")
        pytest.skip(f"no network namespaces here: {exc}")


@pytest.fixture(scope="module")
def site(hosts):
    """Every host started; yields what the tests need to reach them."""
    data = hosts["data"]
    db_url = postgres_start(data, subnet_gateway=hosts.gateway)
    with seaweed_server(ip=data.address, parent=data.root, where=data.command) as store:
        yield from _hosts_started(hosts, db_url, store)


def _hosts_started(hosts, db_url: str, store):
    web, edge = hosts["web"], hosts["edge"]
    watch = web.root / "watch"
    web_url, edge_url = f"http://{web.address}:{WEB_PORT}", f"http://{edge.address}:{EDGE_PORT}"
    secret_key = secrets.token_urlsafe(50)

    def env(host, **extra):
        return host_env(host, db_url=db_url, store=store, secret_key=secret_key, edge_url=edge_url, **extra)

    web.run([PYTHON, "-m", "tests.scale.fleet_seed", str(watch), EMAIL, PASSWORD], env=env(web))
    web.start("gunicorn", [PYTHON, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind",
                           f"{web.address}:{WEB_PORT}", "--worker-class", "gthread", "--workers", "1",
                           "--threads", "8", "--log-level", "warning"], env=env(web))
    web.start("scheduler", [PYTHON, "-m", "reelhouse.manage", "scheduler", "--interval", "0.3"], env=env(web))
    web.start("worker-ingest", db_worker("ingest,default,feeds"), env=env(web))
    for name in ("worker1", "worker2"):
        hosts[name].start("worker-transcode", db_worker("transcode"), env=env(hosts[name]))

    edge_prefix = edge.root / "nginx"
    edge_prefix.mkdir()
    command = edge_prepare(prefix=edge_prefix, media_root=edge.root / "media", keys_conf=nginx_keys_conf([EDGE_KEY]),
                           mode="origin", origin=f"{store.endpoint}/{store.bucket}",
                           port=EDGE_PORT, listen=edge.address, where=edge.command)
    edge.start("nginx", command, env=env(edge))

    gunicorn = web.procs["gunicorn"]
    wait_port(web.address, WEB_PORT, timeout=60, what="gunicorn on the web host", alive=lambda: gunicorn.poll() is None)
    wait_port(edge.address, EDGE_PORT, timeout=30, what="nginx on the edge host")
    yield SimpleNamespace(db_url=db_url, watch=watch, web_url=web_url, edge_url=edge_url, hosts=hosts, store=store)


def deliver(site, relpath: str, clip: Path) -> None:
    """The licensor's upload lands in the web host's watch folder."""
    target = site.watch / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(clip.read_bytes())


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_delivery_on_the_web_host_is_transcoded_on_a_worker_and_plays_through_the_edge(site, tmp_path, browser):
    deliver(site, "Fleet Lights (2021)/Season 01/Fleet Lights - S01E01 - Harbour.mkv",
            make_clip(tmp_path / "clip.mp4", seconds=4, size="640x360"))

    def published():
        rows = query(site.db_url, "SELECT state, reason FROM ingest_delivery")
        return rows if rows and rows[0][0] in ("published", "quarantined", "failed") else None

    assert wait_for(published, 180, "the delivery to be published", site.hosts.logs) == [("published", "")]
    [(episode_id, directory)] = query(site.db_url, "SELECT work_id, directory FROM media_asset")
    assert f"{directory}/master.m3u8" in site.store.keys(directory)  # the package is in the bucket
    [(owner,)] = query(site.db_url, "SELECT detail->>'owner' FROM core_auditevent WHERE action = 'transcode.claimed'")
    assert owner.split(":")[0] in ("worker1", "worker2"), owner  # transcoded on a worker host, not the web host

    edge_requests: list[tuple[str, int]] = []
    console: list[str] = []
    page = browser.new_page()
    try:
        page.on("response", lambda r: r.url.startswith(site.edge_url) and edge_requests.append((r.url, r.status)))
        page.on("console", lambda message: console.append(message.text[:300]))
        page.on("response", lambda r: r.status >= 400 and console.append(f"{r.status} {r.url}"))
        try:
            sign_in(page, SimpleNamespace(url=site.web_url), SimpleNamespace(email=EMAIL))
            page.goto(f"{site.web_url}/watch/{episode_id}/")
            playing_past(page, 1.5)
        except Exception as exc:
            edge_log = (site.hosts["edge"].root / "nginx" / "error.log").read_text(errors="replace")
            pytest.fail(f"{exc}\nthe browser was at {page.url}:\n{page.inner_text('body')[:2000]}\n"
                        f"edge requests: {edge_requests}\nconsole: {console}\n{site.hosts.logs()}\n"
                        f"--- edge/nginx/error.log\n{edge_log[-4000:]}")
    finally:
        page.close()
    # 206: a player that plays HLS itself (Chromium's native HLS) asks for the init segments by range
    assert edge_requests and all(status in (200, 206) for _, status in edge_requests), edge_requests
    playlists = [u for u, _ in edge_requests if u.endswith("/index.m3u8")]
    assert playlists and any(u.endswith(".m4s") for u, _ in edge_requests), edge_requests

    # The same signed variant playlist, its init segment and first segment fetched through the edge decode.
    status, headers, body = fetch(playlists[0])
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert headers["X-Cache-Status"] == "BYPASS"  # playlists always come from the bucket, never from the cache
    playlist = m3u8.loads(body.decode(), uri=playlists[0])
    media = tmp_path / "played.mp4"
    with media.open("wb") as out:
        for part in (playlist.segment_map[0].absolute_uri, playlist.segments[0].absolute_uri):
            status, headers, data = fetch(part)
            assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable", part
            out.write(data)
            assert fetch(part)[1]["X-Cache-Status"] == "HIT", part  # now in the edge's own cache
    with av.open(str(media)) as container:
        stream = container.streams[0]
        assert sum(1 for _ in container.decode(stream)) > 0, stream


def test_a_worker_host_killed_mid_transcode_its_job_finishes_once_on_the_other(site, tmp_path):
    deliver(site, "Night Fleet (2022)/Season 01/Night Fleet - S01E01 - Departure.mkv",
            make_clip(tmp_path / "long.mp4", seconds=24, size="1280x720"))

    def running_job():
        rows = query(site.db_url, "SELECT j.id, j.lease_owner, j.progress FROM media_transcodejob j "
                                  "JOIN ingest_delivery d ON d.id = j.delivery_id "
                                  "WHERE d.path LIKE 'Night Fleet%%' AND j.state = 'running' AND j.progress > 0.05")
        return rows[0] if rows else None

    job_id, owner, progress = wait_for(running_job, 180, "the transcode to be under way", site.hosts.logs)
    assert progress < 0.9, "the encode finished too fast to be interrupted; use a longer clip"
    victim_name, _, victim_pid = owner.rpartition(":")
    assert victim_name in ("worker1", "worker2"), owner
    survivor_name = "worker2" if victim_name == "worker1" else "worker1"
    killed = site.hosts[victim_name].kill()
    assert int(victim_pid) in killed and not site.hosts[victim_name].pids()

    def finished():
        [row] = query(site.db_url, "SELECT state, attempts, lease_owner, error FROM media_transcodejob WHERE id = %s",
                      job_id)
        return row if row[0] in ("done", "failed") else None

    state, attempts, lease_owner, error = wait_for(finished, 240, "the retried transcode to finish", site.hosts.logs)
    assert (state, attempts, lease_owner, error) == ("done", 2, "", ""), site.hosts.logs()
    claims = [owner for (owner,) in query(site.db_url, "SELECT detail->>'owner' FROM core_auditevent "
                                          "WHERE action = 'transcode.claimed' AND subject_id = %s ORDER BY id",
                                          str(job_id))]
    assert [c.split(":")[0] for c in claims] == [victim_name, survivor_name], claims
    done = query(site.db_url, "SELECT count(*) FROM core_auditevent WHERE action = 'transcode.done' "
                              "AND subject_id = %s", str(job_id))
    assert done == [(1,)]  # published once
    [(delivery_state, work_id)] = query(site.db_url, "SELECT d.state, d.work_id FROM ingest_delivery d "
                                                     "JOIN media_transcodejob j ON j.delivery_id = d.id "
                                                     "WHERE j.id = %s", job_id)
    assert delivery_state == "published"
    packages = query(site.db_url, "SELECT directory FROM media_asset WHERE work_id = %s AND NOT provisional",
                     work_id)
    assert len(packages) == 1, packages  # one package
    # One package in the bucket per published asset: nothing of the dead attempt is left there.
    bucket = {"/".join(key.split("/")[:2]) for key in site.store.keys("packages/")}
    assert bucket == {d for (d,) in query(site.db_url, "SELECT directory FROM media_asset")}, bucket
    reclaimed = site.hosts["web"].log_path("scheduler").read_text()
    assert f"taken back from dead worker {owner}: retrying" in reclaimed, reclaimed[-3000:]
