"""PostgreSQL connection modes (docs/operations.md): behind pgbouncer in transaction mode, consecutive transactions of
one connection run on different server connections and the app still works; with REELHOUSE_PG_POOL, a gunicorn
gthread server answers every request from a bounded pool of connections it reuses."""

import os
import subprocess
import sys
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from reelhouse.accounts.models import User
from reelhouse.accounts.services import user_create
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


def test_a_gthread_server_answers_every_request_from_a_bounded_reused_pool(tmp_path):
    """Direct to PostgreSQL with prepared statements (the default mode), a pool of at most 2 connections for 4
    threads: 160 requests from 8 clients at once all answer, over at most 2 server connections (no leak: a
    connection not handed back would leave the pool empty and the requests waiting for one would fail)."""
    db = connection.settings_dict
    name = f"rh-pool-{uuid.uuid4().hex[:8]}"
    direct = settings.REELHOUSE_PG_DIRECT_URL or (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REELHOUSE_PG_PGBOUNCER"} | {
        "DATABASE_URL": f"{direct}?application_name={name}", "REELHOUSE_PG_POOL": "1:2",
        "REELHOUSE_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "reelhouse.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--worker-class", "gthread", "--workers", "1", "--threads", "4",
                               "--log-level", "warning"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        wait_for(lambda: server.poll() is not None or healthz(url), 120, "gunicorn's /healthz")
        assert server.poll() is None, server.stderr.read()

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
    finally:
        server.terminate()
        server.wait(30)
        server.stderr.close()
