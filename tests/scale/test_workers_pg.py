"""Several worker processes on PostgreSQL pull from one transcode queue: every job runs exactly once, even when
each job was enqueued twice so the workers race for it."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from reelhouse.core.jobs import job_enqueue
from reelhouse.core.models import AuditEvent
from reelhouse.ingest.models import Delivery
from reelhouse.ingest.services import delivery_process
from reelhouse.media.models import Asset, TranscodeJob
from tests.conftest import deliver, scan_until_settled
from tests.processes import ROOT

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                          "QUEUES": ["default", "transcode", "ingest", "feeds"]}}
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                    "QUEUES": ["default", "transcode", "ingest", "feeds"]}}

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="needs DATABASE_URL pointing at PostgreSQL"),
]


def test_two_workers_never_run_the_same_job(settings, licensed_source, clip_cache):
    settings.TASKS = HELD
    patterns = ["testsrc", "testsrc2", "smptebars", "rgbtestsrc", "yuvtestsrc", "smptehdbars"]
    for number, pattern in enumerate(patterns, start=1):
        deliver(licensed_source, f"Race Show/Season 01/Race Show - S01E0{number}.mkv",
                clip_cache(seconds=1, size="320x180", pattern=pattern))
    scan_until_settled(licensed_source)
    for delivery in Delivery.objects.all():
        delivery_process(delivery=delivery)
    jobs = list(TranscodeJob.objects.all())
    assert len(jobs) == len(patterns)
    settings.TASKS = DB_BACKEND
    for job in jobs:  # every job twice: both workers see a task for it
        job_enqueue(job=job)
        job_enqueue(job=job)

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "REELHOUSE_TESTING"} | {
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REELHOUSE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "REELHOUSE_X264_PRESET": "ultrafast",
    }
    workers = [subprocess.Popen([sys.executable, "-m", "reelhouse.manage", "db_worker", "--queue-name", "transcode",
                                 "--batch", "--interval", "0", "--no-reload", "--no-startup-delay",
                                 "--worker-id", f"race-{n}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for n in (1, 2)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    history = {j.pk: list(AuditEvent.objects.filter(subject_id=str(j.pk), action__startswith="transcode.")
                          .values_list("action", "detail")) for j in TranscodeJob.objects.exclude(attempts=1)}
    assert set(TranscodeJob.objects.values_list("state", "attempts")) == {("done", 1)}, (history, outputs)
    claims = AuditEvent.objects.filter(action="transcode.claimed")
    assert sorted(int(c.subject_id) for c in claims) == sorted(j.pk for j in jobs)  # one claim per job
    assert Asset.objects.count() == len(jobs)
    owners = {c.detail["owner"] for c in claims}
    assert 1 <= len(owners) <= 2 and all(o.rsplit(":", 1)[1].isdigit() for o in owners)
