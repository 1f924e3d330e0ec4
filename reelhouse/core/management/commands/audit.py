"""`reelhouse audit verify`: walk the audit chain; exit 1 naming the first entry that does not match."""

from django.core.management.base import BaseCommand, CommandError

from reelhouse.core.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain (append-only, tamper-evident)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute every entry's hash and link; name the first broken entry.")

    def handle(self, *args, action: str, **options):
        verdict = audit_verify()
        if not verdict.ok:
            raise CommandError(f"audit chain broken after {verdict.checked} good entries: {verdict.problem}")
        self.stdout.write(f"audit chain intact: {verdict.checked} entries")
