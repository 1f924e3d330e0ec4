"""Exit 0 when the PostgreSQL server in the URL given as argument accepts connections."""

import sys

import psycopg

try:
    url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL check failed: {exc}", file=sys.stderr)
    sys.exit(1)
