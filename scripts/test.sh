#!/usr/bin/env bash
# The whole suite: lint, every test on the embedded default (SQLite), then the PostgreSQL run when a
# server is reachable (it says loudly when it is not).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export REELHOUSE_TESTING=1 REELHOUSE_VAR_DIR="${REELHOUSE_VAR_DIR:-$PWD/var/test}"
# One pytest-xdist worker per core (REELHOUSE_TEST_WORKERS overrides; arguments after ours win, e.g. `-n 0`). Much
# of the suite waits on real time (browsers playing, servers starting), so two workers on two cores overlap it.
# Each worker has its own test database (a SQLite file per process, test_<name>_gw<N> on PostgreSQL); whole files
# go to one worker so a module's packaged clips are transcoded once.
PARALLEL=(-n "${REELHOUSE_TEST_WORKERS:-$(nproc)}" --dist loadfile)

echo "== ruff"
$BIN/ruff check .

echo "== import layers (.importlinter)"
$BIN/lint-imports

echo "== tests on SQLite (embedded default)"
$BIN/pytest -p no:cacheprovider "${PARALLEL[@]}" "$@"

PG_URL="${REELHOUSE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/reelhouse}"
if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  # As a fleet runs it: Django's connection pool in every process, through a real pgbouncer in transaction mode
  # that the test session starts (tests/conftest.py; the test databases are created and dropped directly).
  # Deselected here (not skipped), as they ran on SQLite above: the browser journeys (e2e), and tests that touch
  # no database, so the engine changes nothing for them (engine_independent: parsers, ffmpeg, nginx, subprocesses on
  # their own SQLite; tests/conftest.py refuses the mark on a test that uses the test database).
  echo "== tests on PostgreSQL ($PG_URL, REELHOUSE_PG_POOL=2:8, through pgbouncer in transaction mode)"
  DATABASE_URL="$PG_URL" REELHOUSE_PG_POOL=2:8 REELHOUSE_PG_PGBOUNCER=1 $BIN/pytest -p no:cacheprovider "${PARALLEL[@]}" \
    -m "not e2e and not engine_independent" "$@"
else
  echo "############################################################################"
  echo "## PostgreSQL NOT REACHABLE at $PG_URL: the PostgreSQL suite was NOT RUN. ##"
  echo "############################################################################"
  if [ "${CI:-}" = "true" ]; then echo "CI requires the PostgreSQL suite"; exit 1; fi
fi
