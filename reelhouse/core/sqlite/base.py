"""Django's SQLite backend, with the database file created readable by the owner only, and writes taken in turn
through one queue (reelhouse.core.sqlite.writers) instead of SQLite's sleeping busy handler: write transactions
from BEGIN to COMMIT or ROLLBACK, and a statement that writes outside a transaction (an UPDATE in autocommit, as the
heartbeat's) for the time it runs.

SQLite gives the -wal and -shm files the database file's permissions, so creating the database 0600 before SQLite
opens it covers all three (and a database left group- or world-readable by an older version is tightened when
opened)."""

from contextlib import contextmanager

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from reelhouse.core.private import create_private, restrict
from reelhouse.core.sqlite.writers import queue_for


class DatabaseWrapper(base.DatabaseWrapper):
    writer_queue = None  # the queue whose turn this connection holds, between BEGIN and COMMIT/ROLLBACK/close

    def _on_disk(self) -> str:
        name = str(self.settings_dict["NAME"])
        return "" if not name or self.is_in_memory_db() or name.startswith("file:") else name

    def get_new_connection(self, conn_params):
        name = str(conn_params.get("database", ""))
        if name and not self.is_in_memory_db() and not name.startswith("file:"):
            create_private(name)
            for suffix in ("-wal", "-shm"):
                restrict(name + suffix)
        return super().get_new_connection(conn_params)

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=QueuedCursor)
        cursor.db = self
        return cursor

    def _take_turn(self) -> bool:
        """Wait for this database's write turn, unless it is in memory or this connection holds it already; True
        when this call took it (the caller gives it back: _leave_queue)."""
        name = self._on_disk()
        if not name or self.writer_queue is not None:
            return False
        queue = queue_for(name)
        if not queue.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            raise OperationalError("database is locked")
        self.writer_queue = queue
        return True

    def _start_transaction_under_autocommit(self):
        took = self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            if took:
                self._leave_queue()
            raise

    @contextmanager
    def statement_turn(self):
        """The write turn for one statement run outside a transaction (SQLite's autocommit)."""
        took = self._take_turn()
        try:
            yield
        finally:
            if took:
                self._leave_queue()

    def _leave_queue(self):
        queue, self.writer_queue = self.writer_queue, None
        if queue is not None:
            queue.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()


class QueuedCursor(base.SQLiteCursorWrapper):
    """Django's cursor, taking the write turn for a statement that may write and runs outside a transaction. Inside
    one (the connection's turn is held from BEGIN) and for reads, nothing changes."""

    db = None

    def _alone(self, query: str) -> bool:
        return (not self.connection.in_transaction and self.db.writer_queue is None
                and query.lstrip()[:6].upper() != "SELECT")

    def execute(self, query, params=None):
        if self._alone(query):
            with self.db.statement_turn():
                return super().execute(query, params)
        return super().execute(query, params)

    def executemany(self, query, param_list):
        if self._alone(query):
            with self.db.statement_turn():
                return super().executemany(query, param_list)
        return super().executemany(query, param_list)
