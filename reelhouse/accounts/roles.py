"""Operator roles: THE one table of who may see or do what in the back office.

Each role is a Django group. `ROLES` maps a role to the models it may view/add/change/delete (per app label and model
name) and to the custom permissions of staff pages outside the admin. `roles_sync()` (run after every migrate and by
`reelhouse roles sync`) makes the groups hold exactly these permissions; tests/accounts/test_roles.py requests every
staff page and admin action as every role, expecting what this table says.

Least privilege: a role lists only what its work needs. The administrator role holds every permission (and the
administrator of an install is normally a superuser, who sees everything anyway).
"""

from dataclasses import dataclass, field

V, VC, VAC, ALL = "view", "view change", "view add change", "view add change delete"

ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Role:
    name: str
    models: dict[str, str] = field(default_factory=dict)  # "app_label.model" or "app_label.*" -> actions
    perms: tuple[str, ...] = ()  # custom permissions "app_label.codename"
    everything: bool = False


# Custom permissions of staff pages and actions; each is declared in its model's Meta.permissions.
OPS_INGEST = "ingest.view_ops_ingest"  # /ops/ingest/* (missing, calendar, private iCal links)
QUARANTINE = "ingest.act_on_quarantine"  # retry/discard/assign held deliveries, retry feed items
DASHBOARD = "backoffice.view_dashboard"  # /ops/dashboard/ overview figures (subscribers, plays, ingest)
REVENUE = "backoffice.view_revenue"  # /ops/dashboard/revenue/ and the money figures
REFUND = "billing.refund_payment"  # the admin's "record a full refund" action
EXPORT_VOUCHERS = "billing.export_vouchers"  # voucher codes as CSV
AUDIT_EXPORT = "core.export_auditevent"  # audit trail as CSV
PROVENANCE = "ingest.view_delivery"  # /ops/ingest/provenance: who sees deliveries sees where a package came from
LIFT_SUSPENSION = "rights.lift_sourcesuspension"  # lift a source's ingest suspension (repeat-infringer policy)
SUPPORT = "support.handle_ticket"  # /support/desk/*: the queue, requests, replies, notes, service levels

ROLES: dict[str, Role] = {r.name: r for r in [
    Role(ADMINISTRATOR, everything=True),
    Role("content manager", models={
        "catalog.*": ALL,
        "media.asset": V, "media.transcodejob": VC, "media.marker": ALL,
        "ingest.source": V, "ingest.delivery": VC, "ingest.feeditem": VC,
        "rights.licensor": V, "rights.licence": V,
        "notifications.announcement": ALL,  # new arrivals, maintenance windows, press releases
        "helpcentre.*": ALL,  # help centre categories and articles
    }, perms=(OPS_INGEST, QUARANTINE, DASHBOARD)),
    Role("rights & legal", models={
        "rights.*": ALL,  # licensors, licences, notices and their decisions, withdrawals, trusted notifiers
        "catalog.series": VC, "catalog.episode": VC, "catalog.film": VC,  # publish / withdraw
        "ingest.source": V, "ingest.delivery": V, "ingest.feeditem": V,
        "media.asset": V,
        "core.auditevent": V,
    }, perms=(OPS_INGEST, AUDIT_EXPORT, LIFT_SUSPENSION)),
    Role("support agent", models={
        "accounts.user": V,
        "billing.subscription": V, "billing.plan": V, "billing.voucher": V,
        "rewards.stampaccount": V, "rewards.stampentry": V, "rewards.reward": V, "rewards.referral": V,
        "playback.playbacksession": V, "playback.resumepoint": V,
        "notifications.notification": V,
        "catalog.series": V, "catalog.episode": V, "catalog.film": V,
        "rights.licence": V,
        "support.cannedreply": ALL, "support.inboundmail": V,
        "helpcentre.article": VAC, "helpcentre.category": V,  # agents write the answers they give often
    }, perms=(SUPPORT,)),
    Role("finance", models={
        "billing.*": V,
        "billing.payment": "view add",  # manual payments; refunds through REFUND
        "billing.voucherbatch": VAC, "billing.coupon": VAC, "billing.plan": VC,
        "accounts.user": V,
        "core.auditevent": V,
    }, perms=(DASHBOARD, REVENUE, REFUND, EXPORT_VOUCHERS, AUDIT_EXPORT)),
    Role("infrastructure", models={
        "django_tasks_database.dbtaskresult": V,
        "media.transcodejob": VC, "media.asset": V,
        "ingest.source": VC, "ingest.delivery": V, "ingest.feeditem": V, "ingest.calendartoken": V,
        "notifications.outgoingmail": VC, "notifications.undeliverableaddress": ALL,  # the mail queue
        "support.inboundmail": V,  # what the support mailbox received
        "notifications.statuscomponent": VC, "notifications.incident": ALL,  # the public status page
        "notifications.incidentupdate": ALL,
    }, perms=(OPS_INGEST, DASHBOARD)),
]}


def role_permissions(role: Role, all_perms: dict[str, set[str]]) -> set[str]:
    """The "app_label.codename" permissions a role holds, from the table; `all_perms` maps "app_label.model" to its
    codenames (only models that exist count, so a wildcard never reaches another app)."""
    if role.everything:
        return {f"{label.split('.')[0]}.{code}" for label, codes in all_perms.items() for code in codes}
    granted: set[str] = set()
    for key, actions in role.models.items():
        app, model = key.split(".")
        labels = [lbl for lbl in all_perms if lbl.split(".")[0] == app] if model == "*" else [key]
        for label in labels:
            if label not in all_perms:
                raise LookupError(f"roles table names {label!r}, which is not a model")
            for action in actions.split():
                granted.add(f"{app}.{action}_{label.split('.')[1]}")
    return granted | set(role.perms)


def roles_sync(*, apps=None, using: str = "default") -> dict[str, int]:
    """Make each role's group hold exactly the table's permissions (creating the groups); returns counts."""
    if apps is None:
        from django.apps import apps as live

        apps = live
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_key = {}
    all_perms: dict[str, set[str]] = {}
    for perm in Permission.objects.using(using).select_related("content_type"):
        ct = perm.content_type
        by_key[f"{ct.app_label}.{perm.codename}"] = perm
        all_perms.setdefault(f"{ct.app_label}.{ct.model}", set()).add(perm.codename)
    counts = {}
    for role in ROLES.values():
        wanted = role_permissions(role, all_perms)
        missing = sorted(wanted - set(by_key))
        if missing:
            raise LookupError(f"role {role.name!r} names permissions that do not exist: {', '.join(missing)}")
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        group.permissions.set([by_key[k] for k in wanted])
        counts[role.name] = len(wanted)
    return counts


def staff_permission_required(perm: str):
    """The one guard of staff pages outside the admin: anonymous -> sign-in page; signed in without `perm` (or not
    staff) -> 403. The second sign-in step stays StaffTwoFactorMiddleware's."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff and user.has_perm(perm)):
                raise PermissionDenied(f"This page needs the permission {perm!r}; ask an administrator for a role "
                                       "that has it.")
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return decorate
