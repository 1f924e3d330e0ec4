"""core/prepared.py: a statement built with the ORM once and run with new values gives what the same queryset gives
(rows, related objects, converted values, rows changed), at the edges of its conditions too, in every thread, and
is run (and seen, as every query) through the connection's cursor."""

import datetime as dt
import threading

import pytest
from django.db import connection, models
from django.db.models import BigIntegerField, DateTimeField
from django.test.utils import CaptureQueriesContext

from reelhouse.accounts.services import user_create
from reelhouse.billing.selectors import plan_limits_query
from reelhouse.billing.services import subscription_grant
from reelhouse.core import clock
from reelhouse.core.prepared import Arg, Prepared, PreparedUpdate
from reelhouse.playback.models import PlaybackSession, ResumePoint
from reelhouse.playback.services import playback_start
from reelhouse.rights.models import Notice, WorkWithdrawal
from tests.playback.playing import published_film

pytestmark = pytest.mark.django_db

SESSION = Prepared(lambda: PlaybackSession.objects.select_related("profile__user", "work__licence", "asset")
                   .filter(pk=Arg("pk", PlaybackSession._meta.pk)))
HEARD_SINCE = Prepared(lambda: PlaybackSession.objects.filter(last_heartbeat_at__gt=Arg("since", DateTimeField()))
                       .order_by("started_at").values_list("pk", flat=True))
LIMITS = Prepared(lambda: plan_limits_query(user=Arg("user", BigIntegerField()), at=Arg("at", DateTimeField())))
RESUME = PreparedUpdate(
    lambda: ResumePoint.objects.filter(profile_id=Arg("profile", BigIntegerField()),
                                       work_id=Arg("work", BigIntegerField())),
    position_s=Arg("position", models.FloatField()), watched=Arg("watched", models.BooleanField()),
    updated_at=Arg("now", DateTimeField()))


@pytest.fixture
def film(licensed_source):
    return published_film(licence=licensed_source.licence)


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_prepared_read_gives_the_rows_and_related_objects_the_queryset_gives(subscriber, film):
    session = playback_start(profile=subscriber.profiles.get(), work=film, device="Firefox", device_id="d" * 22)
    other = playback_start(profile=subscriber.profiles.get(), work=published_film(
        licence=film.licence, title="Another", directory="packages/y"), device="Chrome", device_id="e" * 22)
    plain = PlaybackSession.objects.select_related("profile__user", "work__licence", "asset").get(pk=session.pk)
    with CaptureQueriesContext(connection) as queries:
        prepared = SESSION.first(pk=session.pk)
        related = [prepared.profile.user, prepared.work.licence, prepared.asset]  # already there: no query more
    assert len(queries) == 1 and str(session.pk).replace("-", "") in queries[0]["sql"].replace("-", "")
    assert isinstance(prepared, PlaybackSession) and _columns(prepared) == _columns(plain)
    assert [_columns(o) for o in related] == [_columns(o) for o in (plain.profile.user, plain.work.licence,
                                                                    plain.asset)]
    assert _columns(prepared.work) == _columns(plain.work) and _columns(prepared.profile) == _columns(plain.profile)
    assert SESSION.first(pk=other.pk).work.title == "Another"  # the same statement, other values
    assert SESSION.first(pk="0" * 32) is None and SESSION.all(pk=other.pk)[0].pk == other.pk


def test_a_prepared_datetime_condition_holds_at_its_edges_as_the_orm_s_does(subscriber, film):
    sessions = [PlaybackSession.objects.create(profile=subscriber.profiles.get(), work=film, asset=film.asset,
                                               device="d", device_id=f"{i:022d}") for i in range(3)]
    heard = dt.datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=dt.UTC)
    for i, session in enumerate(sessions):
        PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=heard + dt.timedelta(microseconds=i))
    paris = dt.timezone(dt.timedelta(hours=2))
    for since in (heard - dt.timedelta(microseconds=1), heard, heard + dt.timedelta(microseconds=1),
                  heard.astimezone(paris), heard + dt.timedelta(microseconds=2), heard + dt.timedelta(days=1)):
        orm = list(PlaybackSession.objects.filter(last_heartbeat_at__gt=since).order_by("started_at")
                   .values_list("pk", flat=True))
        assert HEARD_SINCE.all(since=since) == orm, since
    assert len(HEARD_SINCE.all(since=heard)) == 2  # strictly after: the session heard at `heard` itself is not


