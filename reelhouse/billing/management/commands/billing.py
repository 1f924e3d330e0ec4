"""`reelhouse billing remind` (daily: dunning reminders) and `reelhouse billing plans` (create the default plans)."""

from django.core.management.base import BaseCommand

from reelhouse.billing import services


class Command(BaseCommand):
    help = "Billing chores: send dunning reminders, ensure the default plans."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["remind", "plans"])

    def handle(self, *args, action: str, **options):
        if action == "remind":
            self.stdout.write(f"{services.dunning_reminders_send()} reminder(s) sent")
        else:
            for plan in services.plans_ensure():
                prices = ", ".join(f"{p.amount_minor / 100:.2f} {p.currency}" for p in plan.prices.all())
                self.stdout.write(f"{plan.code}: {plan.name} ({prices})")
