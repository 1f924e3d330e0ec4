"""The audit trail on PostgreSQL: the table refuses UPDATE and DELETE (a trigger), and many writers appending at once
keep one unbroken chain (appends serialise on the chain head's row lock)."""

import os
import threading

import pytest
from django.db import DatabaseError, connection, transaction

from reelhouse.core.audit import audit_record, audit_verify
from reelhouse.core.models import AuditEvent

IS_PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not IS_PG, reason="the trigger and row locks are PostgreSQL's: set DATABASE_URL")]
WRITERS, EACH = 8, 25


def test_postgresql_refuses_update_and_delete_on_the_audit_table():
    assert connection.vendor == "postgresql"
    entry = audit_record(action="payment.refunded", refunded_minor=999)
    for sql in ("UPDATE core_auditevent SET detail = '{}' WHERE id = %s", "DELETE FROM core_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).delete()
    assert AuditEvent.objects.get(pk=entry.pk).detail == {"refunded_minor": 999}
    assert audit_verify().ok


def test_concurrent_appends_keep_one_unbroken_chain():
    assert connection.vendor == "postgresql"
    start, errors = threading.Barrier(WRITERS), []

    def write(n: int):
        try:
            start.wait()
            for i in range(EACH):
                audit_record(action="test.concurrent", writer=n, i=i)
        except Exception as exc:  # reported below: the assertion names it
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and AuditEvent.objects.filter(action="test.concurrent").count() == \
        WRITERS * EACH
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))  # no two entries claim the same predecessor: no fork
    verdict = audit_verify()
    assert verdict.ok, verdict.problem
