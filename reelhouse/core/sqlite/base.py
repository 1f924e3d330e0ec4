"""Django's SQLite backend, with the database file created readable by the owner only, and write transactions
taken in turn through one queue (reelhouse.core.sqlite.writers) instead of SQLite's sleeping busy handler.

SQLite gives the -wal and -shm files the database file's permissions, so creating the database 0600 before SQLite
opens it covers all three (and a database left group- or world-readable by an older version is tightened when
opened)."""

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

    def _start_transaction_under_autocommit(self):
        name = self._on_disk()
        if not name or self.writer_queue is not None:
            return super()._start_transaction_under_autocommit()
        queue = queue_for(name)
        if not queue.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            raise OperationalError("database is locked")
        self.writer_queue = queue
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

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
