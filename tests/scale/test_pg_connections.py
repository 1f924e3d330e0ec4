"""PostgreSQL connection modes (docs/operations.md): behind pgbouncer in transaction mode, consecutive transactions of
one connection run on different server connections and the app still works; with REELHOUSE_PG_POOL, a gunicorn
gthread server answers every request from a bounded pool of connections it reuses, and clients that stop reading
their streams hold none of them."""

import contextlib
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from reelhouse.accounts.models import User
from reelhouse.accounts.services import user_create
from tests.pgbouncer import pgbouncer
from tests.playback.playing import one_segment_stream
from tests.processes import free_port, healthz, wait_for

ROOT = Path(__file__).resolve().parents[2]
IS_PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not IS_PG, reason="PostgreSQL's connection modes: set DATABASE_URL")]


def _backend_pid() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_behind_pgbouncer_one_connections_transactions_run_on_different_server_connections(django_db_setup):
    if not settings.REELHOUSE_PG_PGBOUNCER:
        pytest.skip("run with REELHOUSE_PG_PGBOUNCER=1 (scripts/test.sh's PostgreSQL run does)")
    bouncer, db = django_db_setup, connection.settings_dict
    assert (db["HOST"], db["PORT"]) == (bouncer.host, str(bouncer.port))  # this test talks to pgbouncer
    assert db["DISABLE_SERVER_SIDE_CURSORS"] and not db["OPTIONS"].get("prepare_threshold")
    first = _backend_pid()
    client = connection.connection  # the one client connection to pgbouncer, kept through the test
    with psycopg.connect(host=bouncer.host, port=bouncer.port, user=db["USER"], dbname=db["NAME"],
                         autocommit=True) as other, other.transaction():
        # The first transaction ended, so pgbouncer gave its server connection to another client (last used first)...
        assert other.execute("SELECT pg_backend_pid()").fetchone()[0] == first
        # ...and our next transaction runs on another one, while the application goes on working.
        with transaction.atomic():
            second = _backend_pid()
            user_create(email="pooled@example.com", password="correct horse battery")
        assert second != first
        assert User.objects.filter(email="pooled@example.com").exists()
        assert [u.email for u in User.objects.filter(email="pooled@example.com").iterator(chunk_size=1)] == [
            "pooled@example.com"]  # no WITH HOLD cursor left on a server connection
    assert connection.connection is client
    if settings.REELHOUSE_PG_POOL:  # the suite's run: Django's pool in front of pgbouncer
        assert connection.pool is not None and client._pool is connection.pool


@contextlib.contextmanager
def _gthread_server(tmp_path, *, database_url: str, pool: str, threads: int, **env_extra: str):
    """gunicorn's gthread worker as production runs it (one worker here), on a free port; yields its base URL once
    /healthz answers. Not behind pgbouncer unless env_extra says REELHOUSE_PG_PGBOUNCER=1. Its logs go to
    tmp_path/gunicorn.log (a pipe nobody reads would stop it once full)."""
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    env = {k: v for k, v in os.environ.items() if k != "REELHOUSE_PG_PGBOUNCER"} | {
        "DATABASE_URL": database_url, "REELHOUSE_PG_POOL": pool, "REELHOUSE_VAR_DIR": str(tmp_path / "var")} | env_extra
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", "1", "--threads",
                               str(threads), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: server.poll() is not None or healthz(f"{base}/healthz"), 120, "gunicorn's /healthz")
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield base
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _direct_url() -> str:
    db = connection.settings_dict
    return settings.REELHOUSE_PG_DIRECT_URL or (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")


def test_a_gthread_server_answers_every_request_from_a_bounded_reused_pool(tmp_path):
    """Direct to PostgreSQL with prepared statements (the default mode), a pool of at most 2 connections for 4
    threads: 160 requests from 8 clients at once all answer, over at most 2 server connections (no leak: a
    connection not handed back would leave the pool empty and the requests waiting for one would fail)."""
    name = f"rh-pool-{uuid.uuid4().hex[:8]}"
    with _gthread_server(tmp_path, database_url=f"{_direct_url()}?application_name={name}", pool="1:2",
                         threads=4) as base:
        url = f"{base}/healthz"

        def backends() -> set[int]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name])
                return {row[0] for row in cursor.fetchall()}

        def answered(_) -> int:
            with urllib.request.urlopen(url, timeout=60) as response:  # a slow answer under load is still one
                return response.status

        seen = set()
        for _ in range(2):
            with ThreadPoolExecutor(8) as clients:
                assert set(clients.map(answered, range(80))) == {200}
            seen |= backends()
            assert 1 <= len(seen) <= 2, seen


