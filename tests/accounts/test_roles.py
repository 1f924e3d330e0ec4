"""Operator roles, generated from THE table (reelhouse/accounts/roles.py): every staff page (every admin changelist and
add page of every registered model, every /ops/ page, every dashboard figure, every billing report CSV, the audit
export) and every admin action is requested as every role; what the table allows answers 200/302, the rest 403."""

import datetime as dt
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import resolve, reverse

from reelhouse.accounts import roles
from reelhouse.accounts.services import user_create
from reelhouse.backoffice import figures
from reelhouse.billing.models import Payment, Plan
from reelhouse.billing.services import payment_record
from reelhouse.core.models import AuditEvent
from reelhouse.rights.models import Licence, Licensor
from reelhouse.support.models import Ticket

pytestmark = pytest.mark.django_db

ALLOWED, REFUSED = {200, 302}, {403}
# Custom admin-action permissions -> the table's permission (ModelAdmin.has_<name>_permission asks for it).
ACTION_PERMS = {"refund": roles.REFUND, "export": roles.EXPORT_VOUCHERS, "quarantine": roles.QUARANTINE,
                "lift": roles.LIFT_SUSPENSION}


def _table() -> dict[str, set[str]]:
    all_perms: dict[str, set[str]] = {}
    for perm in Permission.objects.select_related("content_type"):
        all_perms.setdefault(f"{perm.content_type.app_label}.{perm.content_type.model}", set()).add(perm.codename)
    return {name: roles.role_permissions(role, all_perms) for name, role in roles.ROLES.items()}


@pytest.fixture
def people(client):
    """One staff account per role, plus a superuser; each with its own client."""
    from django.test import Client

    made = {}
    for name in roles.ROLES:
        user = user_create(email=f"{name.replace(' ', '-').replace('&', 'and')}@example.com", password="x" * 16,
                           is_staff=True)
        user.groups.add(Group.objects.get(name=name))
        c = Client()
        c.force_login(user)
        made[name] = c
    su = Client()
    su.force_login(user_create(email="root@example.com", password="x" * 16, is_staff=True, is_superuser=True))
    made["superuser"] = su
    return made


def _grants(table, role: str, perm: str) -> bool:
    return role == "superuser" or perm in table[role]


def _superuser_request():
    request = RequestFactory().get("/")
    request.user = type("SU", (), {"is_active": True, "is_staff": True, "is_superuser": True, "pk": 1,
                                   "has_perm": lambda self, p, o=None: True})()
    return request


def _admin_pages():
    """(url, needs) for every registered model: needs is a function role-perms -> allowed."""
    for model, model_admin in admin.site._registry.items():
        app, name = model._meta.app_label, model._meta.model_name
        request = _superuser_request()
        yield (reverse(f"admin:{app}_{name}_changelist"),
               lambda perms, a=app, n=name: f"{a}.view_{n}" in perms or f"{a}.change_{n}" in perms)
        if model_admin.has_add_permission(request):  # some admins forbid adding to everyone (services write them)
            yield reverse(f"admin:{app}_{name}_add"), lambda perms, a=app, n=name: f"{a}.add_{n}" in perms


def _ops_pages():
    """Every staff page outside the admin, with the permission its view declares (each must declare one)."""
    urls = [reverse(f"ingest:{n}") for n in ("missing", "missing_ics", "calendar", "calendar_ics", "calendar_links",
                                             "provenance")]
    urls += [reverse("backoffice:overview"), reverse("backoffice:revenue")]
    urls += [reverse("backoffice:figure_svg", args=[k]) for k in figures.FIGURES]
    urls += [reverse("backoffice:figure_csv", args=[k]) for k in figures.FIGURES]
    urls += [reverse("backoffice:figure_csv", args=[k]) for k in figures.TABLES]
    ticket, _ = Ticket.objects.get_or_create(reference="REQ-ROLES2", defaults={"email": "r@example.com",
                                                                             "subject": "Roles"})
    urls += [reverse("support:desk"), reverse("support:desk_ticket", args=[ticket.reference]),
             reverse("support:sla"), reverse("support:sla_svg"), reverse("support:sla_csv")]
    for url in urls:
        func = resolve(url).func
        perm = getattr(func, "required_permission", None)
        assert perm, f"{url} is a staff page without a permission check (use roles.staff_permission_required)"
        key = url.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if url.startswith("/ops/dashboard/") and "." in url.rsplit("/", 1)[-1] and key in figures.MONEY:
            perm = roles.REVENUE  # money figures need the revenue permission on top of the dashboard's
        yield url, perm
    yield reverse("admin:core_auditevent_export"), roles.AUDIT_EXPORT


def test_every_role_gets_exactly_what_the_table_says(people):
    table = _table()
    wrong = []
    for url, needs in _admin_pages():
        for role, c in people.items():
            allowed = role == "superuser" or needs(table[role])
            status = c.get(url).status_code
            if status not in (ALLOWED if allowed else REFUSED):
                wrong.append(f"{role} GET {url}: {status}, table says {'allowed' if allowed else 'refused'}")
    for url, perm in _ops_pages():
        for role, c in people.items():
            allowed = _grants(table, role, perm)
            if url == reverse("admin:core_auditevent_export"):
                allowed = allowed and _grants(table, role, "core.view_auditevent")
            status = c.get(url).status_code
            if status not in (ALLOWED if allowed else REFUSED):
                wrong.append(f"{role} GET {url}: {status}, table says {'allowed' if allowed else 'refused'}")
    assert not wrong, "\n".join(wrong)


