"""Prometheus metrics for /metrics.

Two sources, one scrape:
  * request latency per view (django-prometheus's middleware). Under several gunicorn workers these counters live
    in each process, so `reelhouse run` (and any deployment that sets PROMETHEUS_MULTIPROC_DIR) uses
    prometheus_client's multiprocess mode: every worker writes its samples to files in that directory and the
    scrape sums them.
  * everything that describes the site rather than one process (active streams, the scheduler's heartbeat, queue
    depth and age per job kind, transcode speed, ingest counts) is computed from the database at scrape time by
    `SiteCollector`, so any web worker answers the same and nothing is lost when a process restarts.
"""

import datetime as dt
import ipaddress
import os

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from reelhouse.core import clock

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def metrics_allowed(request) -> bool:
    """The one access decision for /metrics: a bearer token equal to REELHOUSE_METRICS_TOKEN (when set), or a
    client address inside REELHOUSE_METRICS_NETWORKS (loopback by default)."""
    import hmac

    token = settings.REELHOUSE_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.REELHOUSE_METRICS_NETWORKS)


def metrics_text() -> bytes:
    """The exposition text: process metrics (summed over workers in multiprocess mode) then the site's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        process = generate_latest(REGISTRY)
    site = CollectorRegistry()
    site.register(SiteCollector())
    return process + generate_latest(site)


class SiteCollector:
    """Gauges read from the database at scrape time."""

    def collect(self):
        now = clock.now()
        yield from self._streams(now)
        yield from self._heartbeats(now)
        yield from self._jobs(now)
        yield from self._tasks(now)
        yield from self._transcode_speed()
        yield from self._ingest()
        yield from self._mail(now)

    def _streams(self, now):
        PlaybackSession = apps.get_model("playback", "PlaybackSession")
        window = dt.timedelta(seconds=2 * settings.REELHOUSE_STREAM_TOKEN_TTL)
        active = PlaybackSession.objects.filter(ended_at__isnull=True, last_heartbeat_at__gte=now - window).count()
        yield GaugeMetricFamily("reelhouse_active_streams", "Playback sessions with a heartbeat in the last two "
                                "token lifetimes and not ended.", value=active)

    def _heartbeats(self, now):
        from reelhouse.core.models import Heartbeat

        family = GaugeMetricFamily("reelhouse_heartbeat_age_seconds", "Seconds since a long-running process "
                                   "(the scheduler) last beat.", labels=["process"])
        for name, at in Heartbeat.objects.values_list("name", "at"):
            family.add_metric([name], (now - at).total_seconds())
        yield family

    def _jobs(self, now):
        from reelhouse.core.jobs import LeasedJob, job_models

        depth = GaugeMetricFamily("reelhouse_jobs", "Leased jobs per kind and state (queued, running, failed).",
                                  labels=["kind", "state"])
        age = GaugeMetricFamily("reelhouse_jobs_oldest_queued_age_seconds", "Age of the oldest queued job per kind.",
                                labels=["kind"])
        for model in job_models():
            kind = model._meta.label_lower
            rows = dict(model.objects.exclude(state=LeasedJob.State.DONE).values_list("state")
                        .annotate(n=Count("pk")).values_list("state", "n"))
            for state in (LeasedJob.State.QUEUED, LeasedJob.State.RUNNING, LeasedJob.State.FAILED):
                depth.add_metric([kind, state], rows.get(state, 0))
            oldest = model.objects.filter(state=LeasedJob.State.QUEUED).aggregate(m=Min("created_at"))["m"]
            age.add_metric([kind], (now - oldest).total_seconds() if oldest else 0.0)
        yield depth
        yield age

    def _tasks(self, now):
        """The tasks backend's queues (every job kind, leased or not): waiting runs and the oldest one's age."""
        if not apps.is_installed("django_tasks_db"):
            return
        from django_tasks_db.models import DBTaskResult

        depth = GaugeMetricFamily("reelhouse_task_queue_depth", "Task runs waiting for a worker, per queue and "
                                  "task.", labels=["queue", "task"])
        age = GaugeMetricFamily("reelhouse_task_queue_oldest_age_seconds", "Age of the oldest waiting task run, per "
                                "queue and task.", labels=["queue", "task"])
        for queue, task, n, oldest in (DBTaskResult.objects.filter(status="READY")
                                       .values_list("queue_name", "task_path").annotate(n=Count("id"),
                                                                                        oldest=Min("enqueued_at"))
                                       .values_list("queue_name", "task_path", "n", "oldest")):
            depth.add_metric([queue, task], n)
            age.add_metric([queue, task], (now - oldest).total_seconds() if oldest else 0.0)
        yield depth
        yield age

    def _transcode_speed(self):
        """Seconds of media packaged per second of wall time over the last 20 finished transcodes (claim to done,
        packaging included), so a site's transcode hours per worker-hour can be read off it."""
        TranscodeJob = apps.get_model("media", "TranscodeJob")
        recent = (TranscodeJob.objects.filter(state="done", asset__isnull=False, started_at__isnull=False,
                                              finished_at__isnull=False)
                  .order_by("-finished_at").values_list("asset__duration_s", "started_at", "finished_at")[:20])
        media = sum(duration for duration, _, _ in recent)
        wall = sum((finished - started).total_seconds() for _, started, finished in recent)
        yield GaugeMetricFamily("reelhouse_transcode_speed_ratio", "Media seconds packaged per wall-clock second "
                                "over the last 20 finished transcodes (x real time).",
                                value=media / wall if wall > 0 else 0.0)

    def _ingest(self):
        Delivery = apps.get_model("ingest", "Delivery")
        family = GaugeMetricFamily("reelhouse_ingest_deliveries", "Deliveries per state.", labels=["state"])
        counts = dict(Delivery.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
        for state in Delivery.State.values:
            family.add_metric([state], counts.get(state, 0))
        yield family

    def _mail(self, now):
        OutgoingMail = apps.get_model("notifications", "OutgoingMail")
        waiting = OutgoingMail.objects.filter(state__in=["queued", "sending"])
        oldest = waiting.aggregate(m=Min("created_at"))["m"]
        yield GaugeMetricFamily("reelhouse_mail_backlog", "Mails queued or being sent (notifications and account "
                                "mail).", value=waiting.count())
        yield GaugeMetricFamily("reelhouse_mail_backlog_oldest_age_seconds", "Age of the oldest mail not yet sent.",
                                value=(now - oldest).total_seconds() if oldest else 0.0)
