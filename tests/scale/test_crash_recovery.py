"""A transcode worker SIGKILLed mid-job: `reelhouse run` restarts it, the scheduler takes the job back, the retry
publishes exactly one package and nothing of the dead attempt is left on disk."""

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import make_clip
from tests.processes import reelhouse_run, wait_for

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def query(db: Path, sql: str, *args):
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql, args).fetchall()


def ffmpeg_processes_writing(name: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"ffmpeg" in cmdline and name.encode() in cmdline:
            pids.append(int(proc.name))
    return pids


@pytest.fixture
def running(tmp_path):
    with reelhouse_run(tmp_path / "var", REELHOUSE_X264_PRESET="veryfast",  # slow enough to be caught mid-encode
                       REELHOUSE_JOB_BACKOFF_S="1", REELHOUSE_JOB_LEASE_S="20") as (proc, _port):
        yield proc, tmp_path / "var"


def test_killed_transcode_worker_is_reclaimed_and_publishes_exactly_once(running):
    proc, var = running
    db = var / "reelhouse.sqlite3"
    clip = make_clip(var / "incoming.mp4", seconds=30, size="1280x720")
    target = var / "demo" / "watch" / "Night Ferry (2024)/Season 01/Night Ferry - S01E01 - Departure.mp4"
    target.parent.mkdir(parents=True)
    clip.rename(target)

    def running_job():
        rows = query(db, "SELECT id, lease_owner, package_dir, progress FROM media_transcodejob "
                         "WHERE state = 'running' AND progress > 0.05")
        return rows[0] if rows else None

    job_id, owner, first_dir, progress = wait_for(running_job, 120, "the transcode to be under way")
    assert progress < 0.9, "the encode finished too fast to be interrupted; use a longer clip"
    worker_pid = int(owner.rsplit(":", 1)[1])
    os.kill(worker_pid, signal.SIGKILL)

    def finished():
        rows = query(db, "SELECT state, attempts, lease_owner, error FROM media_transcodejob WHERE id = ?", job_id)
        return rows[0] if rows[0][0] in ("done", "failed") else None

    state, attempts, lease_owner, error = wait_for(finished, 240, "the retried transcode to finish")
    assert (state, attempts, lease_owner, error) == ("done", 2, "", "")
    assert query(db, "SELECT state, reason FROM ingest_delivery") == [("published", "")]
    [(asset_dir,)] = query(db, "SELECT directory FROM media_asset")
    claims = query(db, "SELECT detail FROM core_auditevent WHERE action = 'transcode.claimed' ORDER BY id")
    assert len(claims) == 2 and owner in claims[0][0] and owner not in claims[1][0]
    removed = query(db, "SELECT detail FROM core_auditevent WHERE action = 'transcode.leftovers_removed'")
    assert len(removed) == 1 and Path(first_dir).name in removed[0][0]
    # The dead worker's task no longer claims to be running.
    # (the worker records the task's result just after the job's own record says done)
    wait_for(lambda: query(db, "SELECT status FROM django_tasks_database_dbtaskresult WHERE queue_name = 'transcode' "
                               "ORDER BY enqueued_at") == [("FAILED",), ("SUCCESSFUL",)], 30,
             "the task results to say the dead worker's run failed and the retry succeeded")
    # The orphaned ffmpeg of the killed worker loses its folder and stops; one package remains, nothing else.
    wait_for(lambda: not ffmpeg_processes_writing(Path(first_dir).name), 30, "the orphaned ffmpeg to stop")
    time.sleep(1)
    packages = var / "media" / "packages"
    assert sorted(p.name for p in packages.iterdir()) == [Path(asset_dir).name]
    assert (packages / Path(asset_dir).name / "master.m3u8").is_file()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert "worker-transcode exited with -9; restarting" in out
    assert "taken back from dead worker" in out and "retrying" in out
