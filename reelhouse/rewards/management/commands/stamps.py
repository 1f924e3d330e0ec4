"""`reelhouse stamps expire` (daily): stamps earned more than REELHOUSE_STAMPS_EXPIRE_MONTHS ago expire."""

from django.core.management.base import BaseCommand

from reelhouse.rewards import conf, services


class Command(BaseCommand):
    help = "Stamps chores: expire stamps past REELHOUSE_STAMPS_EXPIRE_MONTHS (safe to run twice or at once)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["expire"])

    def handle(self, *args, action: str, **options):
        if not conf.expire_months():
            self.stdout.write("stamps do not expire here (REELHOUSE_STAMPS_EXPIRE_MONTHS is 0)")
            return
        self.stdout.write(f"{services.stamps_expire()} stamp(s) expired")