def test_every_admin_action_as_every_role(people):
    table = _table()
    wrong, tried = [], 0
    for model, model_admin in admin.site._registry.items():
        app, name = model._meta.app_label, model._meta.model_name
        url = reverse(f"admin:{app}_{name}_changelist")
        available = model_admin.get_actions(_superuser_request())  # what the admin offers at all (to anyone)
        for func, action, _desc in model_admin._get_base_actions():
            needed = getattr(func, "allowed_permissions", None)
            assert needed, f"admin action {app}.{name}:{action} names no permissions: anyone who sees the list could " \
                           "run it (give it permissions=[...])"
            perms = [ACTION_PERMS.get(p) or f"{app}.{p}_{name}" for p in needed]
            for role, c in people.items():
                sees = _grants(table, role, f"{app}.view_{name}") or _grants(table, role, f"{app}.change_{name}")
                allowed = action in available and sees and all(_grants(table, role, p) for p in perms)
                # No object selected: an allowed action answers "select items" (302); a refused one is refused first.
                nothing = str(uuid.uuid4()) if model._meta.pk.get_internal_type() == "UUIDField" else "0"
                status = c.post(url, {"action": action, "_selected_action": [nothing], "index": "0"}).status_code
                tried += 1
                if status not in (ALLOWED if allowed else REFUSED):
                    wrong.append(f"{role} action {app}.{name}:{action}: {status}, table says "
                                 f"{'allowed' if allowed else 'refused'}")
    assert tried > 100 and not wrong, "\n".join(wrong)


@pytest.fixture
def licence():
    licensor = Licensor.objects.create(name="Harbour Films")
    return Licence.objects.create(licensor=licensor, name="EU 2024", territories="FR DE",
                                  starts_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def payment():
    plan = Plan.objects.create(code="premium-1m", name="Premium monthly", term_months=1, max_streams=4)
    viewer = user_create(email="payer@example.com", password="x" * 16)
    return payment_record(user=viewer, plan=plan, amount_minor=999, currency="EUR")


def test_support_cannot_edit_licences(people, licence):
    """The attack: a support agent posts the licence's change form to widen its territories."""
    url = reverse("admin:rights_licence_change", args=[licence.pk])
    response = people["support agent"].post(url, {"licensor": licence.licensor_id, "name": licence.name,
                                                  "territories": "WW", "starts_at_0": "2024-01-01",
                                                  "starts_at_1": "00:00:00"})
    assert response.status_code == 403
    licence.refresh_from_db()
    assert licence.territories == "FR DE"


def test_support_and_content_cannot_see_payments_or_card_data(people, payment):
    for role in ("support agent", "content manager"):
        for model in ("payment", "customer", "billingprofile"):
            assert people[role].get(reverse(f"admin:billing_{model}_changelist")).status_code == 403, (role, model)
        assert people[role].get(reverse("admin:billing_payment_change", args=[payment.pk])).status_code == 403
        assert people[role].get(reverse("billing:report_csv", args=["revenue"]), follow=True).status_code == 403
        assert people[role].get(reverse("backoffice:figure_csv", args=["mrr"])).status_code == 403
    assert people["finance"].get(reverse("admin:billing_payment_changelist")).status_code == 200


def test_a_role_without_the_refund_permission_cannot_refund(people, payment):
    """The attack: infrastructure (may not refund) posts the refund action on a real payment."""
    url = reverse("admin:billing_payment_changelist")
    for role in ("support agent", "content manager", "infrastructure", "rights & legal"):
        response = people[role].post(url, {"action": "record_full_refund", "_selected_action": [payment.pk]})
        assert response.status_code == 403, role
    payment.refresh_from_db()
    assert payment.refunded_minor == 0
    assert people["finance"].post(url, {"action": "record_full_refund",
                                        "_selected_action": [payment.pk]}).status_code == 302
    payment.refresh_from_db()
    assert payment.refunded_minor == 999 and payment.state == Payment.State.REFUNDED
    entry = AuditEvent.objects.get(action="payment.refunded")
    assert entry.actor_label == "finance@example.com"
    assert entry.before == {"refunded_minor": 0, "state": "paid"} and entry.after["refunded_minor"] == 999


def test_finance_cannot_publish(people, licence):
    from reelhouse.catalog.models import Film

    film = Film.objects.create(title="Night Ferry", year=2021, licence=licence)
    url = reverse("admin:catalog_film_change", args=[film.pk])
    assert people["finance"].get(url).status_code == 403
    response = people["finance"].post(url, {"title": "Night Ferry", "year": 2021, "published_at_0": "2024-02-01",
                                            "published_at_1": "00:00:00"})
    assert response.status_code == 403
    film.refresh_from_db()
    assert film.published_at is None


def test_roles_sync_restores_the_table(people):
    group = Group.objects.get(name="support agent")
    group.permissions.add(Permission.objects.get(codename="change_licence"))
    from django.core.management import call_command

    call_command("roles", "sync")
    assert not group.permissions.filter(codename="change_licence").exists()
    assert group.permissions.filter(codename="view_licence").exists()
