"""Operations: the scheduler's registry and heartbeat, /readyz, and /metrics (access and content)."""

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from reelhouse.core import clock, scheduler
from reelhouse.core.models import Heartbeat
from reelhouse.ingest.models import Delivery
from reelhouse.notifications.models import OutgoingMail
from reelhouse.playback.models import PlaybackSession
from tests.conftest import deliver
from tests.playback.playing import start_playing

pytestmark = pytest.mark.django_db(transaction=True)


def _families(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def _value(family, **labels) -> float:
    return next(s.value for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items()))


def test_apps_register_their_periodic_jobs_and_a_tick_runs_them_and_beats():
    names = {job.name for job in scheduler.periodic_jobs()}
    assert {"core.jobs_reclaim", "ingest.sources_scan", "ingest.tick", "catalog.search_index_rebuild",
            "catalog.availability_refresh_due", "billing.dunning_reminders_send", "rewards.stamps_expire",
            "core.throttles_purge", "notifications.mail_send_due"} <= names
    before = clock.now()
    ran = scheduler.Scheduler(immediate=True).tick()
    assert set(ran) == names
    assert before <= Heartbeat.objects.get(name="scheduler").at <= clock.now()


def test_a_failing_job_does_not_stop_the_others_nor_the_heartbeat():
    errors = []
    scheduler.periodic_register(name="test.broken", every=60, run=lambda: 1 / 0)
    try:
        ran = scheduler.Scheduler(immediate=True, on_error=lambda name, exc: errors.append(name)).tick()
    finally:
        scheduler._registry.pop("test.broken")
    assert errors == ["test.broken"] and "core.jobs_reclaim" in ran
    assert Heartbeat.objects.filter(name="scheduler").exists()


def test_scheduler_command_once_runs_every_job(capsys):
    from django.core.management import call_command

    call_command("scheduler", "--once")
    assert "core.jobs_reclaim" in capsys.readouterr().out
    clock.advance(dt.timedelta(seconds=90))
    assert 90 <= scheduler.heartbeat_age() < 91


def test_readyz_is_ok_with_a_fresh_heartbeat(client):
    scheduler.heartbeat_write()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}, "storage": {"ok": True},
                                                          "scheduler": {"ok": True}}}


def test_readyz_names_a_missing_or_stale_scheduler(client, settings):
    body = client.get("/readyz")
    assert body.status_code == 503 and "never ran" in body.json()["checks"]["scheduler"]["error"]
    stale = dt.timedelta(seconds=settings.REELHOUSE_SCHEDULER_STALE_S + 5)
    Heartbeat.objects.create(name="scheduler", at=clock.now() - stale)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True} and checks["storage"] == {"ok": True}
    assert "last heartbeat is" in checks["scheduler"]["error"]


def test_readyz_names_an_unwritable_media_root(client, settings, tmp_path):
    scheduler.heartbeat_write()
    settings.MEDIA_ROOT = str(tmp_path / "gone")  # not there: nothing can be written
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not writable" in response.json()["checks"]["storage"]["error"]
    assert client.get("/healthz").status_code == 200  # liveness stays trivial


@pytest.mark.parametrize("remote, auth, allowed", [
    ("127.0.0.1", "", True),
    ("203.0.113.9", "", False),
    ("203.0.113.9", "Bearer wrong-token", False),
    ("203.0.113.9", "Bearer s3cret-metrics-token", True),
    ("10.1.2.3", "", True),
])
def test_metrics_only_for_the_operators_networks_or_token(client, settings, remote, auth, allowed):
    settings.REELHOUSE_METRICS_TOKEN = "s3cret-metrics-token"
    settings.REELHOUSE_METRICS_NETWORKS = ["127.0.0.0/8", "10.0.0.0/8"]
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = client.get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert "reelhouse_ingest_deliveries" in _families(response)


def test_metrics_after_an_ingest_a_heartbeat_and_a_play(client, licensed_source, clip_cache, subscriber, settings):
    settings.REELHOUSE_STABLE_SECONDS = 0
    deliver(licensed_source, "Test Show (2020)/Season 01/Test Show - S01E01 - Pilot.mkv", clip_cache(seconds=4))
    tick = scheduler.Scheduler(immediate=True)
    tick.tick()  # first sight: waiting
    tick.due = dict.fromkeys(tick.due, 0)
    tick.tick()  # settled: processed, transcoded and published (immediate task backend in tests)
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED
    client.force_login(subscriber)
    from reelhouse.catalog.models import Episode

    start_playing(client, Episode.objects.get())
    assert client.get("/healthz").status_code == 200
    families = _families(client.get("/metrics"))
    assert _value(families["reelhouse_ingest_deliveries"], state="published") == 1
    assert _value(families["reelhouse_active_streams"]) == PlaybackSession.objects.count() == 1
    assert 0 <= _value(families["reelhouse_heartbeat_age_seconds"], process="scheduler") < 5
    assert _value(families["reelhouse_transcode_speed_ratio"]) > 0
    assert _value(families["reelhouse_jobs"], kind="media.transcodejob", state="queued") == 0
    assert _value(families["reelhouse_jobs_oldest_queued_age_seconds"], kind="media.transcodejob") == 0
    assert _value(families["reelhouse_mail_backlog"]) == OutgoingMail.objects.filter(state="queued").count()
    latency = families["django_http_requests_latency_seconds_by_view_method"]
    assert any(s.labels.get("view") == "healthz" and s.name.endswith("_count") and s.value >= 1
               for s in latency.samples)
