"""Jobs that survive their workers, on top of Django's tasks API: a lease renewed by heartbeats, reclaim of
jobs whose worker died, retry with exponential backoff and an attempt limit.

django-tasks-db leaves a job whose worker was SIGKILLed RUNNING forever, so every long job keeps its own
record (a concrete subclass of `LeasedJob`) and the task only carries its id. The task claims the record with
one conditional UPDATE (so two workers never run the same job, on SQLite or PostgreSQL), renews the lease while
it works, and ends it with `job_succeed` / `job_fail`. `jobs_reclaim()`, run by the scheduler, requeues jobs
whose lease expired (or whose worker process on this host is gone) and gives up after the attempt limit.
"""

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import F, Q

from reelhouse.core import clock

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker (or the reclaimer) took this job over; the current holder must stop without writing."""


def lease_seconds() -> float:
    return float(getattr(settings, "REELHOUSE_JOB_LEASE_S", 60))


def max_attempts() -> int:
    return int(getattr(settings, "REELHOUSE_JOB_MAX_ATTEMPTS", 3))


def backoff_seconds(attempts: int) -> float:
    """Wait before attempt `attempts + 1`: base, 2x base, 4x base... capped at an hour."""
    base = float(getattr(settings, "REELHOUSE_JOB_BACKOFF_S", 30))
    return min(3600.0, base * 2 ** max(0, attempts - 1))


def worker_id() -> str:
    """Who holds a lease: host and process id, so a dead process on this host is recognised at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeasedJob(models.Model):
    """The durable record of a background job. Each concrete subclass is a job kind, registered with
    `job_kind_register` from its app's ready(): which task runs it, and what to do when it is given up, reclaimed
    from a dead worker, or when its leftovers are swept."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    priority = models.SmallIntegerField(default=0, help_text="Higher runs first (django-tasks priority).")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=255, blank=True, help_text="host:pid of the worker holding the job.")
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retry_at = models.DateTimeField(null=True, blank=True, help_text="When a queued retry may start.")
    task_result_id = models.CharField(max_length=64, blank=True, help_text="The tasks backend's id of the last "
                                      "enqueued run.")

    class Meta:
        abstract = True

    @property
    def max_attempts(self) -> int:
        return max_attempts()


# --- job kinds ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobKind:
    model: type[LeasedJob]
    task: object  # the django-tasks Task, enqueued with the job's pk as its one argument (its own queue)
    on_failed: Callable[[LeasedJob, str], None] | None = None  # once, when the job is given up for good
    on_reclaimed: Callable[[LeasedJob, str], None] | None = None  # after it was taken back from a dead worker
    sweep: Callable[[], int] | None = None  # periodic clean-up of leftovers no live job owns; how many removed


_kinds: dict[type[LeasedJob], JobKind] = {}


def job_kind_register(*, model: type[LeasedJob], task, on_failed=None, on_reclaimed=None, sweep=None) -> None:
    """Declare a job kind (from its app's ready()); the scheduler reclaims and sweeps every registered kind."""
    _kinds[model] = JobKind(model=model, task=task, on_failed=on_failed, on_reclaimed=on_reclaimed, sweep=sweep)


def job_kind(model: type[LeasedJob]) -> JobKind:
    try:
        return _kinds[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a registered job kind: call core.jobs.job_kind_register() "
                          "in its app's ready()") from None


# --- enqueue, claim, heartbeat, finish --------------------------------------------------------------

def job_enqueue(*, job: LeasedJob, run_after: dt.datetime | None = None) -> None:
    """Queue a run of the job once the current transaction commits, with its priority (and delay, where the
    backend can defer)."""

    def send() -> None:
        task = job_kind(type(job)).task.using(priority=job.priority)
        if run_after is not None and task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        result = task.enqueue(job.pk)
        type(job).objects.filter(pk=job.pk).update(task_result_id=str(result.id))

    transaction.on_commit(send)


def job_claim(*, model: type[LeasedJob], pk, owner: str | None = None) -> LeasedJob | None:
    """Take the job for this worker with one conditional UPDATE; None when it is not (or no longer) claimable:
    done, failed, or held by a live lease. Two workers racing for one job: exactly one gets it."""
    owner = owner or worker_id()
    now = clock.now()
    claimable = Q(state=LeasedJob.State.QUEUED) | Q(state=LeasedJob.State.RUNNING, lease_expires_at__lt=now,
                                                     attempts__lt=max_attempts())
    taken = model.objects.filter(claimable, pk=pk).update(
        state=LeasedJob.State.RUNNING, lease_owner=owner, lease_expires_at=now + dt.timedelta(seconds=lease_seconds()),
        heartbeat_at=now, started_at=now, finished_at=None, retry_at=None, attempts=F("attempts") + 1,
    )
    if taken != 1:
        return None
    return model.objects.get(pk=pk)


def _leased_row(job: LeasedJob) -> models.QuerySet:
    """The job's row while it still runs under this worker's lease (empty once the lease is lost): update through it
    so that a worker whose lease expired cannot overwrite the new holder's state."""
    return type(job).objects.filter(pk=job.pk, state=LeasedJob.State.RUNNING, lease_owner=job.lease_owner)


def job_heartbeat(*, job: LeasedJob, **fields) -> None:
    """Renew the lease (and write progress fields). Raises LeaseLost when the job was taken over."""
    now = clock.now()
    if not _leased_row(job).update(heartbeat_at=now, lease_expires_at=now + dt.timedelta(seconds=lease_seconds()),
                                   **fields):
        raise LeaseLost(f"{job._meta.verbose_name} #{job.pk}: lease of {job.lease_owner} was taken over")
    job.heartbeat_at = now
    job._beat_monotonic = time.monotonic()
    for name, value in fields.items():
        setattr(job, name, value)


@contextmanager
def job_lease_kept(job: LeasedJob) -> Iterator[None]:
    """Keep renewing the lease from a background thread while the block runs, for stretches of work that report
    no progress (packaging steps after the encode). It writes only when the job itself has been quiet for a
    third of the lease; taking the job over is still decided by the conditional updates."""
    every = lease_seconds() / 3
    stop = threading.Event()
    job._beat_monotonic = getattr(job, "_beat_monotonic", time.monotonic())

    def beat() -> None:
        try:
            while not stop.wait(every / 3):
                if time.monotonic() - job._beat_monotonic < every:
                    continue
                now = clock.now()
                try:
                    _leased_row(job).update(heartbeat_at=now,
                                            lease_expires_at=now + dt.timedelta(seconds=lease_seconds()))
                    job._beat_monotonic = time.monotonic()
                except DatabaseError as exc:  # the next beat tries again; the lease outlives a few misses
                    log.warning("%s #%s: heartbeat not written: %s", job._meta.verbose_name, job.pk, exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"lease-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def job_succeed(*, job: LeasedJob, **fields) -> None:
    """Mark the job done; call inside the transaction that stores its result so both commit or neither.
    Raises LeaseLost (rolling the transaction back) when this worker no longer holds the job."""
    now = clock.now()
    if not _leased_row(job).update(state=LeasedJob.State.DONE, finished_at=now, lease_owner="", lease_expires_at=None,
                                   error="", **fields):
        raise LeaseLost(f"{job._meta.verbose_name} #{job.pk}: lease of {job.lease_owner} was taken over "
                        "before it could finish")
    job.state, job.finished_at = LeasedJob.State.DONE, now


def job_fail(*, job: LeasedJob, error: str, retry: bool = True) -> str:
    """End this attempt: queue a retry after a backoff while attempts remain (and `retry`), else give up with
    the error kept for the operator. Returns the new state; nothing happens if the lease was lost."""
    changed = _job_end_attempt(job=job, error=error, retry=retry, current=_leased_row(job))
    return job.state if changed else type(job).objects.get(pk=job.pk).state


def job_release(*, job: LeasedJob) -> None:
    """The worker is shutting down mid-job: hand the job back at once, without counting the attempt."""
    with transaction.atomic():
        if _leased_row(job).update(state=LeasedJob.State.QUEUED, lease_owner="", lease_expires_at=None,
                             attempts=F("attempts") - 1):
            job_enqueue(job=job)


def _job_end_attempt(*, job: LeasedJob, error: str, retry: bool, current: models.QuerySet) -> bool:
    """Move a running job to QUEUED (retry) or FAILED through the conditional queryset `current`; False when
    that queryset no longer matches (someone else moved the job first)."""
    now = clock.now()
    with transaction.atomic():
        if retry and job.attempts < job.max_attempts:
            retry_at = now + dt.timedelta(seconds=backoff_seconds(job.attempts))
            if not current.update(state=LeasedJob.State.QUEUED, lease_owner="", lease_expires_at=None,
                                  retry_at=retry_at, error=error):
                return False
            job.state, job.error, job.retry_at = LeasedJob.State.QUEUED, error, retry_at
            log.warning("%s #%s attempt %s/%s failed, retrying at %s: %s", job._meta.verbose_name, job.pk,
                        job.attempts, job.max_attempts, retry_at.isoformat(timespec="seconds"), error[-300:])
            job_enqueue(job=job, run_after=retry_at)
            return True
        if job.attempts > 1 and retry:
            error = f"gave up after {job.attempts} attempts; last: {error}"
        if not current.update(state=LeasedJob.State.FAILED, finished_at=now, lease_owner="", lease_expires_at=None,
                              error=error):
            return False
        job.state, job.error, job.finished_at = LeasedJob.State.FAILED, error, now
        log.error("%s #%s failed: %s", job._meta.verbose_name, job.pk, error[-500:])
        if on_failed := job_kind(type(job)).on_failed:
            on_failed(job, error)  # exactly once: only the UPDATE that moved it to FAILED gets here
        return True


# --- reclaim --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reclaimed:
    job: LeasedJob
    previous_owner: str
    state: str  # queued (will be retried) or failed (attempt limit reached)


def owner_is_dead(owner: str) -> bool:
    """True when the lease holder is a process on this host that no longer runs (or is a zombie)."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def job_models() -> list[type[LeasedJob]]:
    return list(_kinds)


def jobs_reclaim(*, models_: list[type[LeasedJob]] | None = None) -> list[Reclaimed]:
    """Take back every running job whose lease expired or whose worker process on this host is gone; queue a
    retry with backoff, or give up after the attempt limit. Safe to run from several schedulers at once."""
    out: list[Reclaimed] = []
    now = clock.now()
    for model in models_ if models_ is not None else job_models():
        running = model.objects.filter(state=LeasedJob.State.RUNNING)
        with transaction.atomic():
            # On PostgreSQL a second scheduler skips rows this one is looking at; SQLite serialises writers anyway.
            candidates = list(running.select_for_update(skip_locked=True)
                              if connection.features.has_select_for_update_skip_locked else running)
        for job in candidates:
            expired = job.lease_expires_at is not None and job.lease_expires_at < now
            if not (expired or owner_is_dead(job.lease_owner)):
                continue
            previous = job.lease_owner
            why = (f"worker {previous or '?'} stopped answering (last heartbeat "
                   f"{job.heartbeat_at:%Y-%m-%d %H:%M:%S}Z)" if job.heartbeat_at else f"worker {previous} vanished")
            # Compare-and-set on the heartbeat: a worker that beat in the meantime keeps its job.
            current = model.objects.filter(pk=job.pk, state=LeasedJob.State.RUNNING, lease_owner=previous,
                                           heartbeat_at=job.heartbeat_at)
            if job.error and job.error not in why:
                why += f"; before that: {job.error[-1500:]}"
            abandoned_task = job.task_result_id
            if _job_end_attempt(job=job, error=why, retry=True, current=current):
                _task_result_abandon(abandoned_task, why)
                if on_reclaimed := job_kind(model).on_reclaimed:
                    on_reclaimed(job, previous)
                out.append(Reclaimed(job=job, previous_owner=previous, state=job.state))
        out_swept = sweep() if (sweep := job_kind(model).sweep) else 0
        if out_swept:
            log.info("%s: removed %s leftovers", model._meta.verbose_name_plural, out_swept)
    return out


def job_run(*, model: type[LeasedJob], pk, work: Callable[[LeasedJob], object]) -> str:
    """Run one job of a kind whose work is idempotent (running it again after a crash does no harm): claim it,
    keep its lease while `work(job)` runs, then mark it done; an error is retried with backoff, a stopping worker
    hands it back. Returns the job's state ('skipped' when another worker holds it or it already ended)."""
    job = job_claim(model=model, pk=pk)
    if job is None:
        return "skipped"
    try:
        with job_lease_kept(job):
            work(job)
        with transaction.atomic():
            job_succeed(job=job)
        return job.state
    except LeaseLost as exc:
        log.warning("%s", exc)
        return "lost"
    except Exception as exc:  # a bug or an unexpected error must not leave the job RUNNING
        log.exception("%s crashed", job)
        return job_fail(job=job, error=f"{type(exc).__name__}: {exc}")
    except BaseException:  # the worker is being stopped: hand the job back for another worker
        job_release(job=job)
        raise


def jobs_reclaim_and_report() -> list[Reclaimed]:
    """The scheduler's periodic reclaim: `jobs_reclaim()`, each job taken back logged for the operator."""
    reclaimed = jobs_reclaim()
    for r in reclaimed:
        what = "retrying" if r.state == LeasedJob.State.QUEUED else "given up"
        log.warning("%s taken back from dead worker %s: %s", r.job, r.previous_owner, what)
    return reclaimed


def _task_result_abandon(task_result_id: str, why: str) -> None:
    """django-tasks-db keeps the dead worker's task RUNNING forever; close it so its admin tells the truth."""
    if not task_result_id or not apps.is_installed("django_tasks_db"):
        return
    try:
        uuid.UUID(task_result_id)
    except ValueError:  # enqueued through another backend
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_result_id, status="RUNNING").update(
        status="FAILED", finished_at=clock.now(), exception_class_path="reelhouse.core.jobs.LeaseLost",
        traceback=why)
