"""The plans on sale by default (created on first use; operators' later edits are kept). Outside billing.services
so that billing.stripe_sync, which those services call, can read the default plan without importing them."""

from django.db import transaction

from reelhouse.billing import conf
from reelhouse.billing.models import Plan, PlanPrice


@transaction.atomic
def plans_ensure() -> list[Plan]:
    """Create the default plans and prices if missing (operators' later edits are kept)."""
    plans = []
    for spec in conf.DEFAULT_PLANS:
        fields = {k: v for k, v in spec.items() if k not in ("code", "prices")} | conf.PLAN_LIMITS
        plan, _created = Plan.objects.get_or_create(code=spec["code"], defaults=fields)
        for currency, amount in spec["prices"].items():
            PlanPrice.objects.get_or_create(plan=plan, currency=currency, defaults={"amount_minor": amount})
        plans.append(plan)
    return plans


def plan_default() -> Plan:
    """The monthly standard plan (created with the other default plans on first use)."""
    plan = Plan.objects.filter(code=conf.DEFAULT_PLAN_CODE).first()
    return plan or next(p for p in plans_ensure() if p.code == conf.DEFAULT_PLAN_CODE)
