"""Issue a trusted-notifier token for a licensor's own system: `reelhouse notifier_token "<licensor name>"`.
The token is printed once (only its SHA-256 is stored); issuing again revokes the previous one."""

from django.core.management.base import BaseCommand, CommandError

from reelhouse.rights.models import Licensor
from reelhouse.rights.notices import trusted_notifier_token_issue


class Command(BaseCommand):
    help = "Issue (or replace) the token a licensor's system uses to file notices at POST /api/rights/notices."

    def add_arguments(self, parser):
        parser.add_argument("licensor", help="The licensor's name, as in the admin.")

    def handle(self, *args, licensor, **options):
        found = Licensor.objects.filter(name=licensor).first()
        if found is None:
            known = ", ".join(Licensor.objects.order_by("name").values_list("name", flat=True)[:20]) or "none yet"
            raise CommandError(f"no licensor named {licensor!r} (known: {known})")
        token = trusted_notifier_token_issue(licensor=found)
        self.stdout.write(f"Token for {found.name} (shown once; any earlier token no longer works):\n{token}\n"
                          "Send it as 'Authorization: Bearer <token>' with POST /api/rights/notices.")
