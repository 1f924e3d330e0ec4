"""The packages sweep looks up the transcode jobs of the last lease periods by index: with a library's worth of
finished jobs (183,200 episodes each have one), a scan of every job on each sweep would grow with the library."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelhouse.media.sweeps import _recent_job_folders

pytestmark = pytest.mark.django_db


def test_recent_jobs_are_read_by_index_not_by_a_scan_of_every_job():
    with CaptureQueriesContext(connection) as queries:
        _recent_job_folders(since_s=3600)
    [query] = [q["sql"] for q in queries.captured_queries if "media_transcodejob" in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + query)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "USING INDEX transcode_heartbeat_idx" in plan and "USING INDEX transcode_finished_idx" in plan, plan
            assert "SCAN media_transcodejob" not in plan, plan
        else:
            # PostgreSQL chooses by its statistics (on a tiny table a sequential scan is right); with sequential
            # scans priced out, it must have an index to use for both sides of the OR.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query)
            plan = " | ".join(row[0] for row in cursor.fetchall())
            assert "transcode_heartbeat_idx" in plan and "transcode_finished_idx" in plan, plan
