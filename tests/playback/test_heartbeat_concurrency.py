"""Heartbeats and starts of one account racing on real connections (threads; SQLite's WAL file, or PostgreSQL with
DATABASE_URL): the entitlement checks are read outside the write transaction, and the plan's stream limit stays
exact all the same."""

import datetime as dt
import threading

import pytest
from django.db import connection

from reelhouse.billing.models import Plan
from reelhouse.core import clock
from reelhouse.playback import services
from reelhouse.playback.models import PlaybackSession
from reelhouse.playback.selectors import entitlement_check, sessions_live
from reelhouse.playback.services import PlaybackRefused, playback_heartbeat, playback_start, playback_stop
from tests.playback.playing import published_film

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def work(licensed_source):
    return published_film(licence=licensed_source.licence)


@pytest.fixture
def profile(subscriber):
    return subscriber.profiles.get()


def _at_once(calls):
    """Run the calls in threads released together (each thread its own database connection); their results, or
    the exceptions they raised, in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i):
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # the refusals are results too
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _all_read_first(monkeypatch, parties: int) -> None:
    """The race made certain: every thread finishes reading the checks before any goes on to write."""
    barrier = threading.Barrier(parties, timeout=30)

    def checks_then_wait(**kwargs):
        refusal = entitlement_check(**kwargs)
        barrier.wait()
        return refusal

    monkeypatch.setattr(services, "entitlement_check", checks_then_wait)


def test_heartbeats_over_a_lowered_limit_at_once_keep_exactly_the_limit(profile, work, monkeypatch):
    # Four devices play on a four-stream plan; the plan drops to one stream; all four heartbeat at the same moment.
    # Each one reads the limit refused before any has ended, so unserialized they would all end; the recheck under
    # the account's lock keeps one playing.
    plan = profile.user.subscriptions.get().plan
    Plan.objects.filter(pk=plan.pk).update(max_streams=4)
    sessions = [playback_start(profile=profile, work=work, device=f"device {i}", device_id=f"device-{i:012d}")
                for i in range(4)]
    Plan.objects.filter(pk=plan.pk).update(max_streams=1)
    _all_read_first(monkeypatch, 4)
    first = _at_once([lambda s=s: playback_heartbeat(session=s, position_s=30, duration_s=600) for s in sessions])
    kept = [r for r in first if isinstance(r, PlaybackSession)]
    assert len(kept) == 1 and sorted(r.code for r in first if isinstance(r, PlaybackRefused)) == ["streams"] * 3
    assert list(sessions_live(user=profile.user)) == kept
    # The next heartbeats at once: the one kept goes on, the ended ones are told they were stopped.
    second = _at_once([lambda s=s: playback_heartbeat(session=s, position_s=60, duration_s=600) for s in sessions])
    assert [r for r in second if isinstance(r, PlaybackSession)] == kept
    assert sorted(r.code for r in second if isinstance(r, PlaybackRefused)) == ["stopped"] * 3

def test_starts_on_many_devices_at_once_never_exceed_the_limit(profile, work, monkeypatch):
    assert profile.user.subscriptions.get().plan.max_streams == 2
    _all_read_first(monkeypatch, 6)
    results = _at_once([lambda i=i: playback_start(profile=profile, work=work, device=f"device {i}",
                                                   device_id=f"device-{i:012d}") for i in range(6)])
    started = [r for r in results if isinstance(r, PlaybackSession)]
    refused = [r for r in results if isinstance(r, PlaybackRefused)]
    assert len(started) == 2 and len(refused) == 4 and {r.code for r in refused} == {"streams"}, results
    assert sessions_live(user=profile.user).count() == 2


def test_a_session_stopped_while_its_heartbeat_reads_the_checks_is_not_kept(profile, work, monkeypatch):
    session = playback_start(profile=profile, work=work, device="tv", device_id="tv-device-000001")
    heard = PlaybackSession.objects.get(pk=session.pk).last_heartbeat_at
    clock.advance(dt.timedelta(seconds=30))
    outside = []

    def checks_then_stopped_elsewhere(**kwargs):
        outside.append(not connection.in_atomic_block)  # the checks hold no write lock
        refusal = entitlement_check(**kwargs)
        playback_stop(session=PlaybackSession.objects.get(pk=session.pk))  # the owner stops it from the account page
        return refusal

    monkeypatch.setattr(services, "entitlement_check", checks_then_stopped_elsewhere)
    with pytest.raises(PlaybackRefused) as refused:
        playback_heartbeat(session=session, position_s=42, duration_s=600)
    assert outside == [True] and refused.value.code == "stopped"
    session.refresh_from_db()
    assert session.ended_reason == "stopped" and session.last_heartbeat_at == heard
