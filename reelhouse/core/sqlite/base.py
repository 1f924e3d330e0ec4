"""Django's SQLite backend, with the database file created readable by the owner only. SQLite gives the -wal and
-shm files the database file's permissions, so creating the database 0600 before SQLite opens it covers all three
(and a database left group- or world-readable by an older version is tightened when opened)."""

from django.db.backends.sqlite3 import base

from reelhouse.core.private import create_private, restrict


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = str(conn_params.get("database", ""))
        if name and not self.is_in_memory_db() and not name.startswith("file:"):
            create_private(name)
            for suffix in ("-wal", "-shm"):
                restrict(name + suffix)
        return super().get_new_connection(conn_params)
