"""SQLite's writers take turns through one queue (reelhouse.core.sqlite.writers): a write transaction begins only
when the one before it, in any thread or process, has committed, rolled back or closed, instead of SQLite's busy
handler sleeping in growing steps. Each test runs on a database file of its own with SQLite's busy timeout at 0, so
a BEGIN IMMEDIATE that met another writer's lock fails at once: only the queue can make these writers wait."""

import contextlib
import multiprocessing
import os
import stat
import threading

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

pytestmark = pytest.mark.engine_independent  # databases of its own, never the test database


def handler(path, timeout=5.0):
    return ConnectionHandler({"default": {"ENGINE": "reelhouse.core.sqlite", "NAME": str(path), "OPTIONS": {
        "transaction_mode": "IMMEDIATE", "timeout": timeout,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=0;"}}})


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "writers.sqlite3"
    connections = handler(path)
    with connections["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT)")
    connections.close_all()
    return path


def rows(path):
    connections = handler(path)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT who FROM log ORDER BY id")
        found = [who for (who,) in cursor.fetchall()]
    connections.close_all()
    return found


def write(connections, who, *, inside=None):
    """One write transaction, begun, committed or rolled back as transaction.atomic does it (atomic itself only
    knows django.db.connections, not these)."""
    conn = connections["default"]
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO log (who) VALUES (%s)", [who])
        if inside:
            inside()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.set_autocommit(True)


def _autocommit_writes(connections, n):
    """25 INSERTs and 50 UPDATEs each outside a transaction (SQLite's autocommit, as the heartbeat's UPDATEs)."""
    with connections["default"].cursor() as cursor:
        for i in range(25):
            cursor.execute("INSERT INTO log (who) VALUES (%s)", [f"{n}-{i}"])
            cursor.executemany("UPDATE log SET who = who WHERE id = %s", [(1,), (2,)])


def _transactions(connections, n):
    for i in range(25):
        write(connections, f"{n}-{i}")


@pytest.mark.parametrize("writes", [_transactions, _autocommit_writes], ids=["transactions", "autocommit"])
def test_writers_in_many_threads_all_land_in_turn(db_path, writes):
    failures = []

    def viewer(n):
        connections = handler(db_path)
        try:
            writes(connections, n)
        except OperationalError as error:  # "database is locked": a write that met another writer's lock
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=viewer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(rows(db_path)) == 8 * 25


def _hold_in_child(path, holding, go_on):
    connections = handler(path)
    write(connections, "child", inside=lambda: (holding.set(), go_on.wait(10)))
    connections.close_all()
    os._exit(0)


@contextlib.contextmanager
def _child_holding_the_turn(db_path):
    """A forked process holding a write transaction (the turn); the block gets a function that lets it commit 0.3 s
    later (from another thread, while the block's own write waits)."""
    ctx = multiprocessing.get_context("fork")
    holding, go_on = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_in_child, args=(db_path, holding, go_on))
    child.start()
    try:
        assert holding.wait(10)
        yield lambda: threading.Timer(0.3, go_on.set).start()
    finally:
        go_on.set()
        child.join(10)
    assert child.exitcode == 0


def test_a_writer_in_another_process_is_waited_for(db_path):
    with _child_holding_the_turn(db_path) as release_soon:
        connections = handler(db_path)
        release_soon()
        write(connections, "parent")  # waits in the queue until the child commits
        connections.close_all()
    assert rows(db_path) == ["child", "parent"]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_turn_is_given_back_however_the_transaction_ends(db_path, ending):
    first = handler(db_path)
    if ending == "commit":
        write(first, "first")
    elif ending == "rollback":
        with pytest.raises(ZeroDivisionError):
            write(first, "first", inside=lambda: 1 / 0)
    else:
        conn = first["default"]
        conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        conn.cursor().execute("INSERT INTO log (who) VALUES ('first')")
        conn.close()  # a connection dropped mid-transaction (a killed request)
    # Another thread with almost no patience: a turn not given back would refuse it.
    outcome = []

    def second():
        connections = handler(db_path, timeout=0.05)
        try:
            write(connections, "second")
            outcome.append("ok")
        except OperationalError as error:
            outcome.append(str(error))
        finally:
            connections.close_all()

    t = threading.Thread(target=second)
    t.start()
    t.join()
    assert outcome == ["ok"]
    assert rows(db_path) == (["first", "second"] if ending == "commit" else ["second"])
    first.close_all()


def test_waiting_longer_than_the_timeout_is_sqlites_own_error(db_path):
    holder = handler(db_path)
    release = threading.Event()
    held = threading.Event()
    t = threading.Thread(target=lambda: write(holder, "holder", inside=lambda: (held.set(), release.wait(10))))
    t.start()
    try:
        assert held.wait(10)
        impatient = handler(db_path, timeout=0.1)
        with pytest.raises(OperationalError, match="database is locked"):
            write(impatient, "impatient")
        impatient.close_all()
    finally:
        release.set()
        t.join()
    holder.close_all()
    assert rows(db_path) == ["holder"]


def test_the_lock_file_is_private(db_path):
    connections = handler(db_path)
    write(connections, "x")
    connections.close_all()
    lock = db_path.parent / (db_path.name + "-lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_a_write_outside_a_transaction_waits_its_turn(db_path):
    """An UPDATE or INSERT in autocommit (the heartbeat's UPDATEs run so) takes the turn for the time it runs: it
    waits for the writer holding it, here in another process, instead of meeting SQLite's lock (at busy_timeout 0:
    "database is locked" at once; at the service's, the busy handler's growing sleeps)."""
    with _child_holding_the_turn(db_path) as release_soon:
        connections = handler(db_path)
        with connections["default"].cursor() as cursor:
            assert connections["default"].get_autocommit()
            cursor.execute("SELECT COUNT(*) FROM log")  # a read never waits: WAL readers see the last commit
            assert cursor.fetchone() == (0,)  # while the child holds its uncommitted row
            release_soon()
            cursor.execute("INSERT INTO log (who) VALUES (%s)", ["alone"])
        assert connections["default"].writer_queue is None  # given back once the statement ran
        connections.close_all()
    assert rows(db_path) == ["child", "alone"]