def _stalled_stream(base: str, path: str, *, log: Path) -> socket.socket:
    """A client that asks for a file and stops reading after the status line, as a paused video element or a slow
    link does: the server's write blocks once the socket buffers are full, mid-body, with the response not closed."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(60)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = sock.recv(64)
    assert head.startswith(b"HTTP/1.1 200"), f"{head!r}\n{log.read_text()[-3000:]}"
    return sock


@pytest.fixture
def stalled_segment_url(licensed_source, subscriber):
    """A live playback session's URL for one 64 MB segment (more than any socket buffer holds), and the viewer's
    session cookie."""
    url = one_segment_stream(licence=licensed_source.licence, user=subscriber, size=64 * 1024 * 1024)
    client = Client()
    client.force_login(subscriber)
    return url, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("route", ["direct", "pgbouncer"])
def test_clients_that_stop_reading_their_streams_hold_no_pool_connection(tmp_path, stalled_segment_url, route,
                                                                        django_db_setup):
    """The attack: more stalled segment downloads than the pool has connections (3 for a pool of 2, on a gthread
    worker with threads to spare). Each holds its thread while its body waits to be sent, but not a database
    connection: the signed-in home page still answers 200, where before every request waited for a connection
    until the pool's timeout and failed with PoolTimeout (a 500), on a site stopped by three paused players."""
    path, cookie = stalled_segment_url
    env = {"REELHOUSE_SECRET_KEY": settings.SECRET_KEY, "REELHOUSE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "REELHOUSE_PG_POOL_TIMEOUT": "2"}
    with contextlib.ExitStack() as stack:
        url = _direct_url()
        if route == "pgbouncer":
            bouncer = django_db_setup or stack.enter_context(pgbouncer(
                server_host=connection.settings_dict["HOST"] or "127.0.0.1",
                server_port=int(connection.settings_dict["PORT"] or 5432), user=connection.settings_dict["USER"]))
            url = f"postgresql://{connection.settings_dict['USER']}@{bouncer.host}:{bouncer.port}/" \
                  f"{connection.settings_dict['NAME']}"
            env["REELHOUSE_PG_PGBOUNCER"] = "1"
        base = stack.enter_context(_gthread_server(tmp_path, database_url=url, pool="1:2", threads=8, **env))
        stalled = [stack.enter_context(_stalled_stream(base, path, log=tmp_path / "gunicorn.log")) for _ in range(3)]

        request = urllib.request.Request(f"{base}/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, page = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, page = error.code, error.read().decode(errors="replace")
        assert status == 200, f"{page[-1000:]}\n{(tmp_path / 'gunicorn.log').read_text()[-3000:]}"
        assert "The Long Take" in page or "Viewer" in page  # the viewer's own home page, read from the database
        for sock in stalled:  # the streams were still open, mid-body, all along
            sock.settimeout(0)
            assert sock.recv(1)


def test_stalled_streams_give_their_threads_back_after_the_send_timeout(tmp_path, stalled_segment_url):
    """The same attack against threads: as many stalled segment downloads as the worker has threads (2). Each
    send that makes no progress for REELHOUSE_STREAM_SEND_TIMEOUT_S (2 s here, 60 s by default) is dropped and its
    thread freed, so the signed-in home page is answered; before, it waited for as long as the clients stalled
    (the embedded default has no buffering proxy in front of gunicorn)."""
    path, cookie = stalled_segment_url
    env = {"REELHOUSE_SECRET_KEY": settings.SECRET_KEY, "REELHOUSE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "REELHOUSE_STREAM_SEND_TIMEOUT_S": "2"}
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(_gthread_server(tmp_path, database_url=_direct_url(), pool="1:2", threads=2, **env))
        stalled = [stack.enter_context(_stalled_stream(base, path, log=tmp_path / "gunicorn.log")) for _ in range(2)]
        request = urllib.request.Request(f"{base}/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
        with urllib.request.urlopen(request, timeout=120) as response:  # never, while both threads were held
            assert response.status == 200
            page = response.read().decode()
            assert "The Long Take" in page or "Viewer" in page  # the viewer's own home page
        for sock in stalled:  # the server gave up on each stalled stream: its body ends short of 64 MB
            received = 0
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
            assert received < 64 * 1024 * 1024
