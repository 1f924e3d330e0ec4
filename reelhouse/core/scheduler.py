"""The scheduler: periodic work in one place, run by its own process (`reelhouse scheduler`; `reelhouse run`
starts one). Apps register their periodic jobs from their AppConfig.ready():

    scheduler.periodic_register(name="catalog.search_index", every=30 * 60, first=60, task=search_index_rebuild)

A job is either a django-tasks Task (queued for a worker, so the scheduler never waits for it) or a short
callable run in the scheduler itself (watch-folder scans, reclaiming expired leases). Each tick writes a
heartbeat row that /readyz and /metrics read, so a stopped scheduler is visible.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reelhouse.core import clock

log = logging.getLogger(__name__)


@dataclass
class Periodic:
    name: str
    every: float | Callable[[], float]  # seconds, or a callable read at each run (a setting)
    first: float = 0.0  # seconds after the scheduler starts
    task: object | None = None  # a django-tasks Task enqueued without arguments
    run: Callable[[], object] | None = None  # or a callable run in the scheduler process
    due: float = field(default=0.0, compare=False)

    def interval(self) -> float:
        return float(self.every() if callable(self.every) else self.every)


_registry: dict[str, Periodic] = {}


def periodic_register(*, name: str, every, first: float = 0.0, task=None, run=None) -> None:
    """Register (or replace, by name) one periodic job: exactly one of `task` and `run`."""
    if (task is None) == (run is None):
        raise ValueError(f"periodic job {name!r}: give either a task to queue or a callable to run, not both")
    _registry[name] = Periodic(name=name, every=every, first=first, task=task, run=run)


def periodic_jobs() -> list[Periodic]:
    return list(_registry.values())


_companions: dict[str, Callable[[], Callable[[], None]]] = {}


def companion_register(*, name: str, start: Callable[[], Callable[[], None]]) -> None:
    """Register a background helper the scheduler process runs beside its ticks (the watch-folder notifier):
    `start()` starts it and returns the function that stops it."""
    _companions[name] = start


def companions_start() -> list[Callable[[], None]]:
    """Start every registered companion; returns their stop functions."""
    return [start() for start in _companions.values()]


class Scheduler:
    """Runs the registered periodic jobs when they are due. `tick()` is one beat; `run_forever()` loops."""

    def __init__(self, *, name: str = "scheduler", immediate: bool = False,
                 on_error: Callable[[str, Exception], None] | None = None):
        """`immediate`: every job is due at the first tick (ignoring `first`), for `--once` and tests."""
        self.name = name
        self.on_error = on_error
        self.immediate = immediate
        start = time.monotonic()
        self.due = {job.name: start + (0 if immediate else job.first) for job in periodic_jobs()}

    def tick(self) -> list[str]:
        """Run what is due, then write the heartbeat; returns the names of the jobs run or queued."""
        ran = []
        now = time.monotonic()
        for job in periodic_jobs():
            if now < self.due.setdefault(job.name, now + (0 if self.immediate else job.first)):
                continue
            self.due[job.name] = now + job.interval()
            try:
                if job.task is not None:
                    job.task.enqueue()
                else:
                    job.run()
                ran.append(job.name)
            except Exception as exc:  # one failing job must not stop the others (nor the heartbeat)
                log.exception("periodic job %s failed", job.name)
                if self.on_error:
                    self.on_error(job.name, exc)
        heartbeat_write(name=self.name)
        return ran

    def run_forever(self, *, stop: Callable[[], bool], interval: float = 1.0) -> None:
        while not stop():
            self.tick()
            deadline = time.monotonic() + interval
            while not stop() and time.monotonic() < deadline:
                time.sleep(0.1)


def heartbeat_write(*, name: str = "scheduler") -> None:
    from reelhouse.core.models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"at": clock.now()})


def heartbeat_age(*, name: str = "scheduler") -> float | None:
    """Seconds since the named process last beat; None when it never did."""
    from reelhouse.core.models import Heartbeat

    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return None if at is None else (clock.now() - at).total_seconds()
