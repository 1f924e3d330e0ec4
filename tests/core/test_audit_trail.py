"""The audit trail: each entry chained to the one before (sha256), `reelhouse audit verify` names the first entry
someone altered or removed with raw SQL, role changes and licence edits are recorded with before/after values, and
the back office lists, filters and exports it."""

import csv
import datetime as dt
import io
import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from reelhouse.accounts.services import user_create
from reelhouse.core.audit import GENESIS, acting_as, audit_record, audit_verify, entry_hash
from reelhouse.core.models import AuditEvent
from reelhouse.rights.models import Licence, Licensor
from tests.conftest import with_role

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    """Change the table behind the application's back. On PostgreSQL the attacker is the table's owner, who can
    switch the append-only trigger off first: the chain still tells."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


def _chain(n: int) -> list[AuditEvent]:
    return [audit_record(action="test.step", step=i, at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) for i in range(n)]


def test_entries_link_to_the_one_before_and_verify_passes():
    start = AuditEvent.objects.count()
    entries = _chain(4)
    assert [e.seq for e in entries] == list(range(start + 1, start + 5))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert AuditEvent.objects.get(seq=1).prev_hash == GENESIS
    stored = AuditEvent.objects.get(pk=entries[2].pk)
    assert entry_hash(stored) == stored.hash  # what the database gives back hashes the same
    assert audit_verify().ok
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"intact: {start + 4} entries" in out.getvalue()


def test_tampering_with_an_entry_in_sql_is_named_by_verify():
    """The attack: someone with database access rewrites what an entry says (who got a refund)."""
    entries = _chain(5)
    target = entries[2]
    _raw("UPDATE core_auditevent SET detail = %s WHERE id = %s", ['{"step": 99}', target.pk])
    verdict = audit_verify()
    assert not verdict.ok and verdict.broken.pk == target.pk
    with pytest.raises(CommandError, match=rf"entry #{target.seq} \(id {target.pk}, test.step\) was altered"):
        call_command("audit", "verify")


def test_rehashing_a_tampered_entry_breaks_the_next_link():
    """The attacker also recomputes the altered entry's own hash: the next entry no longer links to it."""
    entries = _chain(4)
    target = AuditEvent.objects.get(pk=entries[1].pk)
    target.detail = {"step": 42}
    forged = entry_hash(target)
    _raw("UPDATE core_auditevent SET detail = %s, hash = %s WHERE id = %s", ['{"step": 42}', forged, target.pk])
    verdict = audit_verify()
    assert verdict.broken.pk == entries[2].pk and "does not link" in verdict.problem


def test_removing_entries_is_named_by_verify():
    entries = _chain(5)
    _raw("DELETE FROM core_auditevent WHERE id = %s", [entries[1].pk])
    verdict = audit_verify()
    assert verdict.broken.pk == entries[2].pk and f"#{entries[1].seq}..#{entries[1].seq} were removed" in \
        verdict.problem
    # The newest entries removed as well: the chain head still remembers them.
    _raw("DELETE FROM core_auditevent WHERE id >= %s", [entries[1].pk])
    assert "newest entries were removed" in audit_verify().problem


def test_a_role_change_is_recorded_with_before_after_actor_and_reason():
    admin_user = user_create(email="boss@example.com", password="x" * 16, is_staff=True, is_superuser=True)
    agent = user_create(email="agent@example.com", password="x" * 16, is_staff=True)
    with acting_as(admin_user, reason="joins the support team"):
        agent.groups.add(Group.objects.get(name="support agent"))
    entry = AuditEvent.objects.filter(action="user.roles_changed").latest("seq")
    assert (entry.subject_id, entry.actor_label, entry.reason) == (str(agent.pk), "boss@example.com",
                                                                   "joins the support team")
    assert entry.before == {"roles": []} and entry.after == {"roles": ["support agent"]}
    call_command("roles", "grant", "agent@example.com", "finance", "--reason", "covers billing in August")
    entry = AuditEvent.objects.filter(action="user.roles_changed").latest("seq")
    assert entry.before == {"roles": ["support agent"]} and entry.after == {"roles": ["finance", "support agent"]}
    assert entry.reason == "covers billing in August"
    assert audit_verify().ok


def _resubmit(client, url: str, **changes) -> dict:
    """The admin change form's current values, as the browser would send them back, with `changes`."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, bound in form._bound_items() if hasattr(form, "_bound_items") else ((n, form[n]) for n in form.fields):
        widget, value = bound.field.widget, bound.value()
        if hasattr(widget, "widgets"):  # split date/time
            for i, part in enumerate(widget.decompress(value)):
                data[f"{name}_{i}"] = part.isoformat() if part is not None else ""
        elif value is not None:
            data[name] = value
    for key, value in changes.items():
        data[key] = value
    for prefix in ("_save",):
        data[prefix] = "Save"
    return data


def test_a_licence_edit_in_the_admin_is_recorded_with_before_and_after(client):
    legal = with_role(user_create(email="legal@example.com", password="x" * 16, is_staff=True), "rights & legal")
    licence = Licence.objects.create(licensor=Licensor.objects.create(name="Harbour Films"), name="EU 2024",
                                     territories="FR DE", starts_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    client.force_login(legal)
    url = reverse("admin:rights_licence_change", args=[licence.pk])
    response = client.post(url, _resubmit(client, url, territories="FR DE AT"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    licence.refresh_from_db()
    assert licence.territories.split() == ["FR", "DE", "AT"]
    entry = AuditEvent.objects.filter(action="licence.edited_in_admin").latest("seq")
    assert (entry.subject_type, entry.subject_id, entry.actor_label) == ("rights.licence", str(licence.pk),
                                                                          "legal@example.com")
    assert entry.before["territories"] == "FR DE" and entry.after["territories"].split() == ["FR", "DE", "AT"]
    assert audit_verify().ok


def test_the_back_office_lists_filters_and_exports_the_trail(client):
    finance = with_role(user_create(email="money@example.com", password="x" * 16, is_staff=True), "finance")
    audit_record(action="payment.refunded", actor=finance, reason="duplicate charge", before={"refunded_minor": 0},
                 after={"refunded_minor": 999})
    audit_record(action="test.other")
    client.force_login(finance)
    page = client.get(reverse("admin:core_auditevent_changelist"), {"action": "payment.refunded"})
    assert page.status_code == 200 and "duplicate charge" in page.content.decode()
    assert "Export as CSV" in page.content.decode()
    body = client.get(reverse("admin:core_auditevent_export"), {"action": "payment.refunded"}).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["action"], r["actor"], r["reason"], r["after"]) for r in rows] == [
        ("payment.refunded", "money@example.com", "duplicate charge", '{"refunded_minor": 999}')]
    by_actor = client.get(reverse("admin:core_auditevent_export"), {"actor_label": "money@example.com"})
    assert {r["action"] for r in csv.DictReader(io.StringIO(by_actor.content.decode()))} == {"payment.refunded"}
    # Nobody, not even a superuser, edits or deletes an entry through the admin.
    entry = AuditEvent.objects.latest("seq")
    root = user_create(email="root@example.com", password="x" * 16, is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.post(reverse("admin:core_auditevent_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=entry.pk).exists()
