"""`reelhouse roles sync|list|grant|revoke`: the operator roles of accounts/roles.py as groups."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from reelhouse.accounts.models import User
from reelhouse.accounts.roles import ROLES, roles_sync
from reelhouse.core.audit import acting_as


class Command(BaseCommand):
    help = "Apply the roles table to the groups, list roles, or give/take a role (recorded in the audit trail)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync", help="Make each role's group hold exactly the permissions the table names.")
        sub.add_parser("list", help="Each role, its permission count and its members.")
        for name in ("grant", "revoke"):
            p = sub.add_parser(name, help=f"{name.title()} a role (staff accounts only).")
            p.add_argument("email")
            p.add_argument("role", choices=sorted(ROLES))
            p.add_argument("--reason", required=True, help="Why; kept in the audit trail.")

    def handle(self, *args, action: str, **options):
        if action == "sync":
            for role, count in roles_sync().items():
                self.stdout.write(f"{role}: {count} permissions")
            return
        if action == "list":
            for group in Group.objects.filter(name__in=ROLES).order_by("name"):
                members = ", ".join(group.user_set.order_by("email").values_list("email", flat=True)) or "-"
                self.stdout.write(f"{group.name}: {group.permissions.count()} permissions; members: {members}")
            return
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No account with the e-mail {options['email']!r}.")
        if action == "grant" and not user.is_staff:
            raise CommandError(f"{user.email} is not a staff account; make it staff first (admin or staff_enrol).")
        group = Group.objects.filter(name=options["role"]).first()
        if group is None:
            raise CommandError("The role groups are missing; run `reelhouse migrate` or `reelhouse roles sync`.")
        with acting_as(None, reason=options["reason"]):
            (user.groups.add if action == "grant" else user.groups.remove)(group)
        self.stdout.write(f"{user.email}: roles now {', '.join(user.groups.values_list('name', flat=True)) or '-'}")