def test_a_prepared_values_list_with_its_subquery_and_ordering_matches_the_queryset(subscriber):
    stranger = user_create(email="stranger@example.com", password="another horse battery", display_name="Stranger")
    lapsed = user_create(email="lapsed@example.com", password="another horse battery", display_name="Lapsed")
    subscription_grant(user=lapsed, days=3)
    now = clock.now()
    for user in (subscriber, stranger, lapsed):
        for at in (now, now + dt.timedelta(days=2), now + dt.timedelta(days=5), now + dt.timedelta(days=40)):
            assert LIMITS.first(user=user.pk, at=at) == plan_limits_query(user=user, at=at).first(), (user, at)
    assert LIMITS.first(user=subscriber.pk, at=now) is not None and LIMITS.first(user=stranger.pk, at=now) is None
    assert LIMITS.first(user=lapsed.pk, at=now + dt.timedelta(days=5)) is None


def test_a_prepared_update_writes_what_the_queryset_s_update_writes(subscriber, film):
    profile = subscriber.profiles.get()
    point = ResumePoint.objects.create(profile=profile, work=film, position_s=1.0)
    when = dt.datetime(2026, 12, 6, 21, 0, 0, 654321, tzinfo=dt.UTC)
    with CaptureQueriesContext(connection) as queries:
        changed = RESUME.run(profile=profile.pk, work=film.pk, position=12.5, watched=True, now=when)
    assert changed == 1 and len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    point.refresh_from_db()
    assert (point.position_s, point.watched, point.updated_at) == (12.5, True, when)
    assert RESUME.run(profile=profile.pk, work=film.pk + 1000, position=3.0, watched=False, now=when) == 0
    point.refresh_from_db()
    assert point.position_s == 12.5  # nothing else written


def test_a_withdrawal_read_of_one_work_gives_what_standing_withdrawals_gives(film, subscriber):
    from reelhouse.rights import rule

    assert rule.work_withdrawals(film.pk) == rule.standing_withdrawals([film.pk]).get(film.pk, []) == []
    notices = [Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example", works_claimed="TLT",
        scope="film", explanation="Ours.", good_faith=True, accurate=True, signature="Ada") for _ in range(2)]
    WorkWithdrawal.objects.create(work=film, notice=notices[0], territories="FR,DE")
    WorkWithdrawal.objects.create(work=film, notice=notices[1], territories="", lifted_at=clock.now())  # lifted
    assert rule.work_withdrawals(film.pk) == rule.standing_withdrawals([film.pk])[film.pk]
    assert len(rule.work_withdrawals(film.pk)) == 1


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_the_statement_on_its_own_connection(subscriber, film):
    session = playback_start(profile=subscriber.profiles.get(), work=film, device="Firefox")
    assert SESSION.first(pk=session.pk).pk == session.pk
    found, errors = [], []

    def read():
        try:
            found.append((SESSION.first(pk=session.pk).work.title, SESSION._compiled._local.entry[0]))
        except Exception as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and [title for title, _ in found] == [film.title] * 3
    connections_used = {id(conn) for _, conn in found} | {id(SESSION._compiled._local.entry[0])}
    assert len(connections_used) == 4  # compiled once per thread, for that thread's own connection


def test_a_field_that_writes_its_own_placeholder_is_refused():
    class Placed(models.IntegerField):
        def get_placeholder(self, value, compiler, connection):
            return "(%s + 0)"

    with pytest.raises(TypeError, match="placeholder"):
        Arg("n", Placed())
